"""The transactional outbox (``bot.ports.Outbox``): leased claims, per-chat FIFO.

Rows are written by ``MeetingStore.record_item`` in the same transaction as the item.
A sender claims due rows under a lease; a lease that expires (the sender died, or is
too slow to reach the row) puts the row back in play. Each claim writes its own lease
token, and a send goes out only after a conditional write under that token
(``mark_attempting``) succeeds: a sender that lost a row to another never sends it.
A chat's rows go out in order: a row is never claimed while an
earlier row of the same chat is unfinished (head-of-line blocking per chat only).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Integer, Select, and_, bindparam, case, exists, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import alias

from bot.models import Change, ChatTarget, SentRef
from bot.ports import ChatSettings, DeliveryState, OutboxEntry, SentRecord
from bot.store import codec
from bot.store.engine import Database
from bot.store.schema import changes, outbox, sent_messages, subscriptions

FINISHED = (
    DeliveryState.SENT.value,
    DeliveryState.FAILED_PERMANENT.value,
    DeliveryState.DEAD.value,
    DeliveryState.UNDELIVERED.value,
)
WAITING = (DeliveryState.PENDING.value, DeliveryState.RETRY.value, DeliveryState.UNCERTAIN.value)


async def retarget_rows(conn: AsyncConnection, old: ChatTarget, new: ChatTarget) -> None:
    """Move unfinished rows and the edit-later message refs of a chat to its new id."""
    old_p, new_p = codec.platform_name(old), codec.platform_name(new)
    await conn.execute(
        update(outbox)
        .where(
            outbox.c.platform == old_p,
            outbox.c.chat_id == old.chat_id,
            outbox.c.state.not_in(FINISHED),
        )
        .values(platform=new_p, chat_id=new.chat_id)
    )
    taken = select(sent_messages.c.meeting_id).where(
        sent_messages.c.platform == new_p, sent_messages.c.chat_id == new.chat_id
    )
    await conn.execute(
        update(sent_messages)
        .where(
            sent_messages.c.platform == old_p,
            sent_messages.c.chat_id == old.chat_id,
            sent_messages.c.meeting_id.not_in(taken),
        )
        .values(platform=new_p, chat_id=new.chat_id)
    )


# Each claim walks the due index (platform, state, next_attempt_at, id) once per
# unfinished state, in that order, so it reads O(batch) rows however many are pending.
# A leased row's next_attempt_at is its lease's end: an expired lease is due like a retry.
CLAIMABLE = (*WAITING, DeliveryState.SENDING.value)


def _due_ids_query(state: str) -> Select[Any]:
    """Due rows of one state that head their chat's queue, most overdue first (bound:
    ``platform``, ``now``, ``limit``)."""
    earlier = alias(outbox, "earlier")
    blocked = exists().where(
        earlier.c.platform == outbox.c.platform,
        earlier.c.chat_id == outbox.c.chat_id,
        earlier.c.state.in_(CLAIMABLE),
        earlier.c.id < outbox.c.id,
    )
    now = bindparam("now", type_=outbox.c.next_attempt_at.type)
    conditions = [
        outbox.c.platform == bindparam("platform"),
        outbox.c.state == state,
        outbox.c.next_attempt_at <= now,
        ~blocked,
    ]
    if state == DeliveryState.SENDING.value:
        conditions.append(outbox.c.lease_until <= now)  # rows leased before this rule
    return (
        select(outbox.c.id)
        .where(*conditions)
        .order_by(outbox.c.next_attempt_at, outbox.c.id)
        .limit(bindparam("limit", type_=Integer()))
    )


# built once: a claim runs them several times a second during a fan-out
_DUE_IDS = {state: _due_ids_query(state) for state in CLAIMABLE}


def _due_ids(platform: str, state: str, now: datetime, limit: int) -> Any:
    """The due-rows query of one state with its values bound."""
    return _DUE_IDS[state].params(platform=platform, now=now, limit=limit)


async def claim_query_plan(db: Database, platform: str, now: datetime, limit: int) -> list[str]:
    """SQLite's plan for each query of a claim (``EXPLAIN QUERY PLAN`` details)."""

    async def work(conn: AsyncConnection) -> list[str]:
        queries = [_due_ids(platform, state, now, limit) for state in CLAIMABLE]
        queries.append(_claimed_rows([1, 2, 3]))
        details: list[str] = []
        for query in queries:
            compiled = query.compile(conn.sync_connection, compile_kwargs={"literal_binds": True})
            plan = await conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}")
            details.extend(str(row[-1]) for row in plan)
        return details

    return await db.read(work)


def _claimed_rows_query() -> Select[Any]:
    """What a claim hands out per row: the row, its meeting, the earlier alert about that
    meeting in the chat (and the change it told of), the chat's subscription (bound:
    ``ids``)."""
    prev = alias(outbox, "prev")
    previous_change_id = (
        select(prev.c.change_id)
        .where(
            prev.c.platform == outbox.c.platform,
            prev.c.chat_id == outbox.c.chat_id,
            prev.c.sent_message_id == sent_messages.c.message_id,
        )
        .order_by(prev.c.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    return (
        select(
            outbox.c.id,
            outbox.c.chat_id,
            outbox.c.change_id,
            outbox.c.attempts,
            outbox.c.state,
            outbox.c.attempt_started_at,
            outbox.c.unknown_outcomes,
            sent_messages.c.message_id.label("previous_message_id"),
            previous_change_id.label("previous_change_id"),
            subscriptions.c.active,
            subscriptions.c.timezone,
        )
        .select_from(
            outbox.join(changes, changes.c.id == outbox.c.change_id)
            .outerjoin(
                sent_messages,
                and_(
                    sent_messages.c.platform == outbox.c.platform,
                    sent_messages.c.chat_id == outbox.c.chat_id,
                    sent_messages.c.meeting_id == changes.c.meeting_id,
                ),
            )
            .outerjoin(
                subscriptions,
                and_(
                    subscriptions.c.platform == outbox.c.platform,
                    subscriptions.c.chat_id == outbox.c.chat_id,
                ),
            )
        )
        .where(outbox.c.id.in_(bindparam("ids", expanding=True)))
        .order_by(outbox.c.id)
    )


_CLAIMED_ROWS = _claimed_rows_query()


def _claimed_rows(ids: Sequence[int]) -> Any:
    return _CLAIMED_ROWS.params(ids=list(ids))


def _changes_by_id(conn: Connection, ids: set[int]) -> dict[int, Change]:
    """Each change once, however many rows of the claim alert it (a fan-out: all)."""
    found = conn.execute(select(changes).where(changes.c.id.in_(ids))).mappings()
    return {row["id"]: codec.change_from_row(row) for row in found}


def claimed_entry(
    platform: str, r: RowMapping, found: dict[int, Change], lease: str
) -> OutboxEntry:
    """The entry a claim hands out for one row read before the claim's update."""
    target = codec.target(platform, r["chat_id"])
    prev = r["previous_message_id"]
    previous_change = found.get(r["previous_change_id"]) if prev else None
    crashed_mid_send = (
        r["state"] == DeliveryState.SENDING.value and r["attempt_started_at"] is not None
    )
    active = True if r["active"] is None else bool(r["active"])
    return OutboxEntry(
        id=r["id"],
        target=target,
        change=found[r["change_id"]],
        attempts=r["attempts"],
        state=DeliveryState(r["state"]),
        previous_message=SentRef(target, prev) if prev else None,
        previous_change=previous_change,
        unknown_outcomes=r["unknown_outcomes"] + (1 if crashed_mid_send else 0),
        lease=lease,
        chat=ChatSettings(active=active, timezone=r["timezone"] or "UTC"),
    )


@dataclass(frozen=True)
class OutboxRow:
    """One outbox row as ``bot outbox`` lists it."""

    id: int
    platform: str
    chat_id: str
    state: str
    attempts: int
    unknown_outcomes: int
    next_attempt_at: datetime
    updated_at: datetime
    meeting_id: int
    kind: str
    last_error: str | None


_MARK_SENT = (
    update(outbox)
    .where(outbox.c.id == bindparam("row_id"))
    .values(
        state=DeliveryState.SENT.value,
        sent_message_id=bindparam("message_id"),
        lease_until=None,
        lease_token=None,
        attempt_started_at=None,
        attempts=outbox.c.attempts + 1,
        last_error=None,
        updated_at=bindparam("at", type_=outbox.c.updated_at.type),
    )
)


_WHEN = outbox.c.lease_until.type
# The conditional write before a send: only under the lease that still holds the row
# (an expired lease is gone even if nobody took it), which it extends over the send.
_MARK_ATTEMPTING = (
    update(outbox)
    .where(
        outbox.c.id == bindparam("row_id"),
        outbox.c.state == DeliveryState.SENDING.value,
        outbox.c.lease_token == bindparam("lease"),
        outbox.c.lease_until > bindparam("now", type_=_WHEN),
    )
    .values(attempt_started_at=bindparam("now", type_=_WHEN))
)
_MARK_ATTEMPTING_AND_HOLD = _MARK_ATTEMPTING.values(
    lease_until=bindparam("hold", type_=_WHEN),
    next_attempt_at=bindparam("hold", type_=_WHEN),  # due again when it runs out
)


def _upsert_sent_message(conn: Connection) -> Any:
    return _UPSERT_SENT_MESSAGE[conn.dialect.name == "postgresql"]


def _upsert_sent_message_query(dialect: Any) -> Any:
    """Insert or update the (platform, chat, meeting) → newest message ref, per row."""
    insert_ = dialect.insert(sent_messages).values(
        platform=bindparam("platform"),
        chat_id=bindparam("chat_id"),
        meeting_id=bindparam("meeting_id"),
        message_id=bindparam("message_id"),
        sent_at=bindparam("at", type_=sent_messages.c.sent_at.type),
    )
    return insert_.on_conflict_do_update(
        index_elements=["platform", "chat_id", "meeting_id"],
        set_={"message_id": insert_.excluded.message_id, "sent_at": insert_.excluded.sent_at},
    )


_UPSERT_SENT_MESSAGE = {
    False: _upsert_sent_message_query(sqlite),
    True: _upsert_sent_message_query(postgresql),
}


class OutboxStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def claim_due(
        self, platform: str, now: datetime, limit: int, lease_seconds: float
    ) -> list[OutboxEntry]:
        """Lease due rows (pending/retry/uncertain whose time has come, expired leases)."""
        if limit <= 0:
            return []

        def work(conn: Connection) -> list[OutboxEntry]:
            due: list[int] = []
            for state in CLAIMABLE:
                query = _due_ids(platform, state, now, limit)
                if conn.dialect.name == "postgresql":
                    query = query.with_for_update(of=outbox, skip_locked=True)
                due.extend(conn.execute(query).scalars())
            # the oldest alerts first among each state's most overdue
            ids = sorted(due)[:limit]
            if not ids:
                return []
            rows = conn.execute(_claimed_rows(ids)).mappings().all()
            lease = uuid.uuid4().hex
            lease_until = now + timedelta(seconds=lease_seconds)
            # A lease that expired with a send under way: that send may have arrived.
            crashed_mid_send = and_(
                outbox.c.state == DeliveryState.SENDING.value,
                outbox.c.attempt_started_at.is_not(None),
            )
            conn.execute(
                update(outbox)
                .where(outbox.c.id.in_(ids))
                .values(
                    state=DeliveryState.SENDING.value,
                    lease_until=lease_until,
                    next_attempt_at=lease_until,  # due again only if the lease runs out
                    lease_token=lease,
                    unknown_outcomes=outbox.c.unknown_outcomes
                    + case((crashed_mid_send, 1), else_=0),
                    attempt_started_at=None,
                    updated_at=now,
                )
            )
            wanted = {r["change_id"] for r in rows}
            wanted |= {r["previous_change_id"] for r in rows if r["previous_change_id"]}
            found = _changes_by_id(conn, wanted)
            return [claimed_entry(platform, r, found, lease) for r in rows]

        return await self.db.write_blocking(work)

    async def mark_sent(self, entry_id: int, ref: SentRef, now: datetime) -> None:
        async def meeting_of_row(conn: AsyncConnection) -> int | None:
            found = await conn.execute(
                select(changes.c.meeting_id)
                .join(outbox, outbox.c.change_id == changes.c.id)
                .where(outbox.c.id == entry_id)
            )
            return found.scalar_one_or_none()

        meeting_id = await self.db.read(meeting_of_row)
        await self.mark_sent_many([SentRecord(entry_id, meeting_id or 0, ref, now)])

    async def mark_sent_many(self, records: Sequence[SentRecord]) -> None:
        """Sent, whoever holds the lease; the earlier-alert ref of each (chat, meeting)
        points at the newest message. One transaction, a statement per table."""
        if not records:
            return
        rows = [
            {
                "row_id": r.entry_id,
                "message_id": r.ref.message_id,
                "at": r.at,
                "platform": codec.platform_name(r.ref.target),
                "chat_id": r.ref.target.chat_id,
                "meeting_id": r.meeting_id,
            }
            for r in records
        ]

        def work(conn: Connection) -> None:
            conn.execute(_MARK_SENT, rows)
            refs = [r for r in rows if r["meeting_id"]]
            if refs:
                conn.execute(_upsert_sent_message(conn), refs)

        await self.db.write_blocking(work)

    async def _set(self, entry_id: int, lease: str | None, **values: object) -> bool:
        """Update one row; with ``lease``, only while that lease still holds it."""
        conditions = [outbox.c.id == entry_id]
        if lease is not None:
            conditions += [
                outbox.c.state == DeliveryState.SENDING.value,
                outbox.c.lease_token == lease,
            ]

        def work(conn: Connection) -> bool:
            return bool(conn.execute(update(outbox).where(*conditions).values(**values)).rowcount)

        return await self.db.write_blocking(work)

    async def mark_attempting(
        self, entry_id: int, now: datetime, *, lease: str | None = None, hold_seconds: float = 0
    ) -> bool:
        values: dict[str, object] = {"attempt_started_at": now}
        if hold_seconds > 0:
            values["lease_until"] = now + timedelta(seconds=hold_seconds)
            values["next_attempt_at"] = values["lease_until"]  # due again when it runs out
        if lease is None:
            return await self._set(entry_id, None, **values)
        bound = {"row_id": entry_id, "lease": lease, "now": now}
        statement = _MARK_ATTEMPTING
        if hold_seconds > 0:
            bound["hold"] = values["lease_until"]
            statement = _MARK_ATTEMPTING_AND_HOLD

        def work(conn: Connection) -> bool:
            return bool(conn.execute(statement, bound).rowcount)

        return await self.db.write_blocking(work)

    async def mark_retry(
        self,
        entry_id: int,
        next_attempt_at: datetime,
        error: str,
        *,
        count_attempt: bool = True,
        lease: str | None = None,
    ) -> None:
        await self._set(
            entry_id,
            lease,
            state=DeliveryState.RETRY.value,
            next_attempt_at=next_attempt_at,
            lease_until=None,
            lease_token=None,
            attempt_started_at=None,
            last_error=error,
            attempts=outbox.c.attempts + (1 if count_attempt else 0),
        )

    async def mark_uncertain(
        self,
        entry_id: int,
        next_attempt_at: datetime,
        error: str,
        *,
        lease: str | None = None,
        counted: bool = True,
    ) -> None:
        if counted:  # one more send whose outcome is unknown
            counts: dict[str, object] = {
                "state": DeliveryState.UNCERTAIN.value,
                "attempts": outbox.c.attempts + 1,
                "unknown_outcomes": outbox.c.unknown_outcomes + 1,
            }
        else:  # given back untried: uncertain while an unknown outcome remains
            counts = {
                "state": case(
                    (outbox.c.unknown_outcomes > 0, DeliveryState.UNCERTAIN.value),
                    else_=DeliveryState.RETRY.value,
                )
            }
        await self._set(
            entry_id,
            lease,
            next_attempt_at=next_attempt_at,
            lease_until=None,
            lease_token=None,
            attempt_started_at=None,
            last_error=error,
            **counts,
        )

    async def forget_unknown_outcome(self, entry_id: int) -> None:
        only_one = outbox.c.unknown_outcomes <= 1
        uncertain = outbox.c.state == DeliveryState.UNCERTAIN.value

        async def work(conn: AsyncConnection) -> None:
            await conn.execute(
                update(outbox)
                .where(
                    outbox.c.id == entry_id,
                    # a row claimed meanwhile keeps its state: its sender gives it back
                    outbox.c.state.in_(
                        [DeliveryState.UNCERTAIN.value, DeliveryState.SENDING.value]
                    ),
                    outbox.c.unknown_outcomes > 0,
                )
                .values(
                    unknown_outcomes=outbox.c.unknown_outcomes - 1,
                    # nothing may have arrived any more: an ordinary retry
                    state=case(
                        (uncertain & only_one, DeliveryState.RETRY.value), else_=outbox.c.state
                    ),
                )
            )

        await self.db.write(work)

    async def mark_failed(
        self, entry_id: int, state: DeliveryState, reason: str, *, lease: str | None = None
    ) -> None:
        await self._set(
            entry_id,
            lease,
            state=state.value,
            lease_until=None,
            lease_token=None,
            attempt_started_at=None,
            last_error=reason,
        )

    async def retarget(self, old: ChatTarget, new: ChatTarget) -> None:
        async def work(conn: AsyncConnection) -> None:
            await retarget_rows(conn, old, new)

        await self.db.write(work)

    async def listing(self, states: Sequence[str] | None, limit: int) -> list[OutboxRow]:
        """Rows in these states (all when None), newest first."""
        query = (
            select(outbox, changes.c.meeting_id, changes.c.kind)
            .join(changes, changes.c.id == outbox.c.change_id)
            .order_by(outbox.c.id.desc())
            .limit(limit)
        )
        if states is not None:
            query = query.where(outbox.c.state.in_(list(states)))

        async def work(conn: AsyncConnection) -> list[OutboxRow]:
            found = (await conn.execute(query)).mappings().all()
            return [
                OutboxRow(
                    id=r[outbox.c.id],
                    platform=r[outbox.c.platform],
                    chat_id=r[outbox.c.chat_id],
                    state=r[outbox.c.state],
                    attempts=r[outbox.c.attempts],
                    unknown_outcomes=r[outbox.c.unknown_outcomes],
                    next_attempt_at=r[outbox.c.next_attempt_at],
                    updated_at=r[outbox.c.updated_at],
                    meeting_id=r[changes.c.meeting_id],
                    kind=r[changes.c.kind],
                    last_error=r[outbox.c.last_error],
                )
                for r in found
            ]

        return await self.db.read(work)

    async def resend_undelivered(self, entry_id: int, now: datetime) -> bool:
        """A person checked the chat and the alert is not there: send it again (once more
        under the two-copy bound). False when the row is not parked as undelivered."""

        async def work(conn: AsyncConnection) -> bool:
            result = await conn.execute(
                update(outbox)
                .where(outbox.c.id == entry_id, outbox.c.state == DeliveryState.UNDELIVERED.value)
                .values(
                    state=DeliveryState.RETRY.value,
                    unknown_outcomes=0,
                    next_attempt_at=now,
                    last_error="resent by an operator after checking the chat",
                    updated_at=now,
                )
            )
            return bool(result.rowcount)

        return await self.db.write(work)

    async def counts(self) -> dict[str, int]:
        """Rows per state (health output)."""

        async def work(conn: AsyncConnection) -> dict[str, int]:
            from sqlalchemy import func

            rows = await conn.execute(select(outbox.c.state, func.count()).group_by(outbox.c.state))
            return {str(s): int(n) for s, n in rows}

        return await self.db.read(work)
