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

from sqlalchemy import and_, case, exists, or_, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import alias

from bot.models import Change, ChatTarget, SentRef
from bot.ports import DeliveryState, OutboxEntry
from bot.store import codec
from bot.store.engine import Database
from bot.store.schema import changes, outbox, sent_messages
from bot.store.upsert import insert_ignore

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


async def claimed_entry(
    conn: AsyncConnection, platform: str, r: RowMapping, lease: str
) -> OutboxEntry:
    """The entry a claim hands out for one row read before the claim's update."""
    change = codec.change_from_row({c.name: r[c] for c in changes.c})
    chat_id = r[outbox.c.chat_id]
    prev = (
        await conn.execute(
            select(sent_messages.c.message_id).where(
                sent_messages.c.platform == platform,
                sent_messages.c.chat_id == chat_id,
                sent_messages.c.meeting_id == change.meeting_id,
            )
        )
    ).scalar_one_or_none()
    target = codec.target(platform, chat_id)
    previous_change = await _change_sent_as(conn, platform, chat_id, prev) if prev else None
    crashed_mid_send = (
        r[outbox.c.state] == DeliveryState.SENDING.value
        and r[outbox.c.attempt_started_at] is not None
    )
    return OutboxEntry(
        id=r[outbox.c.id],
        target=target,
        change=change,
        attempts=r[outbox.c.attempts],
        state=DeliveryState(r[outbox.c.state]),
        previous_message=SentRef(target, prev) if prev else None,
        previous_change=previous_change,
        unknown_outcomes=r[outbox.c.unknown_outcomes] + (1 if crashed_mid_send else 0),
        lease=lease,
    )


async def _change_sent_as(
    conn: AsyncConnection, platform: str, chat_id: str, message_id: str
) -> Change | None:
    """The change an earlier alert told of (found by the message id it was sent as)."""
    row = (
        (
            await conn.execute(
                select(changes)
                .join(outbox, outbox.c.change_id == changes.c.id)
                .where(
                    outbox.c.platform == platform,
                    outbox.c.chat_id == chat_id,
                    outbox.c.sent_message_id == message_id,
                )
                .order_by(outbox.c.id.desc())
                .limit(1)
            )
        )
        .mappings()
        .first()
    )
    return None if row is None else codec.change_from_row(dict(row))


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


class OutboxStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def claim_due(
        self, platform: str, now: datetime, limit: int, lease_seconds: float
    ) -> list[OutboxEntry]:
        """Lease due rows (pending/retry/uncertain whose time has come, expired leases)."""

        async def work(conn: AsyncConnection) -> list[OutboxEntry]:
            earlier = alias(outbox, "earlier")
            blocked = exists().where(
                earlier.c.platform == outbox.c.platform,
                earlier.c.chat_id == outbox.c.chat_id,
                earlier.c.id < outbox.c.id,
                earlier.c.state.not_in(FINISHED),
            )
            due = or_(
                and_(outbox.c.state.in_(WAITING), outbox.c.next_attempt_at <= now),
                and_(
                    outbox.c.state == DeliveryState.SENDING.value,
                    outbox.c.lease_until <= now,
                ),
            )
            query = (
                select(outbox, changes)
                .join(changes, changes.c.id == outbox.c.change_id)
                .where(
                    outbox.c.platform == platform,
                    # Implied by ``due``; stated so the (platform, state, ...) index skips
                    # finished rows: without it every claim read every row the platform
                    # ever had (1 ms per 10,000 sent rows, each second, forever).
                    outbox.c.state.in_((*WAITING, DeliveryState.SENDING.value)),
                    due,
                    ~blocked,
                )
                .order_by(outbox.c.id)
                .limit(limit)
            )
            if conn.dialect.name == "postgresql":
                query = query.with_for_update(of=outbox, skip_locked=True)
            rows = (await conn.execute(query)).mappings().all()
            if not rows:
                return []
            ids = [r[outbox.c.id] for r in rows]
            lease = uuid.uuid4().hex
            # A lease that expired with a send under way: that send may have arrived.
            crashed_mid_send = and_(
                outbox.c.state == DeliveryState.SENDING.value,
                outbox.c.attempt_started_at.is_not(None),
            )
            await conn.execute(
                update(outbox)
                .where(outbox.c.id.in_(ids))
                .values(
                    state=DeliveryState.SENDING.value,
                    lease_until=now + timedelta(seconds=lease_seconds),
                    lease_token=lease,
                    unknown_outcomes=outbox.c.unknown_outcomes
                    + case((crashed_mid_send, 1), else_=0),
                    attempt_started_at=None,
                    updated_at=now,
                )
            )
            return [await claimed_entry(conn, platform, r, lease) for r in rows]

        return await self.db.write(work)

    async def mark_sent(self, entry_id: int, ref: SentRef, now: datetime) -> None:
        async def work(conn: AsyncConnection) -> None:
            row = (
                await conn.execute(
                    select(outbox.c.change_id, changes.c.meeting_id)
                    .join(changes, changes.c.id == outbox.c.change_id)
                    .where(outbox.c.id == entry_id)
                )
            ).first()
            await conn.execute(
                update(outbox)
                .where(outbox.c.id == entry_id)
                .values(
                    state=DeliveryState.SENT.value,
                    sent_message_id=ref.message_id,
                    lease_until=None,
                    lease_token=None,
                    attempt_started_at=None,
                    attempts=outbox.c.attempts + 1,
                    last_error=None,
                    updated_at=now,
                )
            )
            if row is None:
                return
            platform = codec.platform_name(ref.target)
            key = {"platform": platform, "chat_id": ref.target.chat_id, "meeting_id": row[1]}
            updated = await conn.execute(
                update(sent_messages)
                .where(*(sent_messages.c[k] == v for k, v in key.items()))
                .values(message_id=ref.message_id, sent_at=now)
            )
            if not updated.rowcount:
                await conn.execute(
                    insert_ignore(conn, sent_messages, list(key)).values(
                        **key, message_id=ref.message_id, sent_at=now
                    )
                )

        await self.db.write(work)

    async def _set(self, entry_id: int, lease: str | None, **values: object) -> bool:
        """Update one row; with ``lease``, only while that lease still holds it."""
        conditions = [outbox.c.id == entry_id]
        if lease is not None:
            conditions += [
                outbox.c.state == DeliveryState.SENDING.value,
                outbox.c.lease_token == lease,
            ]

        async def work(conn: AsyncConnection) -> bool:
            result = await conn.execute(update(outbox).where(*conditions).values(**values))
            return bool(result.rowcount)

        return await self.db.write(work)

    async def mark_attempting(
        self, entry_id: int, now: datetime, *, lease: str | None = None, hold_seconds: float = 0
    ) -> bool:
        values: dict[str, object] = {"attempt_started_at": now}
        if hold_seconds > 0:
            values["lease_until"] = now + timedelta(seconds=hold_seconds)
        if lease is None:
            return await self._set(entry_id, None, **values)
        conditions = (
            outbox.c.id == entry_id,
            outbox.c.state == DeliveryState.SENDING.value,
            outbox.c.lease_token == lease,
            outbox.c.lease_until > now,  # an expired lease is gone even if nobody took it
        )

        async def work(conn: AsyncConnection) -> bool:
            result = await conn.execute(update(outbox).where(*conditions).values(**values))
            return bool(result.rowcount)

        return await self.db.write(work)

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
        self, entry_id: int, next_attempt_at: datetime, error: str, *, lease: str | None = None
    ) -> None:
        await self._set(
            entry_id,
            lease,
            state=DeliveryState.UNCERTAIN.value,
            next_attempt_at=next_attempt_at,
            lease_until=None,
            lease_token=None,
            attempt_started_at=None,
            last_error=error,
            attempts=outbox.c.attempts + 1,
            unknown_outcomes=outbox.c.unknown_outcomes + 1,
        )

    async def forget_unknown_outcome(self, entry_id: int) -> None:
        only_one = outbox.c.unknown_outcomes <= 1

        async def work(conn: AsyncConnection) -> None:
            await conn.execute(
                update(outbox)
                .where(
                    outbox.c.id == entry_id,
                    outbox.c.state == DeliveryState.UNCERTAIN.value,
                    outbox.c.unknown_outcomes > 0,
                )
                .values(
                    unknown_outcomes=outbox.c.unknown_outcomes - 1,
                    # nothing may have arrived any more: an ordinary retry
                    state=case((only_one, DeliveryState.RETRY.value), else_=outbox.c.state),
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
