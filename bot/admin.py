"""Notices to an operator's chat: a feed failing or back, a chat that blocked the bot, an
alert parked as undelivered.

The admin chat is optional (``[general] admin_chat = "telegram:123456"`` or
``"slack:C0123ABC"``). Notices go straight to the platform, not through the outbox:
they are about the bot itself, each one is also a log line and shows in ``bot health``
or ``bot feeds``, and a notice that cannot be sent (the admin chat's own platform is
down) must not queue up behind, or retry in front of, subscribers' alerts. A notice
that fails is logged once and dropped.

The same notice (same text) is sent at most once per ``repeat_after``: a feed that
flaps, or a burst of parked alerts to one chat, does not flood the admin chat.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from datetime import datetime, timedelta

from bot.models import ChatTarget, Message, Platform
from bot.ports import ChatError, ChatPlatform, Clock

log = logging.getLogger(__name__)


class AdminChatError(ValueError):
    """An ``admin_chat`` setting that names no usable chat."""


def parse_admin_chat(value: str) -> ChatTarget | None:
    """``"telegram:123"`` → the chat; ``""`` → None (no admin chat)."""
    text = value.strip()
    if not text:
        return None
    platform, sep, chat_id = text.partition(":")
    if not sep or not chat_id.strip():
        raise AdminChatError(
            f"admin_chat {value!r} is not PLATFORM:CHAT_ID (e.g. telegram:123456 or slack:C0123)"
        )
    known = {Platform.TELEGRAM.value, Platform.SLACK.value, Platform.CONSOLE.value}
    if platform.strip().lower() not in known:
        raise AdminChatError(
            f"admin_chat {value!r}: unknown platform {platform!r} (one of {sorted(known)})"
        )
    return ChatTarget(Platform(platform.strip().lower()), chat_id.strip())


# --------------------------------------------------------------------------- wording


def feed_failing_notice(feed_id: str, errors: int, last_error: str) -> Message:
    return Message(
        headline=f"⚠️ Feed {feed_id} is failing",
        lines=(
            f"{errors} polls in a row failed; the last said: {last_error}",
            "It is retried with backoff; `bot feeds` shows its state.",
        ),
    )


def feed_recovered_notice(feed_id: str) -> Message:
    return Message(headline=f"✅ Feed {feed_id} works again")


def chat_lost_notice(target: ChatTarget, reason: str) -> Message:
    return Message(
        headline=f"🚫 {target.platform} chat {target.chat_id} blocked or removed the bot",
        lines=(
            f"The platform said: {reason}",
            "Its subscription is paused; it resumes when someone there subscribes again.",
        ),
    )


# --------------------------------------------------------------------------- sending


class AdminNotifier:
    """Sends notices to the admin chat, each distinct one at most once per ``repeat_after``."""

    def __init__(
        self,
        target: ChatTarget,
        platforms: Mapping[str, ChatPlatform],
        clock: Clock,
        *,
        repeat_after: timedelta = timedelta(hours=1),
    ) -> None:
        self.target = target
        self.platforms = platforms
        self.clock = clock
        self.repeat_after = repeat_after
        self._last_sent: dict[str, datetime] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    async def notify(self, message: Message) -> bool:
        """Send ``message`` now unless it was sent recently; True when it went out."""
        now = self.clock()
        key = "\n".join((message.headline, *message.lines))
        last = self._last_sent.get(key)
        if last is not None and now - last < self.repeat_after:
            return False
        platform = self.platforms.get(self.target.platform)
        if platform is None:
            log.warning(
                "admin chat %s:%s: that platform is not running; notice not sent: %s",
                self.target.platform,
                self.target.chat_id,
                message.headline,
            )
            return False
        self._last_sent[key] = now
        try:
            await platform.send(self.target, message)
        except ChatError as exc:
            log.warning("admin chat notice not sent (%s): %s", exc, message.headline)
            return False
        return True

    def notify_soon(self, message: Message) -> None:
        """``notify`` from synchronous code (a callback): runs as a task, never raises."""
        task = asyncio.get_running_loop().create_task(self._notify_quietly(message))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _notify_quietly(self, message: Message) -> None:
        try:
            await self.notify(message)
        except Exception:  # an adapter bug must not reach the caller's loop
            log.exception("admin chat notice failed: %s", message.headline)

    async def drain(self) -> None:
        """Wait for notices still being sent (before shutting the platforms down)."""
        if self._tasks:
            await asyncio.gather(*tuple(self._tasks), return_exceptions=True)


__all__ = [
    "AdminChatError",
    "AdminNotifier",
    "chat_lost_notice",
    "feed_failing_notice",
    "feed_recovered_notice",
    "parse_admin_chat",
]
