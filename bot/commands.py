"""Platform-free commands: (IncomingCommand, CommandContext) → Message.

Adapters translate their platform's spelling into a canonical IncomingCommand
(see ``parse_command``), call ``handle`` and send back the Message it returns. Each
command is declared once, on its handler, with ``@COMMANDS.command(...)``: the
dispatch, the help, Telegram's menu and Slack's reply visibility all come from there.
"""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.command_registry import Access, Command, CommandRegistry, slash
from bot.models import (
    ChatType,
    CommandStyle,
    IncomingCommand,
    Message,
    MessageAction,
    Subscription,
    WatchEntity,
    Watchlist,
)
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
EVERYTHING_WORDS = ("all", "everything")  # "/subscribe all", "/unsubscribe all"
ONLY_WORD = "only"  # "/subscribe only geneva" replaces the filter

COMMANDS = CommandRegistry()  # filled by the @COMMANDS.command declarations below

# --------------------------------------------------------------------------- parsing


@dataclass(frozen=True)
class ParsedCommand:
    name: str  # canonical when known; otherwise the normalised word the user typed
    args: tuple[str, ...]


_SLASH = re.compile(r"^/([^\s@/]{1,64})(?:@(\S+))?(?:\s+(.*))?$", re.DOTALL)


def canonical_name(word: str) -> str:
    """``Next-Meeting`` → ``next_meeting``; aliases resolved; unknown words kept normalised."""
    return COMMANDS.canonical(word)


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
        if two in COMMANDS:
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
ABOUT = (
    "ℹ️ I watch the news for peace-talk meetings and alert this chat when one is "
    "announced, moved, postponed, cancelled or held."
)
NAMES_HINT = "Names work as ids, names or aliases: witkoff, “Steve Witkoff”, abu-dhabi."


def _reply(
    headline: str, *lines: str, footer: str = "", actions: tuple[MessageAction, ...] = ()
) -> Message:
    return Message(headline=headline, lines=tuple(lines), footer=footer, actions=actions)


def help_message(style: CommandStyle = CommandStyle.UNDERSCORE) -> Message:
    """Every listed command, spelled as this platform's users type it."""
    lines = [f"{c.usage(style)} — {c.description}" for c in COMMANDS.listed()]
    return _reply(ABOUT, *lines, footer=NAMES_HINT)


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


def _unknown_command(name: str, style: CommandStyle) -> Message:
    shown = shorten(name, 40)
    close = suggest(name, sorted(COMMANDS.names()))
    first = f"I don't know {slash(shown, style)}."
    if close:
        first += f" Did you mean {slash(close, style)}?"
    return _reply(
        "🤔 Unknown command",
        first,
        "Commands: " + ", ".join(c.spelled(style) for c in COMMANDS.listed()),
    )


def _describe_filter(ids: frozenset[str], ctx: CommandContext) -> str:
    if not ids:
        return "This chat gets alerts about every tracked actor and venue."
    return "This chat gets alerts about: " + _names(ids, ctx)


def _names(ids: frozenset[str], ctx: CommandContext) -> str:
    return ", ".join(sorted(entity_name(ctx.watchlist, i) for i in ids))


def _active(sub: Subscription | None) -> Subscription | None:
    return sub if sub is not None and sub.active else None


def _asks_for_everything(args: tuple[str, ...]) -> bool:
    return len(args) == 1 and _norm(args[0]) in EVERYTHING_WORDS


# --------------------------------------------------------------------------- reading


@COMMANDS.command(
    "next_meeting",
    args="[actor|venue]",
    description="Show the next scheduled meeting",
    aliases=("next", "nextmeeting"),
    answer_in_channel=True,
)
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


@COMMANDS.command(
    "meetings", description="List upcoming meetings", aliases=("upcoming",), answer_in_channel=True
)
async def _meetings(cmd: IncomingCommand, ctx: CommandContext) -> Message:
    ids, error = await _filter_from_args(cmd, ctx)
    if error:
        return error
    views = await ctx.meetings.upcoming(ctx.now, ids)
    return render_meeting_list(views, ctx.watchlist)


@COMMANDS.command(
    "meeting", args="ID", description="History and sources of one meeting", answer_in_channel=True
)
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


async def _filter_from_args(
    cmd: IncomingCommand, ctx: CommandContext
) -> tuple[frozenset[str], Message | None]:
    if not cmd.args:
        return frozenset(), None
    res = resolve_entities(cmd.args, ctx.watchlist)
    if res.unknown:
        return frozenset(), _unknown_reply(res, ctx)
    return frozenset(e.id for e in res.entities), None


# --------------------------------------------------------------------------- subscribing


@COMMANDS.command(
    "subscribe",
    args="[actor|venue … | all]",
    description="Get alerts (everything, or only these)",
    aliases=("sub",),
    access=Access.ADMINS,
)
async def _subscribe(cmd: IncomingCommand, ctx: CommandContext) -> Message:
    current = _active(await ctx.subscriptions.get(cmd.target))
    if not cmd.args:
        return await _subscribe_bare(cmd, current, ctx)
    if _asks_for_everything(cmd.args):
        return await _subscribe_everything(cmd, current, ctx)
    only = _norm(cmd.args[0]) == ONLY_WORD
    res = resolve_entities(cmd.args[1:] if only else cmd.args, ctx.watchlist)
    if res.unknown:
        return _unknown_reply(res, ctx)
    if not res.entities:
        return _reply("Which names?", f"Usage: /subscribe {ONLY_WORD} NAME …")
    if only:
        return await _subscribe_only(cmd, res.entities, current, ctx)
    if current is not None and not current.entity_ids:
        return _already_everything(res.entities)
    sub = await ctx.subscriptions.subscribe(cmd.target, frozenset(e.id for e in res.entities))
    return _reply(
        f"✅ Subscribed to {_entity_words(res.entities)}.",
        _describe_filter(sub.entity_ids, ctx),
        footer="/unsubscribe NAME to drop one, /subscribe all for everything",
    )


async def _subscribe_bare(
    cmd: IncomingCommand, current: Subscription | None, ctx: CommandContext
) -> Message:
    """Start with everything; never widen an existing filter without ``/subscribe all``."""
    if current is None:
        return await _subscribe_everything(cmd, current, ctx)
    if not current.entity_ids:
        return _reply(
            "🔔 This chat already gets alerts about every tracked actor and venue.",
            footer="/subscribe only NAME to narrow it, /unsubscribe all to stop",
        )
    return _reply(
        "❓ Widen this chat's alerts to everything?",
        "This chat gets alerts only about: " + _names(current.entity_ids, ctx) + ".",
        "/subscribe all would add every other tracked actor and venue.",
        "Send /subscribe all to confirm, or /subscribe NAME to add one name.",
        actions=(MessageAction("Yes, alerts about everything", "subscribe", ("all",)),),
    )


async def _subscribe_everything(
    cmd: IncomingCommand, current: Subscription | None, ctx: CommandContext
) -> Message:
    await ctx.subscriptions.subscribe(cmd.target, frozenset())
    was = ""
    if current is not None and current.entity_ids:
        was = f"Before, only: {_names(current.entity_ids, ctx)}."
    lines = [_describe_filter(frozenset(), ctx)] + ([was] if was else [])
    return _reply(
        "✅ Subscribed to every tracked meeting.",
        *lines,
        footer="/subscribe only NAME to narrow it, /unsubscribe all to stop",
    )


async def _subscribe_only(
    cmd: IncomingCommand,
    entities: tuple[WatchEntity, ...],
    current: Subscription | None,
    ctx: CommandContext,
) -> Message:
    """Replace the filter: the one way to narrow a chat that gets everything."""
    ids = frozenset(e.id for e in entities)
    if current is not None and current.entity_ids != ids:
        await ctx.subscriptions.unsubscribe(cmd.target, None)
    sub = await ctx.subscriptions.subscribe(cmd.target, ids)
    lines = [_describe_filter(sub.entity_ids, ctx)]
    if current is not None and current.entity_ids != ids:
        lines.append("Alerts about anything else stop here.")
    return _reply(
        f"✅ Now only {_entity_words(entities)}.",
        *lines,
        footer="/subscribe all to get everything again",
    )


def _already_everything(entities: tuple[WatchEntity, ...]) -> Message:
    """Subscribing to a name in a chat that gets everything changes nothing: say so."""
    words = " ".join(e.id for e in entities)
    names = ", ".join(e.name for e in entities)
    return _reply(
        "🔔 Nothing changed: this chat already gets alerts about everything.",
        f"That includes {names}.",
        f"To get only those alerts instead, send /subscribe {ONLY_WORD} {words}",
    )


@COMMANDS.command(
    "unsubscribe",
    args="[all | actor|venue …]",
    description="Stop alerts",
    aliases=("unsub",),
    access=Access.ADMINS,
)
async def _unsubscribe(cmd: IncomingCommand, ctx: CommandContext) -> Message:
    current = _active(await ctx.subscriptions.get(cmd.target))
    if not cmd.args:
        return _unsubscribe_bare(current, ctx)
    if _asks_for_everything(cmd.args):
        if current is None:
            return _reply("This chat has no subscription.", "/subscribe to get alerts.")
        await ctx.subscriptions.unsubscribe(cmd.target, None)
        return _reply(
            "🔕 Unsubscribed: no more alerts in this chat.", footer="/subscribe to start again"
        )
    res = resolve_entities(cmd.args, ctx.watchlist)
    if res.unknown:
        return _unknown_reply(res, ctx)
    if current is None:
        return _reply("This chat has no subscription.", "/subscribe to start.")
    ids = frozenset(e.id for e in res.entities)
    if not current.entity_ids:
        return _reply(
            "This chat is subscribed to everything, so there is no single name to drop.",
            f"To keep only some names: /subscribe {ONLY_WORD} NAME …",
            "To stop every alert: /unsubscribe all",
        )
    remaining = await ctx.subscriptions.unsubscribe(cmd.target, ids)
    if remaining is None or not remaining.active:
        return _reply("🔕 Unsubscribed: nothing left, so no more alerts in this chat.")
    return _reply(
        f"🔕 Unsubscribed from {_entity_words(res.entities)}.",
        _describe_filter(remaining.entity_ids, ctx),
    )


def _unsubscribe_bare(current: Subscription | None, ctx: CommandContext) -> Message:
    """Ending a subscription needs ``/unsubscribe all``: a bare command only explains."""
    if current is None:
        return _reply("This chat has no subscription.", "/subscribe to get alerts.")
    return _reply(
        "❓ Stop every alert in this chat?",
        _describe_filter(current.entity_ids, ctx),
        "Send /unsubscribe all to confirm, or /unsubscribe NAME to drop one name.",
        actions=(MessageAction("Yes, stop all alerts", "unsubscribe", ("all",)),),
    )


@COMMANDS.command(
    "subscriptions",
    description="Show what this chat is subscribed to",
    aliases=("subs",),
)
async def _subscriptions(cmd: IncomingCommand, ctx: CommandContext) -> Message:
    sub = _active(await ctx.subscriptions.get(cmd.target))
    if sub is None:
        return _reply("This chat has no subscription.", "/subscribe to get alerts.")
    return _reply(
        "🔔 Subscriptions", _describe_filter(sub.entity_ids, ctx), f"Time zone: {sub.timezone}"
    )


@COMMANDS.command("watchlist", description="List tracked actors and venues")
async def _watchlist(cmd: IncomingCommand, ctx: CommandContext) -> Message:
    lines = ["Actors:"]
    lines += [f"• {e.name} — {e.id}" for e in ctx.watchlist.actors]
    lines.append("Venues:")
    lines += [f"• {e.name} — {e.id}" for e in ctx.watchlist.venues]
    return _reply("👀 Watchlist", *lines, footer="/subscribe NAME for alerts about one of them")


# --------------------------------------------------------------------------- time zone


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


@COMMANDS.command(
    "timezone",
    args="[Area/City]",
    description="Show or set this chat's time zone",
    aliases=("tz",),
    access=Access.ADMINS_TO_CHANGE,
)
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


# --------------------------------------------------------------------------- help


@COMMANDS.command("help", description="How to use this bot")
async def _help(cmd: IncomingCommand, ctx: CommandContext) -> Message:
    return help_message(cmd.style)


@COMMANDS.command("start", description="What this bot does, and how to begin", listed=False)
async def _start(cmd: IncomingCommand, ctx: CommandContext) -> Message:
    """Onboarding: what the bot does, this chat's subscription, three commands to try."""
    style = cmd.style
    sub = _active(await ctx.subscriptions.get(cmd.target))
    if sub is None:
        status = "This chat is not subscribed yet: send /subscribe to get every alert."
    else:
        status = _describe_filter(sub.entity_ids, ctx)
    return _reply(
        "👋 Hello! I watch the news for peace-talk meetings (who meets whom, where, when) "
        "and post an alert here when one is announced, moved, postponed, cancelled or held.",
        status,
        "Three commands to try:",
        f"• {slash('next_meeting', style)} — the next scheduled meeting",
        f"• {slash('meetings', style)} — every upcoming meeting",
        f"• {slash('subscribe', style)} — alerts about everything in this chat",
        "To follow only some people or places: /subscribe only witkoff geneva "
        "(/watchlist lists the names).",
        footer=f"{slash('help', style)} lists every command.",
    )


# --------------------------------------------------------------------------- dispatch


def _refusal(command: Command, style: CommandStyle) -> Message:
    return _reply(
        "🔒 Only chat admins can do that here.",
        f"{command.spelled(style)} ({command.description.lower()}) changes this chat's "
        "settings, so in groups and channels only administrators may use it.",
    )


async def may_run(command: Command, cmd: IncomingCommand) -> bool:
    """Who may run it: anyone in a private chat, admins where the command says so."""
    if cmd.chat_type is ChatType.PRIVATE or not command.needs_admin(cmd.args):
        return True
    if cmd.admin_check is not None:
        return await cmd.admin_check()
    return cmd.is_admin


async def handle(cmd: IncomingCommand, ctx: CommandContext) -> Message:
    """Run one command. Never raises for user input; returns the reply to send.

    The rate limit comes first, before anything that may call the platform (the admin
    check), so a flooding user costs no platform calls once refused.
    """
    user_key = f"{cmd.target.platform}:{cmd.user_id}"
    if ctx.limiter is not None and not ctx.limiter.allow(user_key, ctx.now):
        if ctx.limiter.first_refusal(user_key):
            return _reply("⏳ Too many commands — please wait a few seconds and try again.")
        return SILENT  # adapters send nothing for an empty message
    name = canonical_name(cmd.name)
    command = COMMANDS.get(name)
    if command is None:
        return _unknown_command(name, cmd.style)
    if not await may_run(command, cmd):
        return _refusal(command, cmd.style)
    return await command.handler(cmd, ctx)
