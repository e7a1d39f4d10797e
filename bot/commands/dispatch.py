"""Running one command: rate limit first, then the table, then who may run it."""

from __future__ import annotations

from bot.commands.context import CommandContext
from bot.commands.names import suggest
from bot.commands.parsing import canonical_name
from bot.commands.registry import COMMANDS, Command, slash
from bot.commands.replies import SILENT, reply
from bot.models import ChatType, CommandStyle, IncomingCommand, Message
from bot.render import shorten


def _unknown_command(name: str, style: CommandStyle) -> Message:
    shown = shorten(name, 40)
    close = suggest(name, sorted(COMMANDS.names()))
    first = f"I don't know {slash(shown, style)}."
    if close:
        first += f" Did you mean {slash(close, style)}?"
    return reply(
        "🤔 Unknown command",
        first,
        "Commands: " + ", ".join(c.spelled(style) for c in COMMANDS.listed()),
    )


def _refusal(command: Command, style: CommandStyle) -> Message:
    return reply(
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
            return reply("⏳ Too many commands — please wait a few seconds and try again.")
        return SILENT  # adapters send nothing for an empty message
    name = canonical_name(cmd.name)
    command = COMMANDS.get(name)
    if command is None:
        return _unknown_command(name, cmd.style)
    if not await may_run(command, cmd):
        return _refusal(command, cmd.style)
    return await command.handler(cmd, ctx)
