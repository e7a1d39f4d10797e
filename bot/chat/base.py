"""What every chat adapter shares: canonical command names, platform limits, inbound dedup.

Pure module (no chat library imports) so the core and the adapters can both use it.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Protocol

# --------------------------------------------------------------------------- commands


@dataclass(frozen=True)
class CommandSpec:
    name: str  # canonical: [a-z0-9_]{1,32}, the Telegram spelling
    args: str  # usage hint for the arguments, "" when none
    description: str  # one line, shown in menus and /help (Telegram: 3-256 chars)
    mutating: bool = False  # changes the chat's settings: admins only in groups

    @property
    def slack_name(self) -> str:
        """Slack slash commands are conventionally hyphenated: ``/next-meeting``."""
        return "/" + self.name.replace("_", "-")


COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec("next_meeting", "[actor|venue]", "Show the next scheduled meeting"),
    CommandSpec("meetings", "", "List upcoming meetings"),
    CommandSpec("meeting", "ID", "History and sources of one meeting"),
    CommandSpec(
        "subscribe", "[actor|venue …]", "Get alerts (everything, or only these)", mutating=True
    ),
    CommandSpec("unsubscribe", "[actor|venue … | all]", "Stop alerts", mutating=True),
    CommandSpec("subscriptions", "", "Show what this chat is subscribed to"),
    CommandSpec("watchlist", "", "List tracked actors and venues"),
    CommandSpec("timezone", "[Area/City]", "Show or set this chat's time zone", mutating=True),
    CommandSpec("help", "", "How to use this bot"),
    CommandSpec("start", "", "Start and show help"),
)

COMMAND_NAMES: frozenset[str] = frozenset(c.name for c in COMMANDS)
MUTATING_COMMANDS: frozenset[str] = frozenset(c.name for c in COMMANDS if c.mutating)

# Other spellings people type (after lower-casing and '-' → '_').
COMMAND_ALIASES: dict[str, str] = {
    "next": "next_meeting",
    "nextmeeting": "next_meeting",
    "upcoming": "meetings",
    "sub": "subscribe",
    "unsub": "unsubscribe",
    "subs": "subscriptions",
    "tz": "timezone",
}


def command_spec(name: str) -> CommandSpec | None:
    for spec in COMMANDS:
        if spec.name == name:
            return spec
    return None


# --------------------------------------------------------------------------- limits

# Telegram (python-telegram-bot constants MessageLimit / FloodLimit).
TELEGRAM_MAX_TEXT = 4096  # UTF-16 code units after entity parsing
TELEGRAM_MAX_COMMAND_DESCRIPTION = 256
TELEGRAM_COMMAND_PATTERN = r"[a-z0-9_]{1,32}"

# Slack (Block Kit and chat.postMessage guidance).
SLACK_MAX_SECTION_TEXT = 3000
SLACK_MAX_MESSAGE_TEXT = 4000  # our own budget; Slack truncates at 40,000
SLACK_MAX_BLOCKS = 50
SLACK_SIGNATURE_MAX_AGE_SECONDS = 300


# --------------------------------------------------------------------------- inbound dedup


class InboundDedup(Protocol):
    """Remembers inbound update/event ids so a redelivery has one effect.

    ``claim`` returns False when the key was already claimed. A handler that fails
    before its work is done calls ``release`` so a platform retry is processed.
    """

    async def claim(self, key: str) -> bool: ...

    async def release(self, key: str) -> None: ...


class MemoryDedup:
    """Bounded in-process dedup; enough for one process (restarts may re-handle)."""

    def __init__(self, capacity: int = 10_000) -> None:
        self._capacity = capacity
        self._seen: OrderedDict[str, None] = OrderedDict()

    async def claim(self, key: str) -> bool:
        if key in self._seen:
            return False
        self._seen[key] = None
        while len(self._seen) > self._capacity:
            self._seen.popitem(last=False)
        return True

    async def release(self, key: str) -> None:
        self._seen.pop(key, None)
