"""The admin chat: told once when a feed starts failing and when it works again, when a
chat blocks the bot, and never when none is set. A real BotApp against the fake Bot API."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from feedserver import FeedServer, static, status
from relkit import TG_CHAT, Rig, meeting_item, rss, write_config
from strictfakes import StrictTelegram

from bot.admin import AdminChatError, parse_admin_chat
from bot.config import ConfigError, load_config

ADMIN_CHAT = "9001"
ADMIN_ENV = {"BOT_GENERAL_ADMIN_CHAT": f"telegram:{ADMIN_CHAT}"}


@pytest.fixture
async def server() -> AsyncIterator[FeedServer]:
    async with FeedServer() as srv:
        yield srv


@pytest.fixture
async def tg() -> AsyncIterator[StrictTelegram]:
    fake = StrictTelegram()
    await fake.start()
    try:
        yield fake
    finally:
        await fake.close()


def admin_texts(tg: StrictTelegram) -> list[str]:
    return [str(c.get("text", "")) for c in tg.sent if str(c.get("chat_id")) == ADMIN_CHAT]


async def eventually_told(tg: StrictTelegram, words: str, count: int = 1) -> list[str]:
    for _ in range(100):
        told = [t for t in admin_texts(tg) if words in t]
        if len(told) >= count:
            return told
        await asyncio.sleep(0.05)
    raise AssertionError(f"admin chat not told {words!r}: {admin_texts(tg)}")


async def test_feed_failing_then_recovered_is_told_once_each(
    tmp_path: Path, server: FeedServer, tg: StrictTelegram
) -> None:
    server.route("/feed", status(500))
    async with Rig(tmp_path, {"wire": server.url("/feed")}, tg=tg, env=ADMIN_ENV) as rig:
        for _ in range(5):  # fails 5 times; "failing" after the 3rd, once
            await rig.poll_all()
            rig.clock.advance(3600)
        told = await eventually_told(tg, "Feed wire is failing")
        assert len(told) == 1 and "500" in told[0], told
        server.route("/feed", static(rss(meeting_item("a1"))))
        await rig.poll_all()
        await eventually_told(tg, "Feed wire works again")
        await asyncio.sleep(0.2)
        assert len([t for t in admin_texts(tg) if "is failing" in t]) == 1


async def test_a_chat_that_blocked_the_bot_is_told(
    tmp_path: Path, server: FeedServer, tg: StrictTelegram
) -> None:
    server.route("/feed", static(rss(meeting_item("b1"))))
    tg.fail_next("sendMessage", 403, "Forbidden: bot was blocked by the user")
    async with Rig(tmp_path, {"wire": server.url("/feed")}, tg=tg, env=ADMIN_ENV) as rig:
        await rig.poll_all()
        await rig.drain()
        (told,) = await eventually_told(tg, "blocked or removed the bot")
        assert TG_CHAT.chat_id in told and "blocked by the user" in told
        assert rig.app.store is not None
        sub = await rig.app.store.subscriptions.get(TG_CHAT)
        assert sub is not None and not sub.active


async def test_without_an_admin_chat_nobody_else_is_told(
    tmp_path: Path, server: FeedServer, tg: StrictTelegram
) -> None:
    server.route("/feed", status(500))
    async with Rig(tmp_path, {"wire": server.url("/feed")}, tg=tg) as rig:
        for _ in range(4):
            await rig.poll_all()
            rig.clock.advance(3600)
        await asyncio.sleep(0.2)
    assert {str(c.get("chat_id")) for c in tg.sent} <= {TG_CHAT.chat_id}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("", None),
        ("telegram:-100123", ("telegram", "-100123")),
        ("slack:C0123ABC", ("slack", "C0123ABC")),
        (" Telegram:42 ", ("telegram", "42")),
    ],
)
def test_admin_chat_setting(value: str, expected: tuple[str, str] | None) -> None:
    target = parse_admin_chat(value)
    assert (None if target is None else (target.platform.value, target.chat_id)) == expected


@pytest.mark.parametrize("value", ["42", "telegram:", "matrix:!room", ":42"])
def test_bad_admin_chat_is_a_clear_config_error(tmp_path: Path, value: str) -> None:
    with pytest.raises(AdminChatError):
        parse_admin_chat(value)
    config_dir = write_config(tmp_path, {"a": "https://x.example/f"})
    with pytest.raises(ConfigError, match="admin_chat"):
        load_config(config_dir, env={"BOT_GENERAL_ADMIN_CHAT": value})
