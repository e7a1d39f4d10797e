"""In-memory implementations of bot.ports for tests of the chat side."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from bot.models import (
    Change,
    ChatTarget,
    MeetingStatus,
    MeetingView,
    SentRef,
    Subscription,
)
from bot.ports import DeliveryState, MeetingHistory, OutboxEntry, SentRecord

FINISHED = {
    DeliveryState.SENT,
    DeliveryState.FAILED_PERMANENT,
    DeliveryState.DEAD,
    DeliveryState.UNDELIVERED,
}
NOT_UPCOMING = {MeetingStatus.CANCELLED, MeetingStatus.HELD, MeetingStatus.DENIED}


class MemMeetings:
    def __init__(
        self, views: list[MeetingView] | None = None, histories: list[MeetingHistory] | None = None
    ) -> None:
        self.views = list(views or [])
        self.histories = {h.view.id: h for h in histories or []}

    def _matches(self, view: MeetingView, ids: frozenset[str]) -> bool:
        if not ids:
            return True
        return bool(ids & (set(view.state.participants) | {view.state.venue or ""}))

    async def upcoming(
        self, now: datetime, entity_ids: frozenset[str] = frozenset(), limit: int = 10
    ) -> list[MeetingView]:
        found = [
            v
            for v in self.views
            if v.state.status not in NOT_UPCOMING
            and not v.state.presumed_held
            and (v.state.date is None or v.state.date >= now.date())
            and self._matches(v, entity_ids)
        ]
        found.sort(key=lambda v: (v.state.date is None, v.state.date or now.date(), v.id))
        return found[:limit]

    async def next_meeting(
        self, now: datetime, entity_ids: frozenset[str] = frozenset()
    ) -> MeetingView | None:
        found = await self.upcoming(now, entity_ids, 1)
        return found[0] if found else None

    async def recent_changes(
        self, since: datetime, entity_ids: frozenset[str] = frozenset(), limit: int = 20
    ) -> list[Change]:
        return []

    async def meeting_history(self, meeting_id: int, now: datetime) -> MeetingHistory | None:
        return self.histories.get(meeting_id)


class MemSubscriptions:
    def __init__(self) -> None:
        self.subs: dict[ChatTarget, Subscription] = {}
        self.deactivated: dict[ChatTarget, str] = {}
        self.migrations: list[tuple[ChatTarget, ChatTarget]] = []
        self.outbox: MemOutbox | None = None  # re-keyed together, as the store does

    async def get(self, target: ChatTarget) -> Subscription | None:
        return self.subs.get(target)

    async def subscribe(self, target: ChatTarget, entity_ids: frozenset[str]) -> Subscription:
        old = self.subs.get(target)
        if old is None:
            new = Subscription(target=target, entity_ids=entity_ids)
        elif not old.active or not entity_ids or not old.entity_ids:
            keep_all = old.active and not old.entity_ids
            ids = frozenset() if keep_all or not entity_ids else entity_ids
            new = replace(old, entity_ids=ids, active=True)
        else:
            new = replace(old, entity_ids=old.entity_ids | entity_ids, active=True)
        self.subs[target] = new
        return new

    async def unsubscribe(
        self, target: ChatTarget, entity_ids: frozenset[str] | None
    ) -> Subscription | None:
        old = self.subs.get(target)
        if old is None:
            return None
        if entity_ids is None:
            self.subs[target] = replace(old, entity_ids=frozenset(), active=False)
            return None
        left = old.entity_ids - entity_ids
        if not left:
            self.subs[target] = replace(old, entity_ids=frozenset(), active=False)
            return None
        self.subs[target] = replace(old, entity_ids=left)
        return self.subs[target]

    async def set_timezone(self, target: ChatTarget, tz_name: str) -> Subscription:
        old = self.subs.get(target) or Subscription(target=target, active=False)
        self.subs[target] = replace(old, timezone=tz_name)
        return self.subs[target]

    async def migrate(self, old: ChatTarget, new: ChatTarget) -> None:
        self.migrations.append((old, new))
        sub = self.subs.pop(old, None)
        if sub is not None:
            self.subs[new] = replace(sub, target=new)
        if self.outbox is not None:
            await self.outbox.retarget(old, new)

    async def deactivate(self, target: ChatTarget, reason: str) -> None:
        self.deactivated[target] = reason
        if target in self.subs:
            self.subs[target] = replace(self.subs[target], active=False)

    async def reactivate(self, target: ChatTarget) -> None:
        self.deactivated.pop(target, None)
        if target in self.subs:
            self.subs[target] = replace(self.subs[target], active=True)

    async def active(self) -> list[Subscription]:
        return [s for s in self.subs.values() if s.active]


@dataclass
class Row:
    id: int
    target: ChatTarget
    change: Change
    due: datetime
    attempts: int = 0
    state: DeliveryState = DeliveryState.PENDING
    lease_until: datetime | None = None
    ref: SentRef | None = None
    previous_message: SentRef | None = None
    previous_change: Change | None = None
    errors: list[str] = field(default_factory=list)
    reason: str = ""
    unknown_outcomes: int = 0
    attempting: bool = False
    lease: str | None = None


class MemOutbox:
    """Rows claimed in id order, with head-of-line blocking per chat (FIFO)."""

    def __init__(self) -> None:
        self.rows: dict[int, Row] = {}
        self._next_id = 1
        self.claims = 0
        self._leases = 0

    def add(
        self,
        target: ChatTarget,
        change: Change,
        due: datetime,
        previous_message: SentRef | None = None,
    ) -> int:
        row_id = self._next_id
        self._next_id += 1
        self.rows[row_id] = Row(row_id, target, change, due, previous_message=previous_message)
        return row_id

    async def claim_due(
        self, platform: str, now: datetime, limit: int, lease_seconds: float
    ) -> list[OutboxEntry]:
        self.claims += 1
        claimed: list[OutboxEntry] = []
        self._leases += 1
        lease = f"lease-{self._leases}"
        blocked: set[ChatTarget] = set()
        for row in sorted(self.rows.values(), key=lambda r: r.id):
            if row.target.platform != platform or row.state in FINISHED:
                continue
            if row.target in blocked:
                continue
            leased = (
                row.state is DeliveryState.SENDING and row.lease_until and row.lease_until > now
            )
            if leased or row.due > now:
                blocked.add(row.target)  # an earlier row of this chat is not done: keep order
                continue
            if len(claimed) >= limit:
                break
            before = row.state
            if before is DeliveryState.SENDING and row.attempting:
                row.unknown_outcomes += 1  # its sender died mid-send
            row.attempting = False
            row.state = DeliveryState.SENDING
            row.lease_until = now + timedelta(seconds=lease_seconds)
            row.lease = lease
            claimed.append(
                OutboxEntry(
                    id=row.id,
                    target=row.target,
                    change=row.change,
                    attempts=row.attempts,
                    state=before,
                    previous_message=row.previous_message,
                    previous_change=row.previous_change,
                    unknown_outcomes=row.unknown_outcomes,
                    lease=lease,
                )
            )
        return claimed

    def _held(self, entry_id: int, lease: str | None) -> bool:
        row = self.rows[entry_id]
        return lease is None or (row.state is DeliveryState.SENDING and row.lease == lease)

    async def mark_attempting(
        self, entry_id: int, now: datetime, *, lease: str | None = None, hold_seconds: float = 0
    ) -> bool:
        row = self.rows[entry_id]
        if not self._held(entry_id, lease) or (
            lease is not None and (row.lease_until is None or row.lease_until <= now)
        ):
            return False
        row.attempting = True
        if hold_seconds > 0:
            row.lease_until = now + timedelta(seconds=hold_seconds)
        return True

    async def mark_sent(self, entry_id: int, ref: SentRef, now: datetime) -> None:
        row = self.rows[entry_id]
        row.state, row.ref, row.lease_until = DeliveryState.SENT, ref, None
        row.attempting = False

    async def mark_sent_many(self, records: Sequence[SentRecord]) -> None:
        for record in records:
            await self.mark_sent(record.entry_id, record.ref, record.at)

    async def mark_retry(
        self,
        entry_id: int,
        next_attempt_at: datetime,
        error: str,
        *,
        count_attempt: bool = True,
        lease: str | None = None,
    ) -> None:
        if not self._held(entry_id, lease):
            return
        row = self.rows[entry_id]
        row.state, row.due, row.lease_until = DeliveryState.RETRY, next_attempt_at, None
        row.attempting = False
        row.errors.append(error)
        if count_attempt:
            row.attempts += 1

    async def mark_uncertain(
        self,
        entry_id: int,
        next_attempt_at: datetime,
        error: str,
        *,
        lease: str | None = None,
        counted: bool = True,
    ) -> None:
        if not self._held(entry_id, lease):
            return
        row = self.rows[entry_id]
        row.due, row.lease_until = next_attempt_at, None
        row.attempting = False
        row.errors.append(error)
        if counted:
            row.unknown_outcomes += 1
            row.attempts += 1
        uncertain = row.unknown_outcomes > 0
        row.state = DeliveryState.UNCERTAIN if uncertain else DeliveryState.RETRY

    async def forget_unknown_outcome(self, entry_id: int) -> None:
        row = self.rows[entry_id]
        claimed = row.state is DeliveryState.SENDING
        if (row.state is DeliveryState.UNCERTAIN or claimed) and row.unknown_outcomes > 0:
            row.unknown_outcomes -= 1
            if row.unknown_outcomes == 0 and not claimed:
                row.state = DeliveryState.RETRY

    async def mark_failed(
        self, entry_id: int, state: DeliveryState, reason: str, *, lease: str | None = None
    ) -> None:
        if not self._held(entry_id, lease):
            return
        row = self.rows[entry_id]
        row.state, row.reason, row.lease_until = state, reason, None
        row.attempting = False

    async def retarget(self, old: ChatTarget, new: ChatTarget) -> None:
        for row in self.rows.values():
            if row.target == old and row.state not in FINISHED:
                row.target = new
