"""Questions anyone may ask: the next meeting, upcoming meetings, one meeting's history."""

from __future__ import annotations

from bot.commands.context import CommandContext
from bot.commands.names import resolve_entities
from bot.commands.registry import COMMANDS
from bot.commands.replies import reply, timezone_of, unknown_name_reply
from bot.models import IncomingCommand, Message
from bot.render import render_history, render_meeting, render_meeting_list


@COMMANDS.command(
    "next_meeting",
    args="[actor|venue]",
    description="Show the next scheduled meeting",
    aliases=("next", "nextmeeting"),
    answer_in_channel=True,
    menu_order=10,
)
async def _next_meeting(cmd: IncomingCommand, ctx: CommandContext) -> Message:
    ids, error = await _filter_from_args(cmd, ctx)
    if error:
        return error
    view = await ctx.meetings.next_meeting(ctx.now, ids)
    if view is None:
        scope = " for " + ", ".join(sorted(ids)) if ids else ""
        return reply(
            f"📭 No upcoming meeting is known{scope}.",
            "I'll alert subscribed chats as soon as one is reported.",
        )
    tz = await timezone_of(cmd, ctx)
    return render_meeting(view, ctx.watchlist, tz_name=tz, now=ctx.now)


@COMMANDS.command(
    "meetings",
    description="List upcoming meetings",
    aliases=("upcoming",),
    answer_in_channel=True,
    menu_order=20,
)
async def _meetings(cmd: IncomingCommand, ctx: CommandContext) -> Message:
    ids, error = await _filter_from_args(cmd, ctx)
    if error:
        return error
    views = await ctx.meetings.upcoming(ctx.now, ids)
    return render_meeting_list(views, ctx.watchlist)


@COMMANDS.command(
    "meeting",
    args="ID",
    description="History and sources of one meeting",
    answer_in_channel=True,
    menu_order=30,
)
async def _meeting(cmd: IncomingCommand, ctx: CommandContext) -> Message:
    raw = cmd.args[0].lstrip("#") if cmd.args else ""
    if not raw.isdigit() or len(raw) > 12:
        return reply("Which meeting?", "Usage: /meeting ID (the number after # in /meetings).")
    history = await ctx.meetings.meeting_history(int(raw), ctx.now)
    if history is None:
        return reply(f"No meeting #{raw}.", "/meetings lists the upcoming ones.")
    tz = await timezone_of(cmd, ctx)
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
        return frozenset(), unknown_name_reply(res, ctx)
    return frozenset(e.id for e in res.entities), None
