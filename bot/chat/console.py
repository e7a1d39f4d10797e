"""A ChatPlatform that prints alerts to stdout: used when no chat token is configured."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from typing import TextIO

from bot.chat.markup import console_text
from bot.models import ChatTarget, Message, SentRef
from bot.ports import CommandCallback

RULE = "─" * 60


class ConsolePlatform:
    """Writes each message as a framed block of plain text; edits are printed as notes."""

    name = "console"

    def __init__(self, out: TextIO | None = None) -> None:
        self._out = out
        self._next_id = 1
        self.on_command: CommandCallback | None = None

    @property
    def out(self) -> TextIO:
        return self._out if self._out is not None else sys.stdout

    async def start(self, on_command: CommandCallback) -> None:
        self.on_command = on_command

    async def send(self, target: ChatTarget, message: Message, *, plain: bool = False) -> SentRef:
        message_id = str(self._next_id)
        self._next_id += 1
        stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        self.out.write(f"{RULE}\n[{stamp}] to {target.chat_id} (#{message_id})\n")
        self.out.write(console_text(message) + "\n")
        self.out.flush()
        return SentRef(target=target, message_id=message_id)

    async def mark_outdated(self, ref: SentRef, note: str, original: Message | None = None) -> None:
        self.out.write(
            f"{RULE}\n(alert #{ref.message_id} to {ref.target.chat_id} is outdated: {note})\n"
        )
        self.out.flush()

    async def stop(self) -> None:
        self.out.flush()
