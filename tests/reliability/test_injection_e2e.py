"""Markup injection from feed text, end to end for both platforms: feed server → real
pipeline → SQLite outbox → real Delivery → real Telegram / Slack adapters → fakes.

Telegram: every message is accepted by a fake that parses HTML like the Bot API (so no
"can't parse entities" and no plain-text fallback), the user sees the hostile text
literally, and the only links are our http(s) source links.
Slack: no <!channel>/<!here>/<@user> and no disguised <url|label> link in any text.
Plus message splitting at exactly 4,096 / 4,097 after escaping, via the real adapter.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from fakes.slack_api import FakeSlack
from feedserver import FeedServer, static
from relkit import TG_CHAT, Rig, meeting_item, rss
from strictfakes import StrictTelegram, check_telegram_html, utf16_len

from bot.chat.slack import SlackPlatform
from bot.chat.telegram import TelegramPlatform
from bot.config import SlackSettings, TelegramSettings
from bot.models import ChatTarget, Message, MessageLink, Platform
from bot.store import SubscriptionStore

TG_NASTY = (
    '<b>x</b> & <script>alert(1)</script> <a href="javascript:alert(1)">y</a> '
    "<tg-spoiler>s</tg-spoiler> <i>unclosed &amp;lt; &#x27; <pre>"
)
SLACK_NASTY = "<!channel> <!here> <@U0123> <https://evil.example|Your bank> *bold* `x` &"
CHANNEL_NASTY = '<!everyone> <a href="javascript:x">Wire</a> <https://evil.example|Reuters>'


def hostile_feed() -> bytes:
    # html.escape once: the feed *text* (after feedparser and html_to_text) is the raw
    # hostile string, which is what a publisher who escapes correctly would send.
    base = meeting_item("inj")
    title = f"{base.title} {html.escape(TG_NASTY)} {html.escape(SLACK_NASTY)}"
    return rss(
        base.__class__(base.guid, title, title + ".", base.published),
        channel_title=html.escape(CHANNEL_NASTY),
    )


@pytest.fixture
async def server() -> AsyncIterator[FeedServer]:
    async with FeedServer() as srv:
        srv.route("/inj", static(hostile_feed()))
        yield srv


@pytest.fixture
async def fakes() -> AsyncIterator[tuple[StrictTelegram, FakeSlack]]:
    tg, slack = StrictTelegram(), FakeSlack()
    await tg.start()
    await slack.start()
    yield tg, slack
    await tg.close()
    await slack.close()


async def test_markup_injection_in_titles_is_inert_on_both_platforms(
    tmp_path: Path, server: FeedServer, fakes: tuple[StrictTelegram, FakeSlack]
) -> None:
    tg, slack = fakes
    async with Rig(tmp_path, {"inj": server.url("/inj")}, tg=tg, slack=slack, outlet=None) as rig:
        reports = await rig.poll_all()
        assert len(reports["inj"].changes) == 1
        await rig.drain()
        assert await rig.outbox_states() == {"sent": 2}

    # Telegram: accepted as HTML first time (no parse error, no plain fallback).
    assert tg.rejected == []
    (sent,) = tg.sent
    assert sent["parse_mode"] == "HTML"
    visible, hrefs = check_telegram_html(sent["text"])
    assert all(re.match(r"https://news\.example/", h) for h in hrefs), hrefs
    assert "javascript:" not in " ".join(hrefs)
    squashed = re.sub(r"\s+", " ", visible)
    assert "<script>alert(1)</script>" in squashed  # shown literally, as text
    assert "<!channel>" in squashed

    # Slack: escaped, so nothing pings, and the only link is our source link.
    (posted,) = slack.posted
    texts = [posted["text"]] + [t for b in posted["blocks"] for t in _block_texts(b)]
    blob = "\n".join(texts)
    for bad in ("<!channel>", "<!here>", "<!everyone>", "<@U0123>", "<https://evil.example"):
        assert bad not in blob, bad
    links = re.findall(r"<([^>|]+)\|?[^>]*>", blob)
    assert all(u.startswith("https://news.example/") for u in links), links
    assert "&lt;!channel&gt;" in blob
    assert posted["unfurl_links"] is False


def _block_texts(block: dict[str, object]) -> list[str]:
    if "text" in block and isinstance(block["text"], dict):
        return [str(block["text"]["text"])]
    return [str(e["text"]) for e in block.get("elements", [])]  # type: ignore[union-attr]


# --------------------------------------------------------------------------- splitting


def sized_message(size: int) -> Message:
    """headline 'x' → '<b>x</b>' (8) + blank line (2) + a line of '&' (5 each escaped)."""
    amps, rest = divmod(size - 10, 5)
    return Message(headline="x", lines=("&" * amps + "y" * rest,))


@pytest.fixture
async def telegram(
    tmp_path: Path, fakes: tuple[StrictTelegram, FakeSlack]
) -> AsyncIterator[TelegramPlatform]:
    from bot.store import Store

    store = await Store.open(f"sqlite+aiosqlite:///{tmp_path / 's.sqlite3'}")
    platform = TelegramPlatform(
        TelegramSettings(api_base_url=fakes[0].base_url), fakes[0].token, store.subscriptions
    )
    yield platform
    await platform.stop()
    await store.close()


@pytest.mark.parametrize(("size", "parts"), [(4096, 1), (4097, 2), (12_000, 4)])
async def test_split_after_escaping_at_the_boundary(
    telegram: TelegramPlatform, fakes: tuple[StrictTelegram, FakeSlack], size: int, parts: int
) -> None:
    tg = fakes[0]
    message = sized_message(size)
    ref = await telegram.send(TG_CHAT, message)
    assert tg.rejected == []
    # 12,000: the headline goes alone, then the long line in three full parts
    assert len(tg.sent) == parts
    visible = ""
    for call in tg.sent:
        assert utf16_len(call["text"]) <= 4096  # even the markup fits
        visible += check_telegram_html(call["text"])[0]
    assert re.sub(r"\s", "", visible) == "x" + message.lines[0]
    assert ref.message_id == "1"  # the first part is what later edits refer to


async def test_emoji_and_escapes_split_without_breaking_entities(
    telegram: TelegramPlatform, fakes: tuple[StrictTelegram, FakeSlack]
) -> None:
    body = ("<b>&</b> 🙂 & < > " * 1200)[:10_000]
    message = Message(
        headline="h & <i>",
        lines=(body,),
        quotes=(body,),
        links=(MessageLink("<a>", "https://news.example/a?b=1&c=<2>"),),
        footer=body,
    )
    await telegram.send(TG_CHAT, message)
    tg = fakes[0]
    assert tg.rejected == [] and len(tg.sent) >= 3
    for call in tg.sent:
        assert utf16_len(call["text"]) <= 4096
        check_telegram_html(call["text"])


async def test_slack_long_message_fits_and_stays_escaped(
    tmp_path: Path, fakes: tuple[StrictTelegram, FakeSlack]
) -> None:
    slack = fakes[1]
    from bot.store import Store

    store = await Store.open(f"sqlite+aiosqlite:///{tmp_path / 's.sqlite3'}")
    subs: SubscriptionStore = store.subscriptions
    platform = SlackPlatform(
        SlackSettings(api_base_url=slack.base_url), "xoxb-x", subs, signing_secret="s" * 16
    )
    try:
        big = ("<!channel> & " * 2000)[:20_000]
        await platform.send(
            ChatTarget(Platform.SLACK, "C9"), Message(headline=big, lines=(big,), quotes=(big,))
        )
    finally:
        await platform.stop()
        await store.close()
    (posted,) = slack.posted
    assert len(posted["text"]) <= 4000
    block_texts = [t for b in posted["blocks"] for t in _block_texts(b)]
    assert sum(len(t) for t in block_texts) <= 4000
    assert "<!channel>" not in json.dumps(posted)
    assert not re.search(r"&(?!amp;|lt;|gt;)", "".join(block_texts))  # no entity cut in two
