"""From what users type to a canonical command: slash commands and Slack mentions."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.commands.registry import COMMANDS


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
