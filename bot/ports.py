"""Interfaces between the platform-free core and the adapters around it.

The store implements the repositories; the chat adapters implement ChatPlatform.
The core (commands, notify logic) depends on these protocols only, so it is
tested with in-memory implementations and never imports a database or chat library.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Protocol

from bot.models import (
    Change,
    ChatTarget,
    IncomingCommand,
    MeetingView,
    Message,
    SentRef,
    Subscription,
)

# What tells the time. Injected everywhere, so tests and replays set it; nothing reads
# the wall clock except ``utc_now``, the default outside tests.
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


# --------------------------------------------------------------------------- queries


@dataclass(frozen=True)
class MeetingHistory:
    """Everything `/meeting ID` and `bot meeting ID` show."""

    view: MeetingView
    changes: tuple[Change, ...]
    explanation: tuple[str, ...]  # why the meeting is in its current state, rule by rule


class MeetingQueries(Protocol):
    """Read side of the timeline. ``now`` is always passed in, never read inside."""

    async def next_meeting(
        self, now: datetime, entity_ids: frozenset[str] = frozenset()
    ) -> MeetingView | None: ...

    async def upcoming(
        self, now: datetime, entity_ids: frozenset[str] = frozenset(), limit: int = 10
    ) -> list[MeetingView]: ...

    async def recent_changes(
        self, since: datetime, entity_ids: frozenset[str] = frozenset(), limit: int = 20
    ) -> list[Change]: ...

    async def meeting_history(self, meeting_id: int, now: datetime) -> MeetingHistory | None: ...


class SubscriptionRepository(Protocol):
    async def get(self, target: ChatTarget) -> Subscription | None: ...

    async def subscribe(self, target: ChatTarget, entity_ids: frozenset[str]) -> Subscription:
        """Subscribe (empty set = everything); adds to an existing filter. Idempotent."""
        ...

    async def unsubscribe(
        self, target: ChatTarget, entity_ids: frozenset[str] | None
    ) -> Subscription | None:
        """Remove some ids, or everything when ``entity_ids`` is None. Returns what remains."""
        ...

    async def set_timezone(self, target: ChatTarget, tz_name: str) -> Subscription: ...

    async def migrate(self, old: ChatTarget, new: ChatTarget) -> None:
        """Re-key a chat (Telegram group → supergroup), pending deliveries included."""
        ...

    async def deactivate(self, target: ChatTarget, reason: str) -> None:
        """Stop sending there (bot blocked/removed) but keep the data."""
        ...

    async def reactivate(self, target: ChatTarget) -> None: ...

    async def active(self) -> list[Subscription]: ...


# --------------------------------------------------------------------------- delivery


class DeliveryState(StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # leased by a sender
    SENT = "sent"
    RETRY = "retry"
    UNCERTAIN = "uncertain"  # outcome unknown: retried at most once
    FAILED_PERMANENT = "failed_permanent"
    DEAD = "dead"
    # not confirmed after two sends whose outcome is unknown: never sent a third time,
    # kept for a person to check (``bot outbox``, ``bot health``)
    UNDELIVERED = "undelivered"


@dataclass(frozen=True)
class OutboxEntry:
    id: int
    target: ChatTarget
    change: Change
    attempts: int
    state: DeliveryState
    # the earlier alert about the same meeting in this chat, to mark outdated, and the
    # change it told of (its words are rebuilt from it: right after a restart too)
    previous_message: SentRef | None = None
    previous_change: Change | None = None
    # sends of this row whose outcome is unknown: timed out after leaving, or in flight
    # when the sender died. One such send may be retried; after two, never again.
    unknown_outcomes: int = 0
    # this claim's lease on the row; writes made under a lost lease do nothing
    lease: str | None = None
    # the chat's subscription as the claim found it (None: not read with the claim; the
    # sender asks the subscriptions then). A chat with no subscription row is active, UTC.
    chat: ChatSettings | None = None


@dataclass(frozen=True)
class ChatSettings:
    """What sending to a chat needs from its subscription."""

    active: bool = True
    timezone: str = "UTC"


@dataclass(frozen=True)
class SentRecord:
    """A send the platform answered with a message id, to be recorded as sent."""

    entry_id: int
    meeting_id: int
    ref: SentRef
    at: datetime


class Outbox(Protocol):
    async def claim_due(
        self, platform: str, now: datetime, limit: int, lease_seconds: float
    ) -> list[OutboxEntry]:
        """Lease due rows (pending/retry/uncertain whose time has come, expired leases)."""
        ...

    async def mark_attempting(
        self, entry_id: int, now: datetime, *, lease: str | None = None, hold_seconds: float = 0
    ) -> bool:
        """Record that a send is about to leave, if ``lease`` still holds the row (and
        extend it by ``hold_seconds``): if the sender dies now, the outcome of this row is
        unknown. False: the lease is gone (expired or taken), so the send must not go."""
        ...

    async def mark_sent(self, entry_id: int, ref: SentRef, now: datetime) -> None:
        """The platform answered with a message id: sent, whoever holds the lease."""
        ...

    async def mark_sent_many(self, records: Sequence[SentRecord]) -> None:
        """``mark_sent`` for several rows in one transaction (all or none)."""
        ...

    async def mark_retry(
        self,
        entry_id: int,
        next_attempt_at: datetime,
        error: str,
        *,
        count_attempt: bool = True,
        lease: str | None = None,
    ) -> None: ...

    async def mark_uncertain(
        self,
        entry_id: int,
        next_attempt_at: datetime,
        error: str,
        *,
        lease: str | None = None,
        counted: bool = True,
    ) -> None:
        """Due again at ``next_attempt_at``; ``counted``: after a send with no answer (one
        more unknown outcome), else given back untried with its counts unchanged."""
        ...

    async def forget_unknown_outcome(self, entry_id: int) -> None:
        """A late answer said the send did not take effect: one unknown outcome fewer."""
        ...

    async def mark_failed(
        self, entry_id: int, state: DeliveryState, reason: str, *, lease: str | None = None
    ) -> None: ...

    async def retarget(self, old: ChatTarget, new: ChatTarget) -> None: ...


# --------------------------------------------------------------------------- chat


CommandCallback = Callable[[IncomingCommand], Awaitable[Message]]


class ChatError(Exception):
    """A classified failure from a chat platform, raised by ChatPlatform.send/edit."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class RateLimited(ChatError):
    """429: wait ``retry_after`` seconds; not counted as a failure."""


class TransientError(ChatError):
    """5xx, connection refused, connect timeout: the request never took effect; retry."""


class AmbiguousSendError(ChatError):
    """Timed out after the request left: it may have been delivered."""


class PermanentChatError(ChatError):
    """Blocked, removed, chat not found, archived, not in channel: stop sending there."""


class ChatMigratedError(ChatError):
    def __init__(self, message: str, new_target: ChatTarget) -> None:
        super().__init__(message)
        self.new_target = new_target


class FormattingError(ChatError):
    """The platform rejected our markup: resend once as plain text."""


class FatalPlatformError(ChatError):
    """Bad token, revoked auth, missing scope: pause the platform, keep rows pending."""


class ChatPlatform(Protocol):
    name: str

    async def start(self, on_command: CommandCallback) -> None: ...

    async def send(
        self, target: ChatTarget, message: Message, *, plain: bool = False
    ) -> SentRef: ...

    async def mark_outdated(self, ref: SentRef, note: str, original: Message | None = None) -> None:
        """Edit an earlier alert to say it is outdated, keeping its words (``original``)."""
        ...

    async def stop(self) -> None: ...
