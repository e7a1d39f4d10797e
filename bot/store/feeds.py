"""Per-feed fetch state and health, seen items, and inbound update dedup."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import fields
from datetime import datetime

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.ingest.state import FetchState
from bot.store.engine import Database
from bot.store.schema import feeds, items, processed_updates
from bot.store.upsert import insert_ignore

_STATE_FIELDS = tuple(f.name for f in fields(FetchState))


class FeedStateStore:
    """load/save a feed's FetchState; list them all for the ``bot feeds`` health table."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def load(self, feed_id: str) -> FetchState | None:
        async def work(conn: AsyncConnection) -> FetchState | None:
            row = (
                (await conn.execute(select(feeds).where(feeds.c.feed_id == feed_id)))
                .mappings()
                .first()
            )
            return None if row is None else _state(row)

        return await self.db.read(work)

    async def save(self, feed_id: str, state: FetchState, now: datetime) -> None:
        values = {name: getattr(state, name) for name in _STATE_FIELDS}
        values["updated_at"] = now

        async def work(conn: AsyncConnection) -> None:
            res = await conn.execute(
                update(feeds).where(feeds.c.feed_id == feed_id).values(**values)
            )
            if not res.rowcount:
                await conn.execute(insert(feeds).values(feed_id=feed_id, **values))

        await self.db.write(work)

    async def all(self) -> dict[str, FetchState]:
        async def work(conn: AsyncConnection) -> dict[str, FetchState]:
            rows = (await conn.execute(select(feeds).order_by(feeds.c.feed_id))).mappings().all()
            return {r["feed_id"]: _state(r) for r in rows}

        return await self.db.read(work)


def _state(row: object) -> FetchState:
    mapping = dict(row)  # type: ignore[call-overload]
    return FetchState(**{name: mapping[name] for name in _STATE_FIELDS})


class ItemStore:
    """Seen items, kept well beyond a feed's window (dedup by key, then by link)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def is_seen(self, feed_id: str, key: str, link_key: str | None = None) -> bool:
        return bool(
            await self.seen_keys(feed_id, [key])
            or (link_key is not None and await self.seen_links([link_key]))
        )

    async def seen_keys(self, feed_id: str, keys: Iterable[str]) -> set[str]:
        wanted = list(dict.fromkeys(keys))

        async def work(conn: AsyncConnection) -> set[str]:
            found: set[str] = set()
            for start in range(0, len(wanted), 500):
                rows = await conn.execute(
                    select(items.c.key).where(
                        items.c.feed_id == feed_id, items.c.key.in_(wanted[start : start + 500])
                    )
                )
                found.update(r[0] for r in rows)
            return found

        return await self.db.read(work)

    async def content_hashes(self, feed_id: str, keys: Iterable[str]) -> dict[str, str | None]:
        """The stored content hash of each of ``keys`` already seen (None: not stored)."""
        wanted = list(dict.fromkeys(keys))

        async def work(conn: AsyncConnection) -> dict[str, str | None]:
            found: dict[str, str | None] = {}
            for start in range(0, len(wanted), 500):
                rows = await conn.execute(
                    select(items.c.key, items.c.content_hash).where(
                        items.c.feed_id == feed_id, items.c.key.in_(wanted[start : start + 500])
                    )
                )
                found.update((r[0], r[1]) for r in rows)
            return found

        return await self.db.read(work)

    async def store_hashes(self, feed_id: str, hashes: Mapping[str, str]) -> None:
        """Record the content hash of items seen before hashes were kept (no re-examining)."""

        async def work(conn: AsyncConnection) -> None:
            for key, content_hash in hashes.items():
                await conn.execute(
                    update(items)
                    .where(
                        items.c.feed_id == feed_id,
                        items.c.key == key,
                        items.c.content_hash.is_(None),
                    )
                    .values(content_hash=content_hash)
                )

        await self.db.write(work)

    async def seen_links(self, link_keys: Iterable[str]) -> set[str]:
        wanted = list(dict.fromkeys(link_keys))

        async def work(conn: AsyncConnection) -> set[str]:
            found: set[str] = set()
            for start in range(0, len(wanted), 500):
                rows = await conn.execute(
                    select(items.c.link_key).where(
                        items.c.link_key.in_(wanted[start : start + 500])
                    )
                )
                found.update(r[0] for r in rows)
            return found

        return await self.db.read(work)

    async def count(self, feed_id: str | None = None) -> int:
        from sqlalchemy import func

        async def work(conn: AsyncConnection) -> int:
            query = select(func.count()).select_from(items)
            if feed_id is not None:
                query = query.where(items.c.feed_id == feed_id)
            return int((await conn.execute(query)).scalar_one())

        return await self.db.read(work)


class ProcessedUpdates:
    """Inbound dedup: a platform update/event id is handled once."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def first_time(self, platform: str, update_id: str, now: datetime) -> bool:
        """Record the id; True only the first time it is seen."""

        async def work(conn: AsyncConnection) -> bool:
            res = await conn.execute(
                insert_ignore(conn, processed_updates, ["platform", "update_id"]).values(
                    platform=platform, update_id=str(update_id), processed_at=now
                )
            )
            return bool(res.rowcount)

        return await self.db.write(work)

    async def forget(self, platform: str, update_id: str) -> None:
        """Undo ``first_time`` (the handler failed before its work was done)."""

        async def work(conn: AsyncConnection) -> None:
            await conn.execute(
                delete(processed_updates).where(
                    processed_updates.c.platform == platform,
                    processed_updates.c.update_id == str(update_id),
                )
            )

        await self.db.write(work)

    async def prune(self, before: datetime) -> int:
        async def work(conn: AsyncConnection) -> int:
            res = await conn.execute(
                delete(processed_updates).where(processed_updates.c.processed_at < before)
            )
            return int(res.rowcount or 0)

        return await self.db.write(work)


class StoredDedup:
    """The chat adapters' InboundDedup, kept in the database so it survives restarts."""

    def __init__(
        self, updates: ProcessedUpdates, platform: str, clock: Callable[[], datetime]
    ) -> None:
        self.updates = updates
        self.platform = platform
        self.clock = clock

    async def claim(self, key: str) -> bool:
        return await self.updates.first_time(self.platform, key, self.clock())

    async def release(self, key: str) -> None:
        await self.updates.forget(self.platform, key)
