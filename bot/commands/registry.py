"""The command table: each command declared once, beside its handler, with a decorator.

A ``Command`` carries everything the rest of the bot derives from it: the canonical
name, other spellings people type, the argument hint, who may run it, the help text
and whether its answer is meant for the whole channel. The dispatch (``dispatch``),
Telegram's command menus, both platforms' help and Slack's reply visibility come from it.
Pure module: no chat library, no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from bot.models import CommandStyle, IncomingCommand, Message

# The context type is the core's CommandContext; Any keeps this module below it.
Handler = Callable[[IncomingCommand, Any], Awaitable[Message]]

# Telegram accepts [a-z0-9_]{1,32}; Slack also accepts '-', which we use for its spelling.
CANONICAL_NAME = re.compile(r"[a-z0-9_]{1,32}")


class Access(StrEnum):
    """Who may run a command in a group or channel (everyone may in a private chat)."""

    EVERYONE = "everyone"
    ADMINS = "admins"  # it changes the chat's settings
    ADMINS_TO_CHANGE = "admins_to_change"  # bare form shows a setting; with arguments, sets it


@dataclass(frozen=True)
class Command:
    name: str  # canonical: [a-z0-9_]{1,32}
    handler: Handler
    description: str  # one line, shown in menus and /help
    args: str = ""  # usage hint for the arguments, "" when none
    aliases: tuple[str, ...] = ()  # other spellings people type (lower case, '_' for '-')
    access: Access = Access.EVERYONE
    answer_in_channel: bool = False  # a read-only answer everyone in the channel may see
    listed: bool = True  # shown in menus and /help
    menu_order: int = 1000  # place in menus and /help, smallest first

    def needs_admin(self, args: tuple[str, ...]) -> bool:
        """Does running it with these arguments need a chat admin (outside private chats)?"""
        if self.access is Access.ADMINS_TO_CHANGE:
            return bool(args)
        return self.access is Access.ADMINS

    def spelled(self, style: CommandStyle) -> str:
        return slash(self.name, style)

    def usage(self, style: CommandStyle) -> str:
        return self.spelled(style) + (f" {self.args}" if self.args else "")


def slash(name: str, style: CommandStyle) -> str:
    """How a user types the command on a platform: ``/next_meeting`` or ``/next-meeting``."""
    if style is CommandStyle.HYPHEN:
        return "/" + name.replace("_", "-")
    return "/" + name


class CommandRegistry:
    """Commands by canonical name and alias, in menu order (``menu_order``)."""

    def __init__(self) -> None:
        self._commands: dict[str, Command] = {}
        self._aliases: dict[str, str] = {}

    def command(
        self,
        name: str,
        *,
        description: str,
        args: str = "",
        aliases: tuple[str, ...] = (),
        access: Access = Access.EVERYONE,
        answer_in_channel: bool = False,
        listed: bool = True,
        menu_order: int = 1000,
    ) -> Callable[[Handler], Handler]:
        """Decorator: declare the decorated coroutine as the command ``name``."""

        def register(handler: Handler) -> Handler:
            self.add(
                Command(
                    name,
                    handler,
                    description,
                    args,
                    aliases,
                    access,
                    answer_in_channel,
                    listed,
                    menu_order,
                )
            )
            return handler

        return register

    def add(self, command: Command) -> None:
        if not CANONICAL_NAME.fullmatch(command.name):
            raise ValueError(f"command name {command.name!r} is not [a-z0-9_]{{1,32}}")
        taken = set(self._commands) | set(self._aliases)
        for word in (command.name, *command.aliases):
            if word in taken:
                raise ValueError(f"command word {word!r} is declared twice")
        self._commands[command.name] = command
        self._aliases.update(dict.fromkeys(command.aliases, command.name))

    def canonical(self, word: str) -> str:
        """``Next-Meeting`` → ``next_meeting``; aliases resolved; unknown words normalised."""
        norm = word.strip().lower().replace("-", "_")
        return self._aliases.get(norm, norm)

    def get(self, name: str) -> Command | None:
        return self._commands.get(name)

    def names(self) -> frozenset[str]:
        return frozenset(self._commands)

    def listed(self) -> tuple[Command, ...]:
        return tuple(c for c in self if c.listed)

    def __iter__(self) -> Iterator[Command]:
        return iter(sorted(self._commands.values(), key=lambda c: c.menu_order))

    def __contains__(self, name: object) -> bool:
        return name in self._commands


COMMANDS = CommandRegistry()  # filled by the @COMMANDS.command declarations of the handlers
