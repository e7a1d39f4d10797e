"""Platform markup: a ``Message`` as Telegram HTML, Slack Block Kit, or console text.

Built at the edge, beside the adapters; the core renders platform-free messages
(``bot.render``). Feed text is escaped for each markup, and only our own markup is
emitted (Telegram: ``b``, ``i``, ``a`` with http(s) links; Slack: ``*bold*``, quotes and
``<url|label>`` links built from checked URLs).
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.models import Message
from bot.render import safe_url, utf16_len
from bot.text import clean_text

# Block Kit's own format limits; each message's length budget comes from its adapter.
SLACK_MAX_SECTION_TEXT = 3000
SLACK_MAX_BLOCKS = 50


# --------------------------------------------------------------------------- Telegram HTML


@dataclass(frozen=True)
class _Unit:
    """One output line: our own markup around a piece of plain text."""

    prefix: str  # markup, already safe
    text: str  # plain text, escaped on output
    suffix: str  # markup, already safe


def _tg_escape(text: str) -> str:
    return html.escape(text, quote=False)


def _tg_char_cost(ch: str) -> int:
    return utf16_len(_tg_escape(ch))


def _units(message: Message, markup: bool) -> list[_Unit]:
    """Message → lines. ``markup`` False gives plain text with no tags."""

    def wrap(tag: str, text: str) -> list[_Unit]:
        lines = clean_text(text).split("\n")
        if not markup:
            return [_Unit("", line, "") for line in lines]
        return [
            _Unit(f"<{tag}>", line, f"</{tag}>") if line else _Unit("", "", "") for line in lines
        ]

    blank = _Unit("", "", "")
    units: list[_Unit] = wrap("b", message.headline)
    if message.lines:
        units.append(blank)
        for line in message.lines:
            units.extend(_Unit("", part, "") for part in clean_text(line).split("\n"))
    if message.quotes:
        units.append(blank)
        for quote in message.quotes:
            units.extend(wrap("i", f"“{quote}”"))
    if message.links:
        units.append(blank)
        for link in message.links:
            url = safe_url(link.url)
            label = clean_text(link.label).replace("\n", " ") or "link"
            if url is None:
                units.append(_Unit("• ", label, ""))
            elif markup:
                units.append(_Unit(f'• <a href="{html.escape(url, quote=True)}">', label, "</a>"))
            else:
                units.append(_Unit("• ", f"{label}: {url}", ""))
    if message.footer:
        units.append(blank)
        units.extend(wrap("i", message.footer))
    return units


def _split_text(text: str, budget: int, cost: Callable[[str], int]) -> list[str]:
    """Cut plain text into pieces whose escaped size ≤ budget, preferring spaces."""
    pieces: list[str] = []
    start = 0
    while start < len(text):
        used = 0
        end = start
        last_space = -1
        while end < len(text):
            c = cost(text[end])
            if used + c > budget:
                break
            if text[end] == " ":
                last_space = end
            used += c
            end += 1
        if end < len(text) and last_space > start + (end - start) // 2:
            end = last_space + 1
        if end == start:  # a single character bigger than the budget cannot happen here
            end = start + 1
        pieces.append(text[start:end])
        start = end
    return pieces


def _pack(
    units: list[_Unit],
    limit: int,
    escape: Callable[[str], str],
    cost: Callable[[str], int],
    measure: Callable[[str], int],
) -> list[str]:
    lines: list[str] = []
    for unit in units:
        rendered = unit.prefix + escape(unit.text) + unit.suffix
        if measure(rendered) <= limit:
            lines.append(rendered)
            continue
        budget = limit - measure(unit.prefix) - measure(unit.suffix)
        if budget < 16:  # markup alone too big (absurd URL): drop the markup
            unit, budget = _Unit("", unit.text, ""), limit
        for piece in _split_text(unit.text, budget, cost):
            lines.append(unit.prefix + escape(piece) + unit.suffix)
    parts: list[str] = []
    current: list[str] = []
    size = 0
    for line in lines:
        add = measure(line) + (1 if current else 0)
        if current and size + add > limit:
            parts.append("\n".join(current).strip("\n"))
            current, size = [], 0
            add = measure(line)
        if not current and not line:
            continue  # no blank line at the start of a part
        current.append(line)
        size += add
    if current:
        parts.append("\n".join(current).strip("\n"))
    return [p for p in parts if p]


def telegram_html(message: Message, limit: int) -> list[str]:
    """Telegram ``parse_mode=HTML`` parts, each ≤ ``limit`` UTF-16 units, tags balanced."""
    return list(_telegram_html_parts(message, limit))


# A fan-out sends one rendered alert to many chats: its markup is built once.
@functools.lru_cache(maxsize=256)
def _telegram_html_parts(message: Message, limit: int) -> tuple[str, ...]:
    return tuple(_pack(_units(message, True), limit, _tg_escape, _tg_char_cost, utf16_len))


def telegram_plain(message: Message, limit: int) -> list[str]:
    """Plain-text parts (no ``parse_mode``): the fallback when markup was rejected."""
    return _pack(_units(message, False), limit, lambda s: s, utf16_len, utf16_len)


def console_text(message: Message) -> str:
    return "\n".join(_pack(_units(message, False), 10**9, lambda s: s, len, len))


# --------------------------------------------------------------------------- Slack


def slack_escape(text: str) -> str:
    """Slack mrkdwn escaping: exactly ``&``, ``<`` and ``>`` (their formatting guide)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# Slack has no escape for its formatting marks, so a mark from the news that could open
# or close bold, italics, strike-through or code becomes its look-alike. A mark between
# two letters or digits (``next_meeting``) formats nothing in Slack and is kept.
_SLACK_MARK_LOOKALIKES = {"*": "\u2217", "_": "\u02cd", "~": "\u223c", "`": "\u02cb"}
_SLACK_ACTIVE_MARK = re.compile(r"(?<![^\W_])[*_~`]|[*_~`](?![^\W_])")


def slack_inert_marks(text: str) -> str:
    """``*bold*``, ``_it_``, ``~x~`` and backticks from the news shown, not applied."""
    return _SLACK_ACTIVE_MARK.sub(lambda m: _SLACK_MARK_LOOKALIKES[m.group()], text)


def slack_text(text: str) -> str:
    """Text from anywhere (the news included) as inert Slack mrkdwn."""
    return slack_escape(slack_inert_marks(text))


def _slack_cost(ch: str) -> int:
    return len(slack_escape(ch))  # a look-alike mark is one character, like the mark


def _slack_url(url: str) -> str:
    # Inside <url|label> these would end or split the link.
    return url.replace("|", "%7C").replace("<", "%3C").replace(">", "%3E")


def _slack_fit(text: str, budget: int) -> str:
    """Escape ``text``, cutting the plain text first so the result fits ``budget``."""
    if budget <= 0:
        return ""
    escaped = slack_text(text)
    if len(escaped) <= budget:
        return escaped
    pieces = _split_text(text, max(budget - 1, 1), _slack_cost)
    return slack_text(pieces[0].rstrip()) + "…" if pieces else ""


@dataclass(frozen=True)
class SlackPayload:
    text: str  # notification / fallback text (escaped mrkdwn)
    blocks: list[dict[str, Any]]


def _mrkdwn(text: str) -> dict[str, Any]:
    # verbatim: Slack must not turn names, channels or URLs in the text into links
    return {"type": "mrkdwn", "text": text, "verbatim": True}


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": _mrkdwn(text)}


def slack_payload(message: Message, limit: int) -> SlackPayload:
    """Block Kit blocks (each section ≤ 3000 chars, all text ≤ ``limit``) + fallback text."""
    budget = limit
    blocks: list[dict[str, Any]] = []

    def take(text: str, reserve: int = 0) -> str:
        nonlocal budget
        piece = _slack_fit(text, min(budget - reserve, SLACK_MAX_SECTION_TEXT - reserve))
        budget -= len(piece) + reserve
        return piece

    headline = take(" ".join(clean_text(message.headline).split()), reserve=2)
    blocks.append(_section(f"*{headline}*"))
    body_lines = [line for raw in message.lines for line in clean_text(raw).split("\n")]
    section: list[str] = []
    for line in body_lines:
        if budget <= 1:
            break
        piece = take(line, reserve=1)
        if not piece:
            break
        if sum(len(s) + 1 for s in section) + len(piece) > SLACK_MAX_SECTION_TEXT:
            blocks.append(_section("\n".join(section)))
            section = []
        section.append(piece)
    if section:
        blocks.append(_section("\n".join(section)))
    quotes = []
    for quote in message.quotes:
        if budget > 10:
            quotes.append("> " + take(" ".join(clean_text(quote).split()), reserve=3))
    if quotes:
        blocks.append(_section("\n".join(quotes)))
    links = []
    for link in message.links:
        url = safe_url(link.url)
        label = " ".join(clean_text(link.label).split()) or "link"
        if url is None or budget < len(url) + 10:
            continue
        budget -= len(_slack_url(url)) + 6
        links.append(f"• <{_slack_url(url)}|{take(label)}>")
    if links:
        blocks.append(_section("\n".join(links)))
    if message.footer and budget > 10:
        blocks.append({"type": "context", "elements": [_mrkdwn(take(message.footer))]})
    blocks = blocks[:SLACK_MAX_BLOCKS]
    while len(blocks) > 1 and sum(len(t) for t in _texts(blocks)) > limit:
        blocks.pop()  # belt and braces: the budget above should already hold
    fallback = _slack_fit(" ".join(clean_text(message.headline).split()), limit)
    return SlackPayload(text=fallback, blocks=blocks)


def _texts(blocks: list[dict[str, Any]]) -> list[str]:
    out: list[str] = []
    for block in blocks:
        if "text" in block:
            out.append(block["text"]["text"])
        out.extend(e["text"] for e in block.get("elements", ()))
    return out


def slack_plain(message: Message, limit: int) -> str:
    """Escaped text only (no blocks): the fallback after ``invalid_blocks``."""
    text = console_text(message)
    return _slack_fit(text, limit)
