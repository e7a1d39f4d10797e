"""The chat's time zone: shown to anyone, set by admins (IANA names, any case)."""

from __future__ import annotations

import functools
import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.commands.context import CommandContext
from bot.commands.names import suggest
from bot.commands.registry import COMMANDS, Access
from bot.commands.replies import MAX_ARG_CHARS, reply, timezone_of
from bot.models import IncomingCommand, Message
from bot.render import shorten
from bot.text import clean_text


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
    menu_order=80,
)
async def _timezone(cmd: IncomingCommand, ctx: CommandContext) -> Message:
    if not cmd.args:
        tz = await timezone_of(cmd, ctx)
        return reply(f"🕒 Time zone: {tz}", "Set it with /timezone Area/City, e.g. Europe/Warsaw.")
    name = cmd.args[0]
    canonical = validate_timezone(name)
    if canonical is None:
        shown = shorten(clean_text(name), MAX_ARG_CHARS)
        close = suggest(name.replace(" ", "_"), _zone_names())
        lines = [f"“{shown}” is not a time zone I know."]
        if close:
            lines.append(f"Did you mean {close}?")
        lines.append("Use an IANA name such as Europe/Kyiv, America/New_York or UTC.")
        return reply("🤔 Unknown time zone", *lines)
    sub = await ctx.subscriptions.set_timezone(cmd.target, canonical)
    return reply(f"🕒 Time zone set to {sub.timezone}.", "Dates and times are now shown there.")
