"""Platform-free commands: (IncomingCommand, CommandContext) → Message.

Adapters translate their platform's spelling into a canonical IncomingCommand
(see ``parse_command``), call ``handle`` and send back the Message it returns. Each
command is declared once, on its handler, with ``@COMMANDS.command(...)``: the
dispatch, the help, Telegram's menus and Slack's reply visibility all come from there.

Modules: ``registry`` (the table), ``parsing``, ``limiter``, ``context``, ``names``
(watchlist words), ``replies`` (shared reply pieces), the commands by subject
(``reading``, ``subscribing``, ``timezone``, ``help``) and ``dispatch`` (``handle``).
Importing the package imports every subject module, so the table is complete; menus
and /help follow each declaration's ``menu_order``.
"""

from __future__ import annotations

from bot.commands import help as help_  # noqa: F401  (declarations fill the table)
from bot.commands import reading, subscribing, timezone  # noqa: F401
from bot.commands.context import CommandContext
from bot.commands.dispatch import handle, may_run
from bot.commands.help import help_message
from bot.commands.limiter import CommandRateLimiter
from bot.commands.names import Resolution, alias_index, resolve_entities, suggest
from bot.commands.parsing import ParsedCommand, canonical_name, parse_command, parse_mention
from bot.commands.registry import COMMANDS, Access, Command, CommandRegistry
from bot.commands.replies import SILENT
from bot.commands.timezone import validate_timezone

__all__ = [
    "COMMANDS",
    "SILENT",
    "Access",
    "Command",
    "CommandContext",
    "CommandRateLimiter",
    "CommandRegistry",
    "ParsedCommand",
    "Resolution",
    "alias_index",
    "canonical_name",
    "handle",
    "help_message",
    "may_run",
    "parse_command",
    "parse_mention",
    "resolve_entities",
    "suggest",
    "validate_timezone",
]
