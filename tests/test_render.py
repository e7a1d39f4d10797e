# ruff: noqa: E501  (expected strings read best unwrapped)
"""Rendering: alert wording, Telegram HTML safety and splitting, Slack escaping and limits."""

from __future__ import annotations

import html
import re
from dataclasses import replace
from datetime import UTC, date, datetime
from html.parser import HTMLParser

import pytest
from chatkit import source, state, view, watchlist
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.chat.markup import console_text, slack_payload, telegram_html, telegram_plain
from bot.chat.slack import SLACK_MAX_MESSAGE_TEXT
from bot.chat.telegram import TELEGRAM_MAX_TEXT
from bot.models import Change, ChangeKind, MeetingStatus, Message, MessageLink
from bot.render import meeting_title, render_change, render_meeting, utf16_len
from bot.text import clean_text

WL = watchlist()
NOW = datetime(2026, 1, 30, 9, 0, tzinfo=UTC)


def change(kind: ChangeKind, before: object = None, **after: object) -> Change:
    return Change(
        meeting_id=7,
        kind=kind,
        before=before,  # type: ignore[arg-type]
        after=state(**after),
        at=NOW,
        source=source(),
    )


@pytest.mark.parametrize(
    ("kind", "before", "after", "headline"),
    [
        (
            ChangeKind.RESCHEDULED,
            state(date=date(2026, 2, 1), date_end=None),
            {},
            "🔁 Rescheduled: US–Russia–Ukraine talks, Abu Dhabi — 1 Feb → 4–5 Feb",
        ),
        (
            ChangeKind.RESCHEDULED,
            state(date=None, date_end=None),
            {},
            "📅 Date set: US–Russia–Ukraine talks, Abu Dhabi — 4–5 Feb",
        ),
        (
            ChangeKind.RESCHEDULED,
            state(venue="miami"),
            {},
            "🔁 Rescheduled: US–Russia–Ukraine talks — Miami → Abu Dhabi, 4–5 Feb",
        ),
        (
            ChangeKind.RESCHEDULED,
            state(venue="miami", date=date(2026, 1, 31), date_end=None),
            {"date": date(2026, 2, 28), "date_end": date(2026, 3, 1)},
            "🔁 Rescheduled: US–Russia–Ukraine talks — Miami, 31 Jan → Abu Dhabi, 28 Feb – 1 Mar",
        ),
        (ChangeKind.ANNOUNCED, None, {}, "🆕 Announced: US–Russia–Ukraine talks, Abu Dhabi — 4–5 Feb"),
        (ChangeKind.POSTPONED, state(), {"date": None, "date_end": None}, "⏸ Postponed: US–Russia–Ukraine talks, Abu Dhabi — was 4–5 Feb"),
        (ChangeKind.CANCELLED, None, {}, "❌ Cancelled: US–Russia–Ukraine talks, Abu Dhabi — 4–5 Feb"),
        (ChangeKind.DENIED, None, {"venue": None}, "🚫 Denied: US–Russia–Ukraine talks — 4–5 Feb"),
        (ChangeKind.CONFIRMED, None, {}, "✅ Confirmed: US–Russia–Ukraine talks, Abu Dhabi — 4–5 Feb"),
        (ChangeKind.HELD, None, {}, "📌 Held: US–Russia–Ukraine talks, Abu Dhabi — 4–5 Feb"),
        (ChangeKind.PRESUMED_HELD, None, {}, "🕰 Presumed held: US–Russia–Ukraine talks, Abu Dhabi — 4–5 Feb"),
        (ChangeKind.ANNOUNCED, None, {"date": None, "date_end": None, "venue": "other:Vatican"}, "🆕 Announced: US–Russia–Ukraine talks, Vatican — date not set"),
    ],
)  # fmt: skip
def test_headlines(
    kind: ChangeKind, before: object, after: dict[str, object], headline: str
) -> None:
    assert render_change(change(kind, before, **after), WL, now=NOW).headline == headline


def test_alert_body_in_chat_time_zone() -> None:
    msg = render_change(change(ChangeKind.ANNOUNCED), WL, tz_name="Asia/Tokyo", now=NOW)
    assert msg.lines[0] == "When: Wed 4 Feb – Thu 5 Feb 2026 (in 5 days)"
    assert "Where: Abu Dhabi" in msg.lines
    assert "Who: Steve Witkoff, Kirill Dmitriev, Rustem Umerov" in msg.lines
    assert "⚠️ Tentative: day not confirmed" in msg.lines
    assert "Reported: 30 Jan 2026, 03:30 (Asia/Tokyo)" in msg.lines  # 18:30 UTC the day before
    assert msg.quotes == ("The next round is planned for 4 February in Abu Dhabi.",)
    assert msg.links == (MessageLink("Example News", "https://news.example/a"),)
    assert "1 source · languages: en" in msg.footer


def test_relative_day_uses_chat_calendar() -> None:
    late = datetime(2026, 2, 3, 23, 30, tzinfo=UTC)  # already 4 Feb in Kyiv
    kyiv = render_change(change(ChangeKind.ANNOUNCED), WL, tz_name="Europe/Kyiv", now=late)
    utc = render_change(change(ChangeKind.ANNOUNCED), WL, tz_name="UTC", now=late)
    assert kyiv.lines[0].endswith("(today)") and utc.lines[0].endswith("(tomorrow)")


@pytest.mark.parametrize(
    ("participants", "title"),
    [
        (("umerov", "dmitriev", "witkoff"), "US–Russia–Ukraine talks"),
        (("witkoff", "kushner", "dmitriev"), "US–Russia talks"),
        (("ghost",), "ghost talks"),
        ((), "Talks"),
    ],
)
def test_title_from_sides(participants: tuple[str, ...], title: str) -> None:
    assert meeting_title(participants, WL) == title


def test_title_falls_back_to_surnames_without_sides() -> None:
    plain = replace(WL, actors=tuple(replace(a, side="") for a in WL.actors))
    assert meeting_title(("dmitriev", "witkoff"), plain) == "Witkoff–Dmitriev talks"


def test_meeting_view_sources_summary() -> None:
    v = replace(
        view(),
        sources=(
            source(lang="pl", link="https://a.example/1", evidence="Rozmowy 4 lutego."),
            source(
                lang="ru", link="javascript:alert(1)", outlet=None, evidence="Встреча 4 февраля."
            ),
            source(),
        ),
    )
    msg = render_meeting(v, WL, now=NOW)
    assert "3 sources · languages: en, pl, ru" in msg.footer
    assert all(link.url.startswith("https://") for link in msg.links)
    assert len(msg.quotes) == 2


# --------------------------------------------------------------------------- Telegram


class StrictTelegramHTML(HTMLParser):
    """Accepts only what Telegram accepts from us: b, i, a(href=http[s]) and balanced."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        assert tag in ("b", "i", "a"), tag
        if tag == "a":
            assert len(attrs) == 1 and attrs[0][0] == "href"
            assert re.match(r"https?://", attrs[0][1] or ""), attrs
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack.pop() == tag

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def check(self, markup: str) -> str:
        # Telegram knows only these entities; anything else must not appear.
        for ent in re.findall(r"&[^;\s]*;?", markup):
            assert ent in ("&amp;", "&lt;", "&gt;", "&quot;"), ent
        self.feed(markup)
        self.close()
        assert not self.stack
        return "".join(self.text)


NASTY = (
    '<b>x</b> & <script>alert(1)</script> <a href="javascript:alert(1)">y</a> '
    "<tg-spoiler>s</tg-spoiler> <i>unclosed &amp; &#x27; &lt"
)


def test_injection_is_shown_literally() -> None:
    msg = Message(
        headline=NASTY,
        lines=(NASTY,),
        quotes=(NASTY,),
        links=(
            MessageLink(NASTY, "javascript:alert(1)"),
            MessageLink("ok", 'https://x.example/"><b>'),
        ),
        footer=NASTY,
    )
    (part,) = telegram_html(msg, TELEGRAM_MAX_TEXT)
    text = StrictTelegramHTML().check(part)
    assert NASTY in text
    assert "javascript:" not in re.sub(r">[^<]*<", "><", part).replace(NASTY, "")
    assert 'href="https://x.example/&quot;&gt;&lt;b&gt;"' in part


def test_long_escaped_text_splits_below_limit() -> None:
    body = ("a & b < c > d 🙂 " * 700)[:10_000]
    msg = Message(headline="Head", lines=(body,), quotes=(body,), footer="f")
    parts = telegram_html(msg, TELEGRAM_MAX_TEXT)
    assert len(parts) > 2
    visible = ""
    for part in parts:
        assert utf16_len(part) <= 4096
        visible += StrictTelegramHTML().check(part)
    assert "".join(visible.split()).count("🙂") == body.count("🙂") * 2


@pytest.mark.parametrize(("size", "parts"), [(4096, 1), (4097, 2)])
def test_boundary(size: int, parts: int) -> None:
    # headline "<b>x</b>" (8) + "\n\n" (2) + line: total exactly `size` UTF-16 units
    line = "🙂" * ((size - 10) // 2) + "y" * ((size - 10) % 2)
    msg = Message(headline="x", lines=(line,))
    out = telegram_html(msg, TELEGRAM_MAX_TEXT)
    assert len(out) == parts
    assert all(utf16_len(p) <= 4096 for p in out)


def test_plain_parts_have_no_markup() -> None:
    parts = telegram_plain(Message(headline="<b>", lines=("a & b",)), TELEGRAM_MAX_TEXT)
    assert parts == ["<b>\n\na & b"]


TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=400)


@settings(max_examples=150, deadline=None)
@given(
    headline=TEXT,
    lines=st.lists(TEXT, max_size=5),
    quotes=st.lists(TEXT, max_size=2),
    label=TEXT,
    url=st.sampled_from(["https://a.example/x?y=1&z=<2>", "javascript:x", "ftp://a", ""]),
    limit=st.sampled_from([64, 300, 4096]),
)
def test_property_telegram_parts_are_valid(
    headline: str, lines: list[str], quotes: list[str], label: str, url: str, limit: int
) -> None:
    msg = Message(
        headline=headline,
        lines=tuple(lines),
        quotes=tuple(quotes),
        links=(MessageLink(label, url),),
        footer="f",
    )
    visible = ""
    for part in telegram_html(msg, limit=limit):
        assert utf16_len(part) <= limit
        visible += StrictTelegramHTML().check(part)
    plain = "".join(telegram_plain(msg, limit=limit))
    squash = lambda s: re.sub(r"\s+", "", s)  # noqa: E731
    # Every piece of content reaches the reader in both forms (split across parts
    # perhaps, but never dropped or garbled by escaping).
    for piece in (headline, *lines, *quotes):
        want = squash(clean_text(piece))[:12]
        if want:
            assert want in squash(visible)
            assert want in squash(plain)


# --------------------------------------------------------------------------- Slack


def _block_texts(blocks: list[dict[str, object]]) -> list[str]:
    out = []
    for block in blocks:
        if block["type"] == "section":
            out.append(block["text"]["text"])  # type: ignore[index]
        else:
            out.extend(e["text"] for e in block["elements"])  # type: ignore[attr-defined]
    return out


SLACK_NASTY = "<!channel> <!here> <@U123> <https://evil.example|Your bank> & more"


def test_slack_injection_escaped() -> None:
    msg = Message(
        headline=SLACK_NASTY,
        lines=(SLACK_NASTY,),
        quotes=(SLACK_NASTY,),
        links=(MessageLink(SLACK_NASTY, "https://ok.example/a|b>c"),),
        footer=SLACK_NASTY,
    )
    payload = slack_payload(msg, SLACK_MAX_MESSAGE_TEXT)
    for text in [*_block_texts(payload.blocks), payload.text]:
        assert "<!" not in text and "<@" not in text and "<https://evil" not in text
    links = [t for t in _block_texts(payload.blocks) if t.startswith("• <")]
    assert links == [
        "• <https://ok.example/a%7Cb%3Ec|&lt;!channel&gt; &lt;!here&gt; &lt;@U123&gt; &lt;https://evil.example|Your bank&gt; &amp; more>"
    ]


def test_slack_limits() -> None:
    big = "&<>" * 5000
    payload = slack_payload(
        Message(headline=big, lines=(big, big), quotes=(big,), footer=big), SLACK_MAX_MESSAGE_TEXT
    )
    texts = _block_texts(payload.blocks)
    assert all(len(t) <= 3000 for t in texts)
    assert sum(len(t) for t in texts) <= 4000
    assert len(payload.text) <= 4000
    assert not re.search(r"&(?!amp;|lt;|gt;)", "".join(texts))  # no entity cut in half


@settings(max_examples=150, deadline=None)
@given(headline=TEXT, lines=st.lists(TEXT, max_size=6), quote=TEXT)
def test_property_slack_never_emits_raw_angle_brackets(
    headline: str, lines: list[str], quote: str
) -> None:
    payload = slack_payload(
        Message(headline=headline, lines=tuple(lines), quotes=(quote,)), SLACK_MAX_MESSAGE_TEXT
    )
    texts = _block_texts(payload.blocks)
    assert sum(len(t) for t in texts) <= 4000
    for text in [*texts, payload.text]:
        body = re.sub(r"(?m)^> ", "", text)
        assert "<" not in body and ">" not in body
        assert html.unescape(body).count("&") >= 0


def test_console_text() -> None:
    out = console_text(render_change(change(ChangeKind.CANCELLED), WL, now=NOW))
    assert out.startswith("❌ Cancelled: US–Russia–Ukraine talks, Abu Dhabi — 4–5 Feb\n\nWhen:")
    assert "• Example News: https://news.example/a" in out
    assert "<" not in out


def test_statuses_have_labels() -> None:
    for status in MeetingStatus:
        render_meeting(view(status=status), WL, now=NOW)


@pytest.mark.parametrize(
    ("news", "shown"),
    [
        ("*Breaking* talks", "\u2217Breaking\u2217 talks"),  # bold
        ("_quietly_ moved", "\u02cdquietly\u02cd moved"),  # italics
        ("~cancelled~ on", "\u223ccancelled\u223c on"),  # strike-through
        (
            "`code` and ```block```",
            "\u02cbcode\u02cb and \u02cb\u02cb\u02cbblock\u02cb\u02cb\u02cb",
        ),
        ("/next_meeting snake_case a*b", "/next_meeting snake_case a*b"),  # inside words: inert
        ("<b> & *x*", "&lt;b&gt; &amp; \u2217x\u2217"),
    ],
)
def test_slack_formatting_marks_from_the_news_are_shown_not_applied(news: str, shown: str) -> None:
    payload = slack_payload(
        Message(headline=news, lines=(news,), quotes=(news,), footer=news), SLACK_MAX_MESSAGE_TEXT
    )
    texts = _block_texts(payload.blocks)
    assert texts[0] == f"*{shown}*"  # our own bold around the headline only
    assert shown in texts[1] and f"> {shown}" in texts[2] and texts[-1] == shown
    assert payload.text == shown


def test_slack_text_objects_are_verbatim() -> None:
    payload = slack_payload(
        Message(headline="Witkoff in #general", lines=("@here",), footer="f"),
        SLACK_MAX_MESSAGE_TEXT,
    )
    objects = [b["text"] for b in payload.blocks if "text" in b]
    objects += [e for b in payload.blocks for e in b.get("elements", ())]
    assert objects and all(o["type"] == "mrkdwn" and o["verbatim"] is True for o in objects)
