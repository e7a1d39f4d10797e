"""Subscriptions (``bot.ports.SubscriptionRepository``): one row per chat target."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.models import ChatTarget, Subscription
from bot.store import codec
from bot.store.engine import Database
from bot.store.outbox import retarget_rows
from bot.store.schema import subscriptions


def _now() -> datetime:
    return datetime.now(UTC)  # bookkeeping timestamp only; no decision depends on it


def _where(target: ChatTarget) -> list[Any]:
    return [
        subscriptions.c.platform == codec.platform_name(target),
        subscriptions.c.chat_id == target.chat_id,
    ]


async def _get(conn: AsyncConnection, target: ChatTarget) -> tuple[Subscription, str | None] | None:
    row = (await conn.execute(select(subscriptions).where(*_where(target)))).mappings().first()
    if row is None:
        return None
    return codec.subscription_from_row(row), row["deactivated_reason"]


async def _put(
    conn: AsyncConnection, sub: Subscription, reason: str | None, exists: bool
) -> Subscription:
    values = {
        "entity_ids": sorted(sub.entity_ids),
        "timezone": sub.timezone,
        "active": sub.active,
        "deactivated_reason": None if sub.active else reason,
        "updated_at": _now(),
    }
    if exists:
        await conn.execute(update(subscriptions).where(*_where(sub.target)).values(**values))
    else:
        await conn.execute(
            insert(subscriptions).values(
                platform=codec.platform_name(sub.target),
                chat_id=sub.target.chat_id,
                created_at=_now(),
                **values,
            )
        )
    return sub


class SubscriptionStore:
    """Unique per chat target; deactivating keeps the row and its filter."""

    def __init__(self, db: Database, default_timezone: str = "UTC") -> None:
        self.db = db
        self.default_timezone = default_timezone

    async def get(self, target: ChatTarget) -> Subscription | None:
        async def work(conn: AsyncConnection) -> Subscription | None:
            found = await _get(conn, target)
            return found[0] if found else None

        return await self.db.read(work)

    async def deactivation_reason(self, target: ChatTarget) -> str | None:
        async def work(conn: AsyncConnection) -> str | None:
            found = await _get(conn, target)
            return found[1] if found else None

        return await self.db.read(work)

    async def subscribe(self, target: ChatTarget, entity_ids: frozenset[str]) -> Subscription:
        """Empty set = everything; otherwise added to an existing filter. Idempotent."""

        async def work(conn: AsyncConnection) -> Subscription:
            found = await _get(conn, target)
            if found is None:
                new = Subscription(
                    target=target, entity_ids=entity_ids, timezone=self.default_timezone
                )
                return await _put(conn, new, None, exists=False)
            old, _ = found
            if not old.active or not entity_ids or not old.entity_ids:
                keep_all = old.active and not old.entity_ids
                ids = frozenset() if keep_all or not entity_ids else entity_ids
                new = Subscription(target, ids, old.timezone, True)
            else:
                new = Subscription(target, old.entity_ids | entity_ids, old.timezone, True)
            return await _put(conn, new, None, exists=True)

        return await self.db.write(work)

    async def unsubscribe(
        self, target: ChatTarget, entity_ids: frozenset[str] | None
    ) -> Subscription | None:
        """Remove some ids, or everything (None). Returns what remains (None: nothing)."""

        async def work(conn: AsyncConnection) -> Subscription | None:
            found = await _get(conn, target)
            if found is None:
                return None
            old, _ = found
            left = frozenset() if entity_ids is None else old.entity_ids - entity_ids
            if entity_ids is not None and not old.entity_ids:
                return old if old.active else None  # "everything" has nothing to remove
            if not left:
                gone = Subscription(target, frozenset(), old.timezone, False)
                await _put(conn, gone, "unsubscribed", exists=True)
                return None
            kept = Subscription(target, left, old.timezone, old.active)
            await _put(conn, kept, None, exists=True)
            return kept if kept.active else None

        return await self.db.write(work)

    async def set_timezone(self, target: ChatTarget, tz_name: str) -> Subscription:
        async def work(conn: AsyncConnection) -> Subscription:
            found = await _get(conn, target)
            if found is None:
                new = Subscription(target, frozenset(), tz_name, active=False)
                return await _put(conn, new, "not subscribed", exists=False)
            old, reason = found
            new = Subscription(target, old.entity_ids, tz_name, old.active)
            return await _put(conn, new, reason, exists=True)

        return await self.db.write(work)

    async def migrate(self, old: ChatTarget, new: ChatTarget) -> None:
        """Re-key a chat and its pending deliveries in one transaction."""

        async def work(conn: AsyncConnection) -> None:
            found_old = await _get(conn, old)
            if found_old is not None:
                sub, reason = found_old
                found_new = await _get(conn, new)
                if found_new is None:
                    await conn.execute(
                        update(subscriptions)
                        .where(*_where(old))
                        .values(
                            platform=codec.platform_name(new),
                            chat_id=new.chat_id,
                            updated_at=_now(),
                        )
                    )
                else:
                    other, other_reason = found_new
                    everything = not sub.entity_ids or not other.entity_ids
                    ids = frozenset() if everything else sub.entity_ids | other.entity_ids
                    merged = Subscription(new, ids, other.timezone, sub.active or other.active)
                    await _put(conn, merged, other_reason or reason, exists=True)
                    await conn.execute(delete(subscriptions).where(*_where(old)))
            await retarget_rows(conn, old, new)

        await self.db.write(work)

    async def deactivate(self, target: ChatTarget, reason: str) -> None:
        async def work(conn: AsyncConnection) -> None:
            await conn.execute(
                update(subscriptions)
                .where(*_where(target))
                .values(active=False, deactivated_reason=reason, updated_at=_now())
            )

        await self.db.write(work)

    async def reactivate(self, target: ChatTarget) -> None:
        async def work(conn: AsyncConnection) -> None:
            await conn.execute(
                update(subscriptions)
                .where(*_where(target))
                .values(active=True, deactivated_reason=None, updated_at=_now())
            )

        await self.db.write(work)

    async def active(self) -> list[Subscription]:
        async def work(conn: AsyncConnection) -> list[Subscription]:
            rows = (
                (
                    await conn.execute(
                        select(subscriptions)
                        .where(subscriptions.c.active.is_(True))
                        .order_by(subscriptions.c.id)
                    )
                )
                .mappings()
                .all()
            )
            return [codec.subscription_from_row(r) for r in rows]

        return await self.db.read(work)
