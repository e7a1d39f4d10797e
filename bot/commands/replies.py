"""Reply pieces the commands share: the message shape, names, filters, unknown names."""

from __future__ import annotations

from bot.commands.context import CommandContext
from bot.commands.names import Resolution, alias_index, suggest
from bot.models import IncomingCommand, Message, MessageAction, Subscription, WatchEntity
from bot.render import entity_name, shorten

MAX_ARG_CHARS = 100  # echo at most this much of an argument back
SILENT = Message(headline="")  # "send nothing": the adapters skip empty messages


def reply(
    headline: str, *lines: str, footer: str = "", actions: tuple[MessageAction, ...] = ()
) -> Message:
    return Message(headline=headline, lines=tuple(lines), footer=footer, actions=actions)


def entity_words(entities: tuple[WatchEntity, ...]) -> str:
    return ", ".join(f"{e.name} ({e.id})" for e in entities)


def unknown_name_reply(res: Resolution, ctx: CommandContext) -> Message:
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
    return reply("🤔 I don't know that name.", *lines, footer="/watchlist shows the full list")


async def timezone_of(cmd: IncomingCommand, ctx: CommandContext) -> str:
    sub = await ctx.subscriptions.get(cmd.target)
    return sub.timezone if sub else ctx.default_timezone


def describe_filter(ids: frozenset[str], ctx: CommandContext) -> str:
    if not ids:
        return "This chat gets alerts about every tracked actor and venue."
    return "This chat gets alerts about: " + names_of(ids, ctx)


def names_of(ids: frozenset[str], ctx: CommandContext) -> str:
    return ", ".join(sorted(entity_name(ctx.watchlist, i) for i in ids))


def active(sub: Subscription | None) -> Subscription | None:
    return sub if sub is not None and sub.active else None
