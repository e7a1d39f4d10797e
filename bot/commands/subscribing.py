"""Subscriptions: what a chat gets alerts about. Nothing widens or ends without a confirm.

* A bare ``/subscribe`` starts a subscription to everything, but never widens a filter:
  it explains what ``/subscribe all`` would add and offers it.
* A bare ``/unsubscribe`` explains what would stop and offers ``/unsubscribe all``.
* A name in a chat that gets everything changes nothing, and says so; ``/subscribe only``
  replaces the filter.
"""

from __future__ import annotations

from bot.commands.context import CommandContext
from bot.commands.names import normalise, resolve_entities
from bot.commands.registry import COMMANDS, Access
from bot.commands.replies import (
    active,
    describe_filter,
    entity_words,
    names_of,
    reply,
    unknown_name_reply,
)
from bot.models import IncomingCommand, Message, MessageAction, Subscription, WatchEntity

EVERYTHING_WORDS = ("all", "everything")  # "/subscribe all", "/unsubscribe all"
ONLY_WORD = "only"  # "/subscribe only geneva" replaces the filter


def _asks_for_everything(args: tuple[str, ...]) -> bool:
    return len(args) == 1 and normalise(args[0]) in EVERYTHING_WORDS


@COMMANDS.command(
    "subscribe",
    args="[actor|venue … | all]",
    description="Get alerts (everything, or only these)",
    aliases=("sub",),
    access=Access.ADMINS,
    menu_order=40,
)
async def _subscribe(cmd: IncomingCommand, ctx: CommandContext) -> Message:
    current = active(await ctx.subscriptions.get(cmd.target))
    if not cmd.args:
        return await _subscribe_bare(cmd, current, ctx)
    if _asks_for_everything(cmd.args):
        return await _subscribe_everything(cmd, current, ctx)
    only = normalise(cmd.args[0]) == ONLY_WORD
    res = resolve_entities(cmd.args[1:] if only else cmd.args, ctx.watchlist)
    if res.unknown:
        return unknown_name_reply(res, ctx)
    if not res.entities:
        return reply("Which names?", f"Usage: /subscribe {ONLY_WORD} NAME …")
    if only:
        return await _subscribe_only(cmd, res.entities, current, ctx)
    if current is not None and not current.entity_ids:
        return _already_everything(res.entities)
    sub = await ctx.subscriptions.subscribe(cmd.target, frozenset(e.id for e in res.entities))
    return reply(
        f"✅ Subscribed to {entity_words(res.entities)}.",
        describe_filter(sub.entity_ids, ctx),
        footer="/unsubscribe NAME to drop one, /subscribe all for everything",
    )


async def _subscribe_bare(
    cmd: IncomingCommand, current: Subscription | None, ctx: CommandContext
) -> Message:
    """Start with everything; never widen an existing filter without ``/subscribe all``."""
    if current is None:
        return await _subscribe_everything(cmd, current, ctx)
    if not current.entity_ids:
        return reply(
            "🔔 This chat already gets alerts about every tracked actor and venue.",
            footer="/subscribe only NAME to narrow it, /unsubscribe all to stop",
        )
    return reply(
        "❓ Widen this chat's alerts to everything?",
        "This chat gets alerts only about: " + names_of(current.entity_ids, ctx) + ".",
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
        was = f"Before, only: {names_of(current.entity_ids, ctx)}."
    lines = [describe_filter(frozenset(), ctx)] + ([was] if was else [])
    return reply(
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
    lines = [describe_filter(sub.entity_ids, ctx)]
    if current is not None and current.entity_ids != ids:
        lines.append("Alerts about anything else stop here.")
    return reply(
        f"✅ Now only {entity_words(entities)}.",
        *lines,
        footer="/subscribe all to get everything again",
    )


def _already_everything(entities: tuple[WatchEntity, ...]) -> Message:
    """Subscribing to a name in a chat that gets everything changes nothing: say so."""
    words = " ".join(e.id for e in entities)
    names = ", ".join(e.name for e in entities)
    return reply(
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
    menu_order=50,
)
async def _unsubscribe(cmd: IncomingCommand, ctx: CommandContext) -> Message:
    current = active(await ctx.subscriptions.get(cmd.target))
    if not cmd.args:
        return _unsubscribe_bare(current, ctx)
    if _asks_for_everything(cmd.args):
        if current is None:
            return reply("This chat has no subscription.", "/subscribe to get alerts.")
        await ctx.subscriptions.unsubscribe(cmd.target, None)
        return reply(
            "🔕 Unsubscribed: no more alerts in this chat.", footer="/subscribe to start again"
        )
    res = resolve_entities(cmd.args, ctx.watchlist)
    if res.unknown:
        return unknown_name_reply(res, ctx)
    if current is None:
        return reply("This chat has no subscription.", "/subscribe to start.")
    ids = frozenset(e.id for e in res.entities)
    if not current.entity_ids:
        return reply(
            "This chat is subscribed to everything, so there is no single name to drop.",
            f"To keep only some names: /subscribe {ONLY_WORD} NAME …",
            "To stop every alert: /unsubscribe all",
        )
    remaining = await ctx.subscriptions.unsubscribe(cmd.target, ids)
    if remaining is None or not remaining.active:
        return reply("🔕 Unsubscribed: nothing left, so no more alerts in this chat.")
    return reply(
        f"🔕 Unsubscribed from {entity_words(res.entities)}.",
        describe_filter(remaining.entity_ids, ctx),
    )


def _unsubscribe_bare(current: Subscription | None, ctx: CommandContext) -> Message:
    """Ending a subscription needs ``/unsubscribe all``: a bare command only explains."""
    if current is None:
        return reply("This chat has no subscription.", "/subscribe to get alerts.")
    return reply(
        "❓ Stop every alert in this chat?",
        describe_filter(current.entity_ids, ctx),
        "Send /unsubscribe all to confirm, or /unsubscribe NAME to drop one name.",
        actions=(MessageAction("Yes, stop all alerts", "unsubscribe", ("all",)),),
    )


@COMMANDS.command(
    "subscriptions",
    description="Show what this chat is subscribed to",
    aliases=("subs",),
    menu_order=60,
)
async def _subscriptions(cmd: IncomingCommand, ctx: CommandContext) -> Message:
    sub = active(await ctx.subscriptions.get(cmd.target))
    if sub is None:
        return reply("This chat has no subscription.", "/subscribe to get alerts.")
    return reply(
        "🔔 Subscriptions", describe_filter(sub.entity_ids, ctx), f"Time zone: {sub.timezone}"
    )


@COMMANDS.command("watchlist", description="List tracked actors and venues", menu_order=70)
async def _watchlist(cmd: IncomingCommand, ctx: CommandContext) -> Message:
    lines = ["Actors:"]
    lines += [f"• {e.name} — {e.id}" for e in ctx.watchlist.actors]
    lines.append("Venues:")
    lines += [f"• {e.name} — {e.id}" for e in ctx.watchlist.venues]
    return reply("👀 Watchlist", *lines, footer="/subscribe NAME for alerts about one of them")
