"""The Telegram adapter with the real python-telegram-bot Application against a local fake."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from chatkit import Core
from fakes.telegram_api import (
    FakeTelegram,
    button_update,
    command_update,
    migrate_update,
    my_chat_member_update,
)
from telegram import Update

from bot.chat.telegram import FairUpdateProcessor, TelegramPlatform
from bot.commands import COMMANDS
from bot.config import TelegramSettings
from bot.models import ChatTarget, Message, Platform
from bot.ports import (
    AmbiguousSendError,
    ChatMigratedError,
    FatalPlatformError,
    FormattingError,
    PermanentChatError,
    RateLimited,
    TransientError,
)

GROUP = -1001234
ADMIN, MEMBER = 11, 12


@pytest.fixture(autouse=True)
def _ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    # PTB 22 warns on every RetryAfter unless opted in to timedelta values.
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    server = FakeTelegram()
    server.admins[GROUP] = {ADMIN}
    await server.start()
    yield server
    await server.close()


@pytest.fixture
def core() -> Core:
    return Core()


def make(fake: FakeTelegram, core: Core, **settings: Any) -> TelegramPlatform:
    return TelegramPlatform(
        TelegramSettings(api_base_url=fake.base_url, **settings),
        fake.token,
        core.subscriptions,
        webhook_secret=settings.get("webhook_url") and "s3cret-token",
        connect_timeout=1.0,
        read_timeout=0.5,
        poll_timeout=1.0,
    )


@pytest.fixture
async def tg(fake: FakeTelegram, core: Core) -> AsyncIterator[TelegramPlatform]:
    platform = make(fake, core)
    await platform.setup(core.on_command)
    yield platform
    await platform.stop()


async def test_setup_publishes_commands(tg: TelegramPlatform, fake: FakeTelegram) -> None:
    menus = await fake.wait_for("setMyCommands", 3)
    by_scope = {str((m.get("scope") or {}).get("type")): m["commands"] for m in menus}
    published = by_scope["None"]
    names = [c["command"] for c in published]
    assert names == [c.name for c in COMMANDS.listed()]
    assert "start" not in names and "next_meeting" in names
    assert all(1 <= len(c["description"]) <= 256 for c in published)
    # group members are not offered what only admins may run; admins see it all
    members = [c["command"] for c in by_scope["all_group_chats"]]
    assert "meetings" in members and "subscribe" not in members and "unsubscribe" not in members
    assert by_scope["all_chat_administrators"] == published
    assert tg.bot_username == fake.username


@pytest.mark.parametrize(
    ("text", "chat_id"),
    [
        ("/next_meeting", 42),
        ("/next-meeting", 42),  # typed as text: Telegram's entity covers only "/next"
        ("/next_meeting@talkwatch_test_bot", GROUP),
        ("/next-meeting@talkwatch_test_bot witkoff", GROUP),
        ("/NEXT_MEETING", 42),
    ],
)
async def test_next_meeting_spellings(
    tg: TelegramPlatform, fake: FakeTelegram, core: Core, text: str, chat_id: int
) -> None:
    await tg.process_update({"update_id": 1, **command_update(text, chat_id, MEMBER)})
    sent = fake.sent
    assert len(sent) == 1
    assert sent[0]["chat_id"] == chat_id
    assert sent[0]["parse_mode"] == "HTML"
    assert "Next meeting" in sent[0]["text"] and "Abu Dhabi" in sent[0]["text"]
    assert core.commands[0].name == "next_meeting"


@pytest.mark.parametrize("text", ["/next_meeting@OtherBot", "/foo", "hello there"])
async def test_group_ignores_what_is_not_for_us(
    tg: TelegramPlatform, fake: FakeTelegram, text: str
) -> None:
    await tg.process_update({"update_id": 1, **command_update(text, GROUP, MEMBER)})
    assert fake.sent == []


async def test_unknown_command_in_private_gets_suggestion(
    tg: TelegramPlatform, fake: FakeTelegram
) -> None:
    await tg.process_update({"update_id": 1, **command_update("/subscrib witkoff", 42)})
    assert "Did you mean /subscribe?" in fake.sent[0]["text"]


async def test_group_admin_rule(tg: TelegramPlatform, fake: FakeTelegram, core: Core) -> None:
    target = ChatTarget(Platform.TELEGRAM, str(GROUP))
    await tg.process_update({"update_id": 1, **command_update("/subscribe witkoff", GROUP, MEMBER)})
    assert "Only chat admins" in fake.sent[-1]["text"]
    assert await core.subscriptions.get(target) is None
    await tg.process_update({"update_id": 2, **command_update("/subscribe witkoff", GROUP, ADMIN)})
    sub = await core.subscriptions.get(target)
    assert sub is not None and sub.entity_ids == {"witkoff"}
    assert [c["user_id"] for c in fake.calls_to("getChatMember")] == [MEMBER, ADMIN]


async def test_channel_post_counts_as_admin(
    tg: TelegramPlatform, fake: FakeTelegram, core: Core
) -> None:
    await tg.process_update({"update_id": 1, **command_update("/subscribe", -100777, channel=True)})
    assert (await core.subscriptions.get(ChatTarget(Platform.TELEGRAM, "-100777"))) is not None
    assert fake.calls_to("getChatMember") == []


async def test_duplicate_update_handled_once(tg: TelegramPlatform, fake: FakeTelegram) -> None:
    update = {"update_id": 77, **command_update("/help", 42)}
    await tg.process_update(update)
    await tg.process_update(update)
    assert len(fake.sent) == 1


async def test_migration_rekeys_subscription(tg: TelegramPlatform, core: Core) -> None:
    old = ChatTarget(Platform.TELEGRAM, "-555")
    new = ChatTarget(Platform.TELEGRAM, "-100555")
    await core.subscriptions.subscribe(old, frozenset())
    await tg.process_update({"update_id": 1, **migrate_update(-555, -100555)})
    assert await core.subscriptions.get(old) is None
    assert (await core.subscriptions.get(new)) is not None


async def test_blocked_then_unblocked(tg: TelegramPlatform, core: Core) -> None:
    target = ChatTarget(Platform.TELEGRAM, "42")
    await core.subscriptions.subscribe(target, frozenset())
    await tg.process_update({"update_id": 1, **my_chat_member_update(42, "member", "kicked")})
    sub = await core.subscriptions.get(target)
    assert sub is not None and not sub.active
    assert "blocked" in core.subscriptions.deactivated[target]
    await tg.process_update({"update_id": 2, **my_chat_member_update(42, "kicked", "member")})
    sub = await core.subscriptions.get(target)
    assert sub is not None and sub.active


# --------------------------------------------------------------------------- send


MSG = Message(headline="Hello", lines=("line",))
TARGET = ChatTarget(Platform.TELEGRAM, "42")


@pytest.mark.parametrize(
    ("status", "description", "parameters", "expected"),
    [
        (429, "Too Many Requests: retry after 30", {"retry_after": 30}, RateLimited),
        (403, "Forbidden: bot was blocked by the user", None, PermanentChatError),
        (403, "Forbidden: bot was kicked from the group chat", None, PermanentChatError),
        (403, "Forbidden: user is deactivated", None, PermanentChatError),
        (400, "Bad Request: chat not found", None, PermanentChatError),
        (400, "Bad Request: can't parse entities: unsupported start tag", None, FormattingError),
        (
            400,
            "Bad Request: group chat was upgraded",
            {"migrate_to_chat_id": -1009},
            ChatMigratedError,
        ),
        (401, "Unauthorized", None, FatalPlatformError),
        (409, "Conflict: terminated by other getUpdates request", None, FatalPlatformError),
        (502, "Bad Gateway", None, TransientError),
    ],
)
async def test_send_errors_are_classified(
    tg: TelegramPlatform,
    fake: FakeTelegram,
    status: int,
    description: str,
    parameters: dict[str, Any] | None,
    expected: type[Exception],
) -> None:
    fake.fail_next("sendMessage", status, description, parameters)
    with pytest.raises(expected) as info:
        await tg.send(TARGET, MSG)
    if expected is RateLimited:
        assert info.value.retry_after == 30  # type: ignore[attr-defined]
    if expected is ChatMigratedError:
        assert info.value.new_target == ChatTarget(Platform.TELEGRAM, "-1009")  # type: ignore[attr-defined]


async def test_withheld_reply_is_ambiguous(tg: TelegramPlatform, fake: FakeTelegram) -> None:
    fake.slow_next("sendMessage")
    with pytest.raises(AmbiguousSendError):
        await tg.send(TARGET, MSG)
    assert len(fake.sent) == 1  # it reached the server: maybe delivered


async def test_connection_refused_is_transient(core: Core) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    platform = TelegramPlatform(
        TelegramSettings(api_base_url=f"http://127.0.0.1:{port}/bot"), "1:x", core.subscriptions
    )
    try:
        with pytest.raises(TransientError):
            await platform.send(TARGET, MSG)  # the request never left: safe to retry
    finally:
        await platform.stop()


async def test_send_and_mark_outdated(tg: TelegramPlatform, fake: FakeTelegram) -> None:
    alert = Message(headline="🆕 Announced: talks", lines=("When: soon",))
    ref = await tg.send(TARGET, alert)
    assert fake.sent[0]["link_preview_options"] == {"is_disabled": True}
    # the alert's words come with the edit, not from the adapter's memory (a restart)
    await tg.mark_outdated(ref, "Superseded", alert)
    edit = (await fake.wait_for("editMessageText"))[0]
    assert edit["message_id"] == int(ref.message_id)
    assert "OUTDATED" in edit["text"] and "Announced: talks" in edit["text"]


async def test_plain_send_has_no_parse_mode(tg: TelegramPlatform, fake: FakeTelegram) -> None:
    await tg.send(TARGET, Message(headline="<b>x</b>"), plain=True)
    assert "parse_mode" not in fake.sent[0]
    assert fake.sent[0]["text"] == "<b>x</b>"


# --------------------------------------------------------------------------- receiving for real


async def test_smoke_real_long_polling(fake: FakeTelegram, core: Core) -> None:
    platform = make(fake, core)
    await platform.start(core.on_command)
    try:
        fake.push_update(command_update("/next-meeting", 42))
        sent = await fake.wait_for("sendMessage")
        assert "Next meeting" in sent[0]["text"]
        assert fake.calls_to("deleteWebhook")  # polling cleared any webhook first
    finally:
        await platform.stop()


@pytest.fixture
async def webhook(fake: FakeTelegram, core: Core) -> AsyncIterator[TelegramPlatform]:
    settings = TelegramSettings(
        api_base_url=fake.base_url,
        mode="webhook",
        webhook_url="https://bot.example/telegram/hook",
        webhook_listen="127.0.0.1",
    ).model_copy(update={"webhook_port": 0})
    platform = TelegramPlatform(settings, fake.token, core.subscriptions, webhook_secret="s3cret")
    await platform.start(core.on_command)
    yield platform
    await platform.stop()


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 403),
        ({"X-Telegram-Bot-Api-Secret-Token": "wrong"}, 403),
        ({"X-Telegram-Bot-Api-Secret-Token": "s3cret", "Content-Type": "text/plain"}, 403),
        ({"X-Telegram-Bot-Api-Secret-Token": "s3cret"}, 200),
    ],
)
async def test_webhook_secret(
    webhook: TelegramPlatform, fake: FakeTelegram, headers: dict[str, str], status: int
) -> None:
    setwebhook = fake.calls_to("setWebhook")[0]
    assert setwebhook["secret_token"] == "s3cret"
    url = f"http://127.0.0.1:{webhook.webhook_port}/telegram/hook"
    update = {"update_id": 5, **command_update("/help", 42)}
    async with aiohttp.ClientSession() as session:
        kwargs: dict[str, Any] = {"headers": headers}
        if headers.get("Content-Type") == "text/plain":
            kwargs["data"] = "x"
        else:
            kwargs["json"] = update
        for _ in range(2):  # the same update twice: one effect
            async with session.post(url, **kwargs) as resp:
                assert resp.status == status
    if status == 200:
        await fake.wait_for("sendMessage")
        await webhook.application.update_queue.join()  # the duplicate was consumed too
        assert len(fake.sent) == 1
    else:
        assert fake.sent == []


async def test_help_and_start_use_telegram_spelling(
    tg: TelegramPlatform, fake: FakeTelegram
) -> None:
    await tg.process_update({"update_id": 1, **command_update("/help", 42)})
    await tg.process_update({"update_id": 2, **command_update("/start", 42)})
    help_text, start_text = (c["text"] for c in fake.sent)
    assert "/next_meeting [actor|venue]" in help_text and "/next-meeting" not in help_text
    assert "Three commands to try" in start_text and "/next_meeting" in start_text
    assert "Three commands to try" not in help_text


async def test_admin_answer_is_cached_and_asked_only_when_needed(
    tg: TelegramPlatform, fake: FakeTelegram, core: Core
) -> None:
    for update_id, text in enumerate(
        ["/meetings", "/timezone", "/subscribe witkoff", "/subscribe miami", "/unsubscribe"], 1
    ):
        await tg.process_update({"update_id": update_id, **command_update(text, GROUP, MEMBER)})
    assert len(fake.sent) == 5
    # reading commands never ask; the three changing ones share one answer
    assert [c["user_id"] for c in fake.calls_to("getChatMember")] == [MEMBER]


async def test_fair_processor_keeps_each_senders_order_and_lets_others_pass() -> None:
    processor = FairUpdateProcessor(max_concurrent=4)
    done: list[str] = []

    async def work(label: str, seconds: float) -> None:
        await asyncio.sleep(seconds)
        done.append(label)

    def update(user: int, update_id: int) -> Update:
        data = {"update_id": update_id, **command_update("/help", user, user)}
        parsed = Update.de_json(data, None)
        assert parsed is not None
        return parsed

    flood = [processor.process_update(update(500, i), work(f"flood{i}", 0.01)) for i in range(20)]
    calm = processor.process_update(update(600, 99), work("calm", 0.0))
    await asyncio.gather(*flood, calm)
    assert done.index("calm") < 3  # not queued behind the flood
    assert [d for d in done if d != "calm"] == [f"flood{i}" for i in range(20)]


async def test_confirmation_button_runs_the_command_for_whoever_presses_it(
    tg: TelegramPlatform, fake: FakeTelegram, core: Core
) -> None:
    target = ChatTarget(Platform.TELEGRAM, str(GROUP))
    await core.subscriptions.subscribe(target, frozenset())
    await tg.process_update({"update_id": 1, **command_update("/unsubscribe", GROUP, ADMIN)})
    question = fake.sent[-1]
    assert "Send /unsubscribe all to confirm" in question["text"]
    (row,) = question["reply_markup"]["inline_keyboard"]
    assert row[0]["callback_data"] == "cmd:unsubscribe all"
    sub = await core.subscriptions.get(target)
    assert sub is not None and sub.active  # asking changed nothing
    # a member's press is refused; the admin's ends the subscription
    data = row[0]["callback_data"]
    await tg.process_update({"update_id": 2, **button_update(data, GROUP, MEMBER)})
    assert "Only chat admins" in fake.sent[-1]["text"]
    sub = await core.subscriptions.get(target)
    assert sub is not None and sub.active
    await tg.process_update({"update_id": 3, **button_update(data, GROUP, ADMIN)})
    assert "no more alerts" in fake.sent[-1]["text"]
    assert await core.subscriptions.active() == []
    assert len(fake.calls_to("answerCallbackQuery")) == 2
