"""Platform-free commands: parsing, argument resolution, admin rules, rate limiting."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from chatkit import NOW, view, watchlist
from hypothesis import given
from hypothesis import strategies as st
from memports import MemMeetings, MemSubscriptions

from bot.commands import (
    COMMANDS,
    CommandContext,
    CommandRateLimiter,
    handle,
    parse_command,
    parse_mention,
    resolve_entities,
)
from bot.commands.registry import CommandRegistry
from bot.models import (
    ChatTarget,
    ChatType,
    CommandStyle,
    IncomingCommand,
    Message,
    MessageAction,
    Platform,
)
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
    name=st.sampled_from(sorted(COMMANDS.names())),
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
    name: str,
    *args: str,
    chat: ChatType = ChatType.PRIVATE,
    admin: bool = True,
    user: str = "u",
    style: CommandStyle = CommandStyle.UNDERSCORE,
) -> IncomingCommand:
    return IncomingCommand(TARGET, user, name, args, chat_type=chat, is_admin=admin, style=style)


def text(msg: Message) -> str:
    return "\n".join([msg.headline, *msg.lines, msg.footer])


@pytest.mark.parametrize(
    ("command", "expect"),
    [
        (cmd("start"), "not subscribed yet"),
        (cmd("help"), "/subscribe [actor|venue … | all]"),
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


SLACK = CommandStyle.HYPHEN
TG = CommandStyle.UNDERSCORE


@pytest.mark.parametrize(
    ("command", "present", "absent"),
    [
        (cmd("help", style=SLACK), "/next-meeting [actor|venue] — Show the next", "/next_meeting"),
        (cmd("help", style=TG), "/next_meeting [actor|venue] — Show the next", "/next-meeting"),
        (cmd("start", style=SLACK), "• /next-meeting — the next scheduled meeting", "/next_meeting"),  # noqa: E501
        (cmd("start", style=TG), "• /next_meeting — the next scheduled meeting", "/next-meeting"),
        (cmd("nxt-meeting", style=SLACK), "Did you mean /next-meeting?", "/next_meeting"),
        (cmd("nxt_meeting", style=TG), "Did you mean /next_meeting?", "/next-meeting"),
        (cmd("subscribe", "witkoff", chat=ChatType.GROUP, admin=False, style=SLACK), "/subscribe (get alerts", "_"),  # noqa: E501
    ],
)  # fmt: skip
async def test_each_platform_reads_its_own_spelling(
    command: IncomingCommand, present: str, absent: str
) -> None:
    reply = text(await handle(command, ctx()))
    assert present in reply
    assert absent not in reply


async def test_start_is_onboarding_not_help() -> None:
    c = ctx()
    start = text(await handle(cmd("start"), c))
    assert start != text(await handle(cmd("help"), c))
    assert "Three commands to try" in start and "/subscribe only" in start
    assert "not subscribed yet" in start
    await handle(cmd("subscribe", "witkoff"), c)
    assert "This chat gets alerts about: Steve Witkoff" in text(await handle(cmd("start"), c))


EVERYTHING: frozenset[str] = frozenset()
NOT_SUBSCRIBED = None


@pytest.mark.parametrize(
    ("before", "command", "says", "after"),
    [
        # bare /subscribe: starts a subscription, never widens a filter without "all"
        (NOT_SUBSCRIBED, cmd("subscribe"), "Subscribed to every tracked meeting", EVERYTHING),
        (EVERYTHING, cmd("subscribe"), "already gets alerts about every", EVERYTHING),
        ({"witkoff"}, cmd("subscribe"), "Send /subscribe all to confirm", {"witkoff"}),
        ({"witkoff"}, cmd("subscribe", "all"), "Before, only: Steve Witkoff", EVERYTHING),
        ({"witkoff"}, cmd("subscribe", "miami"), "Subscribed to Miami (miami)", {"witkoff", "miami"}),  # noqa: E501
        # a name in a chat that gets everything: no false "Subscribed to …"
        (EVERYTHING, cmd("subscribe", "miami"), "send /subscribe only miami", EVERYTHING),
        (EVERYTHING, cmd("subscribe", "only", "miami"), "Now only Miami (miami)", {"miami"}),
        ({"witkoff", "miami"}, cmd("subscribe", "only", "miami"), "Alerts about anything else stop", {"miami"}),  # noqa: E501
        (NOT_SUBSCRIBED, cmd("subscribe", "only", "miami"), "Now only Miami", {"miami"}),
        # bare /unsubscribe explains and asks; "all" ends it
        (EVERYTHING, cmd("unsubscribe"), "Send /unsubscribe all to confirm", EVERYTHING),
        ({"witkoff"}, cmd("unsubscribe"), "about: Steve Witkoff", {"witkoff"}),
        (NOT_SUBSCRIBED, cmd("unsubscribe"), "no subscription", NOT_SUBSCRIBED),
        (EVERYTHING, cmd("unsubscribe", "all"), "no more alerts", NOT_SUBSCRIBED),
        (NOT_SUBSCRIBED, cmd("unsubscribe", "all"), "no subscription", NOT_SUBSCRIBED),
        (EVERYTHING, cmd("unsubscribe", "miami"), "/subscribe only NAME", EVERYTHING),
        ({"witkoff", "miami"}, cmd("unsubscribe", "miami"), "Unsubscribed from Miami", {"witkoff"}),
    ],
)  # fmt: skip
async def test_subscription_replies_say_what_changed(
    before: set[str] | None, command: IncomingCommand, says: str, after: set[str] | None
) -> None:
    c = ctx()
    if before is not None:
        await c.subscriptions.subscribe(TARGET, frozenset(before))
    reply = text(await handle(command, c))
    assert says in reply
    sub = await c.subscriptions.get(TARGET)
    now = frozenset(sub.entity_ids) if sub is not None and sub.active else None
    assert now == (None if after is None else frozenset(after))
    everything_line = "gets alerts about every tracked actor and venue"
    if now != EVERYTHING:
        assert everything_line not in reply  # never claims everything when it is not so
    if reply.startswith("✅ Subscribed to ") and everything_line in reply:
        assert reply.startswith("✅ Subscribed to every")  # never "X" and then "everything"


async def _noop(cmd: IncomingCommand, c: object) -> Message:
    return Message(headline="ok")


@pytest.mark.parametrize(
    ("name", "aliases", "error"),
    [
        ("next-meeting", (), "is not [a-z0-9_]"),
        ("x" * 33, (), "is not [a-z0-9_]"),
        ("meetings", (), "declared twice"),  # a second handler for one name
        ("agenda", ("upcoming",), "declared twice"),  # an alias already taken
        ("next", (), "declared twice"),  # a name that is already an alias
    ],
)
def test_registry_refuses_ambiguous_declarations(
    name: str, aliases: tuple[str, ...], error: str
) -> None:
    registry = CommandRegistry()
    registry.command("meetings", description="List", aliases=("upcoming",))(_noop)
    registry.command("next_meeting", description="Next", aliases=("next",))(_noop)
    with pytest.raises(ValueError, match=re.escape(error)):
        registry.command(name, description="Another", aliases=aliases)(_noop)


def test_every_declared_command_is_complete() -> None:
    for command in COMMANDS:
        assert 3 <= len(command.description) <= 256  # Telegram's menu bounds
        assert command.usage(CommandStyle.HYPHEN).startswith("/")
        for alias in command.aliases:
            assert COMMANDS.canonical(alias) == command.name
    assert [c.name for c in COMMANDS.listed()][:3] == ["next_meeting", "meetings", "meeting"]
    assert "start" in COMMANDS and "start" not in {c.name for c in COMMANDS.listed()}


@pytest.mark.parametrize(
    ("before", "command", "button"),
    [
        (
            {"witkoff"},
            cmd("subscribe"),
            MessageAction("Yes, alerts about everything", "subscribe", ("all",)),
        ),
        (
            EVERYTHING,
            cmd("unsubscribe"),
            MessageAction("Yes, stop all alerts", "unsubscribe", ("all",)),
        ),
        (EVERYTHING, cmd("subscribe"), None),
        ({"witkoff"}, cmd("subscribe", "all"), None),
        (EVERYTHING, cmd("unsubscribe", "all"), None),
    ],
)
async def test_questions_offer_the_confirming_command_as_a_button(
    before: set[str], command: IncomingCommand, button: MessageAction | None
) -> None:
    c = ctx()
    await c.subscriptions.subscribe(TARGET, frozenset(before))
    reply = await handle(command, c)
    assert reply.actions == ((button,) if button else ())
    if button:
        assert f"/{button.text}" in text(reply)  # the same words work typed
