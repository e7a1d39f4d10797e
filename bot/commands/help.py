"""/help (every command, in the platform's spelling) and /start (onboarding)."""

from __future__ import annotations

from bot.commands.context import CommandContext
from bot.commands.registry import COMMANDS, slash
from bot.commands.replies import active, describe_filter, reply
from bot.models import CommandStyle, IncomingCommand, Message

ABOUT = (
    "ℹ️ I watch the news for peace-talk meetings and alert this chat when one is "
    "announced, moved, postponed, cancelled or held."
)
NAMES_HINT = "Names work as ids, names or aliases: witkoff, “Steve Witkoff”, abu-dhabi."


def help_message(style: CommandStyle = CommandStyle.UNDERSCORE) -> Message:
    """Every listed command, spelled as this platform's users type it."""
    lines = [f"{c.usage(style)} — {c.description}" for c in COMMANDS.listed()]
    return reply(ABOUT, *lines, footer=NAMES_HINT)


@COMMANDS.command("help", description="How to use this bot", menu_order=90)
async def _help(cmd: IncomingCommand, ctx: CommandContext) -> Message:
    return help_message(cmd.style)


@COMMANDS.command(
    "start", description="What this bot does, and how to begin", listed=False, menu_order=100
)
async def _start(cmd: IncomingCommand, ctx: CommandContext) -> Message:
    """Onboarding: what the bot does, this chat's subscription, three commands to try."""
    style = cmd.style
    sub = active(await ctx.subscriptions.get(cmd.target))
    if sub is None:
        status = "This chat is not subscribed yet: send /subscribe to get every alert."
    else:
        status = describe_filter(sub.entity_ids, ctx)
    return reply(
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
