"""The same scenarios against both real adapters (Telegram via PTB, Slack via Bolt/SDK)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from chatkit import Core
from fakes.slack_api import FakeSlack
from fakes.telegram_api import FakeTelegram

from bot.chat.slack import SlackPlatform
from bot.chat.telegram import TelegramPlatform
from bot.config import SlackSettings, TelegramSettings
from bot.models import ChatTarget, Message, Platform
from bot.ports import (
    AmbiguousSendError,
    FatalPlatformError,
    FormattingError,
    PermanentChatError,
    RateLimited,
)


@dataclass
class Driver:
    """What a shared scenario needs from one platform: a platform, a target, scripted faults."""

    platform: Any
    target: ChatTarget
    fake: Any

    def fail(self, kind: str) -> None:
        if isinstance(self.fake, FakeTelegram):
            scripts = {
                "rate": (429, "Too Many Requests: retry after 7", {"retry_after": 7}),
                "gone": (403, "Forbidden: bot was kicked from the group chat", None),
                "auth": (401, "Unauthorized", None),
                "markup": (400, "Bad Request: can't parse entities", None),
            }
            if kind == "slow":
                self.fake.slow_next("sendMessage")
            else:
                self.fake.fail_next("sendMessage", *scripts[kind])
        else:
            if kind == "slow":
                self.fake.slow_next("chat.postMessage")
                return
            codes = {
                "rate": ("ratelimited", 429, {"Retry-After": "7"}),
                "gone": ("channel_not_found", 200, {}),
                "auth": ("invalid_auth", 200, {}),
                "markup": ("invalid_blocks", 200, {}),
            }
            code, status, headers = codes[kind]
            self.fake.fail_next("chat.postMessage", code, status=status, headers=headers)

    def delivered(self) -> list[str]:
        if isinstance(self.fake, FakeTelegram):
            return [c["text"] for c in self.fake.sent]
        return [c["text"] + str(c.get("blocks", "")) for c in self.fake.posted]


@pytest.fixture(autouse=True)
def _ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@pytest.fixture(params=["telegram", "slack"])
async def driver(request: pytest.FixtureRequest) -> AsyncIterator[Driver]:
    core = Core()
    if request.param == "telegram":
        tg_fake = FakeTelegram()
        await tg_fake.start()
        tg = TelegramPlatform(
            TelegramSettings(api_base_url=tg_fake.base_url),
            tg_fake.token,
            core.subscriptions,
            read_timeout=0.5,
        )
        await tg.setup(core.on_command)
        yield Driver(tg, ChatTarget(Platform.TELEGRAM, "42"), tg_fake)
        await tg.stop()
        await tg_fake.close()
    else:
        sl_fake = FakeSlack()
        await sl_fake.start()
        sl = SlackPlatform(
            SlackSettings(api_base_url=sl_fake.base_url),
            "xoxb",
            core.subscriptions,
            signing_secret="s",
            timeout=1,
        )
        yield Driver(sl, ChatTarget(Platform.SLACK, "C1"), sl_fake)
        await sl.stop()
        await sl_fake.close()


@pytest.mark.parametrize(
    ("kind", "error"),
    [
        ("rate", RateLimited),
        ("gone", PermanentChatError),
        ("auth", FatalPlatformError),
        ("markup", FormattingError),
        ("slow", AmbiguousSendError),
    ],
)
async def test_send_failures_classified_alike(driver: Driver, kind: str, error: type) -> None:
    driver.fail(kind)
    with pytest.raises(error) as info:
        await driver.platform.send(driver.target, Message(headline="hi"))
    if kind == "rate":
        assert info.value.retry_after == 7
    # after the fault, the next send goes through normally
    ref = await driver.platform.send(driver.target, Message(headline="again"))
    assert ref.target == driver.target and ref.message_id


async def test_feed_text_cannot_inject_markup(driver: Driver) -> None:
    nasty = "<b>x</b> <a href='javascript:alert(1)'>y</a> <!channel> <@U1> & done"
    await driver.platform.send(driver.target, Message(headline=nasty, lines=(nasty,)))
    (body,) = driver.delivered()
    for raw in ("<b>x</b>", "<a href", "<!channel>", "<@U1>"):  # shown literally, escaped
        assert raw not in body


async def test_mark_outdated_edits_the_message(driver: Driver) -> None:
    old = Message(headline="old news")
    ref = await driver.platform.send(driver.target, old)
    await driver.platform.mark_outdated(ref, "Superseded", old)
    method = "editMessageText" if isinstance(driver.fake, FakeTelegram) else "chat.update"
    (edit,) = await driver.fake.wait_for(method)
    assert "OUTDATED" in str(edit) and "old news" in str(edit)


def test_core_imports_no_platform_library() -> None:
    code = (
        "import sys, bot.render, bot.commands, bot.chat.base\n"
        "bad = {'telegram', 'slack_bolt', 'slack_sdk', 'httpx', 'sqlalchemy', 'apscheduler'}\n"
        "assert not bad & set(sys.modules), bad & set(sys.modules)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_core_does_not_reach_into_the_adapters() -> None:
    """Commands and rendering own the command table; adapters name their own limits."""
    code = (
        "import sys, bot.render, bot.commands\n"
        "up = sorted(m for m in sys.modules if m.startswith('bot.chat'))\n"
        "assert not up, up\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
