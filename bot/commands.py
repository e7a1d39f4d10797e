"""Platform-free commands: (IncomingCommand, CommandContext) → Message.

Adapters translate their platform's spelling into a canonical IncomingCommand
(see ``parse_command``), call ``handle`` and send back the Message it returns.
"""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.chat.base import (
    COMMAND_ALIASES,
    COMMAND_NAMES,
    COMMANDS,
    MUTATING_COMMANDS,
    command_spec,
)
from bot.models import ChatType, IncomingCommand, Message, WatchEntity, Watchlist
from bot.ports import MeetingQueries, SubscriptionRepository
from bot.render import (
    clean_text,
    entity_name,
    render_history,
    render_meeting,
    render_meeting_list,
    shorten,
)

MAX_ARGS = 20  # more words than this is not a real request
MAX_ARG_CHARS = 100  # echo at most this much of an argument back
MAX_PHRASE_WORDS = 4  # longest alias in words ("Mar a Lago Palm Beach" is 4+)

# --------------------------------------------------------------------------- parsing


@dataclass(frozen=True)
class ParsedCommand:
    name: str  # canonical when known; otherwise the normalised word the user typed
    args: tuple[str, ...]


_SLASH = re.compile(r"^/([^\s@/]{1,64})(?:@(\S+))?(?:\s+(.*))?$", re.DOTALL)


def canonical_name(word: str) -> str:
    """``Next-Meeting`` → ``next_meeting``; aliases resolved; unknown words kept normalised."""
    norm = word.strip().lower().replace("-", "_")
    return COMMAND_ALIASES.get(norm, norm)


def parse_command(text: str, bot_username: str | None = None) -> ParsedCommand | None:
    """Slash commands: ``/next-meeting``, ``/next_meeting@BotName args``, Slack ``/timezone X``.

    Returns None when the text is not a command, or is addressed to another bot.
    """
    text = text.strip()
    match = _SLASH.match(text)
    if not match:
        return None
    word, addressee, rest = match.groups()
    if addressee and bot_username and addressee.lower() != bot_username.lower().lstrip("@"):
        return None
    return ParsedCommand(canonical_name(word), tuple((rest or "").split()))


def parse_mention(text: str) -> ParsedCommand | None:
    """Free text after an app mention: ``next meeting witkoff``, ``/meeting 3``, ``help``."""
    words = text.strip().lstrip("/").split()
    if not words:
        return ParsedCommand("help", ())
    if len(words) >= 2:
        two = canonical_name(f"{words[0]}_{words[1]}")
        if two in COMMAND_NAMES:
            return ParsedCommand(two, tuple(words[2:]))
    return ParsedCommand(canonical_name(words[0]), tuple(words[1:]))


# --------------------------------------------------------------------------- rate limiting


class CommandRateLimiter:
    """Token bucket per user: a burst of ``burst`` commands, refilled at ``rate`` per second.

    Keyed per user, so one user flooding cannot use up anyone else's allowance. Time is
    passed in (``now``), never read here.
    """

    def __init__(self, rate: float = 0.5, burst: int = 5, max_keys: int = 10_000) -> None:
        self.rate = rate
        self.burst = float(burst)
        self.max_keys = max_keys
        self._buckets: OrderedDict[str, tuple[float, datetime]] = OrderedDict()
        self._warned: set[str] = set()

    def allow(self, key: str, now: datetime) -> bool:
        tokens, last = self._buckets.pop(key, (self.burst, now))
        elapsed = max((now - last).total_seconds(), 0.0)
        tokens = min(self.burst, tokens + elapsed * self.rate)
        allowed = tokens >= 1.0
        if allowed:
            tokens -= 1.0
            self._warned.discard(key)
        self._buckets[key] = (tokens, now)
        while len(self._buckets) > self.max_keys:
            old, _ = self._buckets.popitem(last=False)
            self._warned.discard(old)
        return allowed

    def first_refusal(self, key: str) -> bool:
        """True once per run of refusals: warn the user once, then stay quiet."""
        if key in self._warned:
            return False
        self._warned.add(key)
        return True


# --------------------------------------------------------------------------- context


@dataclass
class CommandContext:
    meetings: MeetingQueries
    subscriptions: SubscriptionRepository
    watchlist: Watchlist
    now: datetime
    limiter: CommandRateLimiter | None = None
    default_timezone: str = "UTC"
    bot_name: str = "talkwatch"
    extra: dict[str, str] = field(default_factory=dict)


# --------------------------------------------------------------------------- resolution


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFKC", clean_text(text)).casefold()
    text = re.sub(r"[-_.,;:!?\"'“”«»()\[\]]+", " ", text)
    return " ".join(text.split())


def alias_index(watchlist: Watchlist) -> dict[str, WatchEntity]:
    """Normalised id / name / alias → entity. Earlier entities win on a clash."""
    index: dict[str, WatchEntity] = {}
    for entity in watchlist.entities():
        forms = [entity.id, entity.name, entity.name.split(" (")[0], *entity.all_aliases()]
        for form in forms:
            key = _norm(form)
            if key:
                index.setdefault(key, entity)
    return index


@dataclass(frozen=True)
class Resolution:
    entities: tuple[WatchEntity, ...]
    unknown: tuple[str, ...]


def resolve_entities(args: tuple[str, ...], watchlist: Watchlist) -> Resolution:
    """Words → watchlist entities; multi-word names matched longest first."""
    index = alias_index(watchlist)
    words = [w for w in _norm(" ".join(args[:MAX_ARGS])).split() if w]
    found: list[WatchEntity] = []
    unknown: list[str] = []
    i = 0
    while i < len(words):
        for j in range(min(len(words), i + MAX_PHRASE_WORDS), i, -1):
            entity = index.get(" ".join(words[i:j]))
            if entity is not None:
                if entity not in found:
                    found.append(entity)
                i = j
                break
        else:
            if words[i] not in ("and", "or", "&"):
                unknown.append(words[i])
            i += 1
    return Resolution(tuple(found), tuple(unknown))


def suggest(word: str, choices: list[str]) -> str | None:
    close = difflib.get_close_matches(word.casefold(), choices, n=1, cutoff=0.6)
    return close[0] if close else None


# --------------------------------------------------------------------------- replies

SILENT = Message(headline="")  # "send nothing": the adapters skip empty messages


def _reply(headline: str, *lines: str, footer: str = "") -> Message:
    return Message(headline=headline, lines=tuple(lines), footer=footer)


def help_message() -> Message:
    lines = []
    for spec in COMMANDS:
        if spec.name == "start":
            continue
        usage = f"/{spec.name}" + (f" {spec.args}" if spec.args else "")
        lines.append(f"{usage} — {spec.description}")
    return _reply(
        "ℹ️ I watch the news for peace-talk meetings and alert this chat when one is "
        "announced, moved, postponed, cancelled or held.",
        *lines,
        footer="Names work as ids, names or aliases: witkoff, “Steve Witkoff”, abu-dhabi.",
    )


def _entity_words(entities: tuple[WatchEntity, ...]) -> str:
    return ", ".join(f"{e.name} ({e.id})" for e in entities)


def _unknown_reply(res: Resolution, ctx: CommandContext) -> Message:
    index = alias_index(ctx.watchlist)
    lines = []
    for word in res.unknown[:5]:
        shown = shorten(word, MAX_ARG_CHARS)
        close = suggest(word, list(index))
        if close:
            entity = index[close]
            lines.append(
                f"“{shown}” is not on the watchlist. Did you mean {entity.name} ({entity.id})?"
            )
        else:
            lines.append(f"“{shown}” is not on the watchlist.")
    lines.append("Actors: " + ", ".join(e.id for e in ctx.watchlist.actors))
    lines.append("Venues: " + ", ".join(e.id for e in ctx.watchlist.venues))
    return _reply("🤔 I don't know that name.", *lines, footer="/watchlist shows the full list")


async def _timezone_of(cmd: IncomingCommand, ctx: CommandContext) -> str:
    sub = await ctx.subscriptions.get(cmd.target)
    return sub.timezone if sub else ctx.default_timezone


def _unknown_command(name: str) -> Message:
    shown = shorten(name, 40)
    close = suggest(name, sorted(COMMAND_NAMES))
    first = f"I don't know /{shown}."
    if close:
        first += f" Did you mean /{close}?"
    return _reply(
        "🤔 Unknown command",
        first,
        "Commands: " + ", ".join(f"/{c.name}" for c in COMMANDS if c.name != "start"),
    )


# --------------------------------------------------------------------------- handlers


Handler = Callable[[IncomingCommand, CommandContext], Awaitable[Message]]


async def _start(cmd: IncomingCommand, ctx: CommandContext) -> Message:
    return help_message()


async def _help(cmd: IncomingCommand, ctx: CommandContext) -> Message:
    return help_message()


async def _subscribe(cmd: IncomingCommand, ctx: CommandContext) -> Message:
    res = resolve_entities(cmd.args, ctx.watchlist)
    if res.unknown:
        return _unknown_reply(res, ctx)
    ids = frozenset(e.id for e in res.entities)
    sub = await ctx.subscriptions.subscribe(cmd.target, ids)
    if not ids:
        head = "✅ Subscribed to every tracked meeting."
    else:
        head = f"✅ Subscribed to {_entity_words(res.entities)}."
    return _reply(head, _describe_filter(sub.entity_ids, ctx), footer="/unsubscribe to stop")


def _describe_filter(ids: frozenset[str], ctx: CommandContext) -> str:
    if not ids:
        return "This chat gets alerts about every tracked actor and venue."
    names = sorted(entity_name(ctx.watchlist, i) for i in ids)
    return "This chat gets alerts about: " + ", ".join(names)


async def _unsubscribe(cmd: IncomingCommand, ctx: CommandContext) -> Message:
    words = [_norm(a) for a in cmd.args]
    if not cmd.args or words == ["all"] or words == ["everything"]:
        await ctx.subscriptions.unsubscribe(cmd.target, None)
        return _reply(
            "🔕 Unsubscribed: no more alerts in this chat.", footer="/subscribe to start again"
        )
    res = resolve_entities(cmd.args, ctx.watchlist)
    if res.unknown:
        return _unknown_reply(res, ctx)
    current = await ctx.subscriptions.get(cmd.target)
    if current is None or not current.active:
        return _reply("This chat has no subscription.", "/subscribe to start.")
    ids = frozenset(e.id for e in res.entities)
    if not current.entity_ids:
        return _reply(
            "This chat is subscribed to everything.",
            "Use /unsubscribe all to stop, then /subscribe with the names you want.",
        )
    remaining = await ctx.subscriptions.unsubscribe(cmd.target, ids)
    if remaining is None or not remaining.active:
        return _reply("🔕 Unsubscribed: nothing left, so no more alerts in this chat.")
    return _reply(
        f"🔕 Unsubscribed from {_entity_words(res.entities)}.",
        _describe_filter(remaining.entity_ids, ctx),
    )


async def _subscriptions(cmd: IncomingCommand, ctx: CommandContext) -> Message:
    sub = await ctx.subscriptions.get(cmd.target)
    if sub is None or not sub.active:
        return _reply("This chat has no subscription.", "/subscribe to get alerts.")
    return _reply(
        "🔔 Subscriptions", _describe_filter(sub.entity_ids, ctx), f"Time zone: {sub.timezone}"
    )


async def _filter_from_args(
    cmd: IncomingCommand, ctx: CommandContext
) -> tuple[frozenset[str], Message | None]:
    if not cmd.args:
        return frozenset(), None
    res = resolve_entities(cmd.args, ctx.watchlist)
    if res.unknown:
        return frozenset(), _unknown_reply(res, ctx)
    return frozenset(e.id for e in res.entities), None


async def _next_meeting(cmd: IncomingCommand, ctx: CommandContext) -> Message:
    ids, error = await _filter_from_args(cmd, ctx)
    if error:
        return error
    view = await ctx.meetings.next_meeting(ctx.now, ids)
    if view is None:
        scope = " for " + ", ".join(sorted(ids)) if ids else ""
        return _reply(
            f"📭 No upcoming meeting is known{scope}.",
            "I'll alert subscribed chats as soon as one is reported.",
        )
    tz = await _timezone_of(cmd, ctx)
    return render_meeting(view, ctx.watchlist, tz_name=tz, now=ctx.now)


async def _meetings(cmd: IncomingCommand, ctx: CommandContext) -> Message:
    ids, error = await _filter_from_args(cmd, ctx)
    if error:
        return error
    views = await ctx.meetings.upcoming(ctx.now, ids)
    return render_meeting_list(views, ctx.watchlist)


async def _meeting(cmd: IncomingCommand, ctx: CommandContext) -> Message:
    raw = cmd.args[0].lstrip("#") if cmd.args else ""
    if not raw.isdigit() or len(raw) > 12:
        return _reply("Which meeting?", "Usage: /meeting ID (the number after # in /meetings).")
    history = await ctx.meetings.meeting_history(int(raw), ctx.now)
    if history is None:
        return _reply(f"No meeting #{raw}.", "/meetings lists the upcoming ones.")
    tz = await _timezone_of(cmd, ctx)
    return render_history(
        history.view, history.changes, history.explanation, ctx.watchlist, tz_name=tz, now=ctx.now
    )


async def _watchlist(cmd: IncomingCommand, ctx: CommandContext) -> Message:
    lines = ["Actors:"]
    lines += [f"• {e.name} — {e.id}" for e in ctx.watchlist.actors]
    lines.append("Venues:")
    lines += [f"• {e.name} — {e.id}" for e in ctx.watchlist.venues]
    return _reply("👀 Watchlist", *lines, footer="/subscribe NAME for alerts about one of them")


@functools.cache
def _zone_names() -> list[str]:
    return sorted(available_timezones())


@functools.cache
def _zone_lookup() -> dict[str, str]:
    return {z.lower(): z for z in _zone_names()}


def validate_timezone(name: str) -> str | None:
    """The canonical IANA name for ``name`` (case-insensitive), or None."""
    if not name or len(name) > 64 or not re.fullmatch(r"[A-Za-z0-9_+\-/]+", name):
        return None
    canonical = _zone_lookup().get(name.lower())
    if canonical is None:
        return None
    try:
        ZoneInfo(canonical)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return canonical


async def _timezone(cmd: IncomingCommand, ctx: CommandContext) -> Message:
    if not cmd.args:
        tz = await _timezone_of(cmd, ctx)
        return _reply(f"🕒 Time zone: {tz}", "Set it with /timezone Area/City, e.g. Europe/Warsaw.")
    name = cmd.args[0]
    canonical = validate_timezone(name)
    if canonical is None:
        shown = shorten(clean_text(name), MAX_ARG_CHARS)
        close = suggest(name.replace(" ", "_"), _zone_names())
        lines = [f"“{shown}” is not a time zone I know."]
        if close:
            lines.append(f"Did you mean {close}?")
        lines.append("Use an IANA name such as Europe/Kyiv, America/New_York or UTC.")
        return _reply("🤔 Unknown time zone", *lines)
    sub = await ctx.subscriptions.set_timezone(cmd.target, canonical)
    return _reply(f"🕒 Time zone set to {sub.timezone}.", "Dates and times are now shown there.")


HANDLERS: dict[str, Handler] = {
    "start": _start,
    "help": _help,
    "subscribe": _subscribe,
    "unsubscribe": _unsubscribe,
    "subscriptions": _subscriptions,
    "next_meeting": _next_meeting,
    "meetings": _meetings,
    "meeting": _meeting,
    "watchlist": _watchlist,
    "timezone": _timezone,
}


async def handle(cmd: IncomingCommand, ctx: CommandContext) -> Message:
    """Run one command. Never raises for user input; returns the reply to send."""
    user_key = f"{cmd.target.platform}:{cmd.user_id}"
    if ctx.limiter is not None and not ctx.limiter.allow(user_key, ctx.now):
        if ctx.limiter.first_refusal(user_key):
            return _reply("⏳ Too many commands — please wait a few seconds and try again.")
        return SILENT  # adapters send nothing for an empty message
    name = canonical_name(cmd.name)
    handler = HANDLERS.get(name)
    if handler is None:
        return _unknown_command(name)
    if (
        name in MUTATING_COMMANDS
        and cmd.chat_type is not ChatType.PRIVATE
        and not cmd.is_admin
        and not (name == "timezone" and not cmd.args)
    ):
        spec = command_spec(name)
        what = spec.description.lower() if spec else name
        return _reply(
            "🔒 Only chat admins can do that here.",
            f"/{name} ({what}) changes this chat's settings, so in groups and channels "
            "only administrators may use it.",
        )
    return await handler(cmd, ctx)
