"""Platform-free commands: parsing, argument resolution, admin rules, rate limiting."""

from __future__ import annotations

from datetime import timedelta

import pytest
from chatkit import NOW, view, watchlist
from hypothesis import given
from hypothesis import strategies as st
from memports import MemMeetings, MemSubscriptions

from bot.chat.base import COMMAND_NAMES
from bot.commands import (
    CommandContext,
    CommandRateLimiter,
    handle,
    parse_command,
    parse_mention,
    resolve_entities,
)
from bot.models import ChatTarget, ChatType, IncomingCommand, Message, Platform
from bot.ports import MeetingHistory

WL = watchlist()
TARGET = ChatTarget(Platform.TELEGRAM, "42")


@pytest.mark.parametrize(
    ("text", "bot", "expected"),
    [
        ("/next_meeting", None, ("next_meeting", ())),
        ("/next-meeting", None, ("next_meeting", ())),
        ("/Next-Meeting witkoff", None, ("next_meeting", ("witkoff",))),
        ("/next_meeting@TalkBot abu dhabi", "talkbot", ("next_meeting", ("abu", "dhabi"))),
        ("/next_meeting@OtherBot", "talkbot", None),
        ("/timezone Europe/Warsaw", None, ("timezone", ("Europe/Warsaw",))),
        ("/tz UTC", None, ("timezone", ("UTC",))),
        ("/unsub all", None, ("unsubscribe", ("all",))),
        ("/frobnicate", None, ("frobnicate", ())),
        ("hello", None, None),
        ("", None, None),
        ("/", None, None),
    ],
)
def test_parse_command(
    text: str, bot: str | None, expected: tuple[str, tuple[str, ...]] | None
) -> None:
    parsed = parse_command(text, bot)
    assert (None if parsed is None else (parsed.name, parsed.args)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("next meeting", ("next_meeting", ())),
        ("  Next Meeting abu-dhabi ", ("next_meeting", ("abu-dhabi",))),
        ("/meeting 7", ("meeting", ("7",))),
        ("meetings", ("meetings", ())),
        ("", ("help", ())),
    ],
)
def test_parse_mention(text: str, expected: tuple[str, tuple[str, ...]]) -> None:
    parsed = parse_mention(text)
    assert parsed is not None and (parsed.name, parsed.args) == expected


@given(
    name=st.sampled_from(sorted(COMMAND_NAMES)),
    upper=st.lists(st.booleans(), min_size=40, max_size=40),
    hyphen=st.booleans(),
    tail=st.text(max_size=50),
)
def test_property_any_spelling_is_canonical(
    name: str, upper: list[bool], hyphen: bool, tail: str
) -> None:
    word = "".join(c.upper() if u else c for c, u in zip(name, upper, strict=False))
    word = word.replace("_", "-") if hyphen else word
    parsed = parse_command(f"/{word}@TalkBot {tail}", "talkbot")
    assert parsed is not None and parsed.name == name


@given(st.text(max_size=300))
def test_property_parsers_never_raise(text: str) -> None:
    parse_command(text, "talkbot")
    parse_mention(text)


@pytest.mark.parametrize(
    ("args", "ids"),
    [
        (("witkoff",), ["witkoff"]),
        (("Steve", "Witkoff"), ["witkoff"]),
        (("WITKOFF",), ["witkoff"]),
        (("Уиткофф",), ["witkoff"]),
        (("Abu", "Dhabi"), ["abu-dhabi"]),
        (("abu-dhabi",), ["abu-dhabi"]),
        (("alaska",), ["anchorage"]),
        (("witkoff,", "dmitriev", "and", "miami"), ["witkoff", "dmitriev", "miami"]),
    ],
)
def test_resolve(args: tuple[str, ...], ids: list[str]) -> None:
    res = resolve_entities(args, WL)
    assert [e.id for e in res.entities] == ids and res.unknown == ()


def ctx(**kw: object) -> CommandContext:
    data: dict[str, object] = {
        "meetings": MemMeetings([view()]),
        "subscriptions": MemSubscriptions(),
        "watchlist": WL,
        "now": NOW,
    }
    data.update(kw)
    return CommandContext(**data)  # type: ignore[arg-type]


def cmd(
    name: str, *args: str, chat: ChatType = ChatType.PRIVATE, admin: bool = True, user: str = "u"
) -> IncomingCommand:
    return IncomingCommand(TARGET, user, name, args, chat_type=chat, is_admin=admin)


def text(msg: Message) -> str:
    return "\n".join([msg.headline, *msg.lines, msg.footer])


@pytest.mark.parametrize(
    ("command", "expect"),
    [
        (cmd("start"), "/next_meeting"),
        (cmd("help"), "/subscribe [actor|venue …]"),
        (cmd("next_meeting"), "Next meeting: US–Russia–Ukraine talks, Abu Dhabi — 4–5 Feb"),
        (cmd("next_meeting", "miami"), "No upcoming meeting is known for miami"),
        (cmd("next_meeting", "witkof"), "Did you mean Steve Witkoff (witkoff)?"),
        (cmd("meetings"), "#7 · 4–5 Feb · Abu Dhabi · US–Russia–Ukraine talks (tentative)"),
        (cmd("meeting"), "Usage: /meeting ID"),
        (cmd("meeting", "99"), "No meeting #99"),
        (cmd("meeting", "x" * 5000), "Usage: /meeting ID"),
        (cmd("watchlist"), "• Steve Witkoff — witkoff"),
        (cmd("subscriptions"), "no subscription"),
        (cmd("subscribe"), "Subscribed to every tracked meeting"),
        (cmd("subscribe", "Steve", "Witkoff", "abu-dhabi"), "Subscribed to Steve Witkoff (witkoff), Abu Dhabi (abu-dhabi)"),  # noqa: E501
        (cmd("subscribe", "x" * 5000), "is not on the watchlist"),
        (cmd("subscribe", "\u202eevil\u0000"), "“evil” is not on the watchlist"),
        (cmd("subscribe", "witkoff", chat=ChatType.GROUP, admin=False), "Only chat admins"),
        (cmd("unsubscribe", chat=ChatType.CHANNEL, admin=False), "Only chat admins"),
        (cmd("timezone", "Europe/Warsaw", chat=ChatType.GROUP, admin=False), "Only chat admins"),
        (cmd("timezone", chat=ChatType.GROUP, admin=False), "Time zone: UTC"),
        (cmd("timezone", "europe/warsaw"), "Time zone set to Europe/Warsaw"),
        (cmd("timezone", "Europe/Warsw"), "Did you mean Europe/Warsaw?"),
        (cmd("timezone", "../../etc/passwd"), "not a time zone I know"),
        (cmd("nxt_meeting"), "Did you mean /next_meeting?"),
        (cmd("x" * 5000), "I don't know /"),
    ],
)  # fmt: skip
async def test_commands(command: IncomingCommand, expect: str) -> None:
    reply = text(await handle(command, ctx()))
    assert expect in reply
    assert len(reply) < 3000  # huge input never echoed back in full


async def test_subscribe_flow_is_idempotent() -> None:
    c = ctx()
    await handle(cmd("subscribe", "witkoff"), c)
    await handle(cmd("subscribe", "witkoff"), c)
    await handle(cmd("subscribe", "miami"), c)
    sub = await c.subscriptions.get(TARGET)
    assert sub is not None and sub.entity_ids == {"witkoff", "miami"}
    assert "Miami, Steve Witkoff" in text(await handle(cmd("subscriptions"), c))
    await handle(cmd("unsubscribe", "miami"), c)
    sub = await c.subscriptions.get(TARGET)
    assert sub is not None and sub.entity_ids == {"witkoff"}
    reply = await handle(cmd("unsubscribe", "all"), c)
    assert "Unsubscribed" in reply.headline
    assert await c.subscriptions.active() == []


async def test_refused_command_changes_nothing() -> None:
    c = ctx()
    await handle(cmd("subscribe", chat=ChatType.GROUP, admin=False), c)
    assert await c.subscriptions.get(TARGET) is None


async def test_timezone_is_used_for_replies() -> None:
    c = ctx()
    await handle(cmd("timezone", "Asia/Tokyo"), c)
    reply = await handle(cmd("next_meeting"), c)
    assert any("Asia/Tokyo" in line for line in reply.lines) or "in 5 days" in reply.lines[0]


async def test_meeting_history() -> None:
    history = MeetingHistory(view=view(), changes=(), explanation=("Two outlets agree.",))
    c = ctx(meetings=MemMeetings([view()], [history]))
    reply = await handle(cmd("meeting", "#7"), c)
    assert reply.headline.startswith("🗂 Meeting #7")
    assert "Why: 1 outlet reported it: Example News." in reply.lines
    assert "• Two outlets agree." not in reply.lines  # the engine's own words stay out
    assert reply.links[0].url == "https://news.example/a"


async def test_rate_limit_is_per_user() -> None:
    limiter = CommandRateLimiter(rate=0.5, burst=3)
    c = ctx(limiter=limiter)
    replies = [await handle(cmd("help", user="flood"), c) for _ in range(10)]
    assert [bool(r.lines) for r in replies[:3]] == [True] * 3
    assert "Too many commands" in replies[3].headline
    assert all(r.headline == "" for r in replies[4:])  # warned once, then quiet
    assert (await handle(cmd("help", user="calm"), c)).lines  # others unaffected
    c.now = NOW + timedelta(seconds=2)
    assert (await handle(cmd("help", user="flood"), c)).lines  # refilled
