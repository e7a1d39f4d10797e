"""Per-feed fetch state and health, seen items, and inbound update dedup."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import fields
from datetime import datetime
from typing import Any

from sqlalchemy import Select, Update, bindparam, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.ingest.state import FetchState
from bot.store.engine import Database
from bot.store.schema import feeds, items, processed_updates
from bot.store.upsert import insert_ignore

_STATE_FIELDS = tuple(f.name for f in fields(FetchState))
_SAVED_COLUMNS = (*_STATE_FIELDS, "updated_at")
# Statements built once: the poller runs them thousands of times a minute, and building
# and keying a statement costs more CPU than SQLite takes to run it.
_LOAD_ONE: Select[Any] = select(feeds).where(feeds.c.feed_id == bindparam("feed_id"))
_LOAD_ALL: Select[Any] = select(feeds).order_by(feeds.c.feed_id)
_KEYS_AND_HASHES: Select[Any] = select(items.c.key, items.c.content_hash).where(
    items.c.feed_id == bindparam("feed_id"), items.c.key.in_(bindparam("keys", expanding=True))
)
_SEEN_KEYS: Select[Any] = select(items.c.key).where(
    items.c.feed_id == bindparam("feed_id"), items.c.key.in_(bindparam("keys", expanding=True))
)
_SEEN_LINKS: Select[Any] = select(items.c.link_key).where(
    items.c.link_key.in_(bindparam("keys", expanding=True))
)
_STORE_HASH: Update = (
    update(items)
    .where(
        items.c.feed_id == bindparam("b_feed_id"),
        items.c.key == bindparam("b_key"),
        items.c.content_hash.is_(None),
    )
    .values(content_hash=bindparam("b_hash"))
)
IN_CHUNK = 500  # keys per IN (...) list, well under every database's parameter limit


def _upsert_states(dialect: str) -> Any:
    """INSERT ... ON CONFLICT (feed_id) DO UPDATE of every state column."""
    insert = postgresql.insert(feeds) if dialect == "postgresql" else sqlite.insert(feeds)
    return insert.on_conflict_do_update(
        index_elements=[feeds.c.feed_id],
        set_={name: insert.excluded[name] for name in _SAVED_COLUMNS},
    )


_UPSERTS = {name: _upsert_states(name) for name in ("sqlite", "postgresql")}


class FeedStateStore:
    """load/save feeds' FetchState; list them all for the ``bot feeds`` health table."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def load(self, feed_id: str) -> FetchState | None:
        async def work(conn: AsyncConnection) -> FetchState | None:
            row = (await conn.execute(_LOAD_ONE, {"feed_id": feed_id})).mappings().first()
            return None if row is None else _state(row)

        return await self.db.read(work)

    async def save(self, feed_id: str, state: FetchState, now: datetime) -> None:
        await self.save_many({feed_id: (state, now)})

    async def save_many(self, states: Mapping[str, tuple[FetchState, datetime]]) -> None:
        """Save many feeds' states in one write transaction (one statement, many rows)."""
        if not states:
            return
        rows = [
            {"feed_id": feed_id, "updated_at": now, **_values(state)}
            for feed_id, (state, now) in states.items()
        ]

        async def work(conn: AsyncConnection) -> None:
            await conn.execute(_UPSERTS[conn.dialect.name], rows)

        await self.db.write(work)

    async def all(self) -> dict[str, FetchState]:
        async def work(conn: AsyncConnection) -> dict[str, FetchState]:
            rows = (await conn.execute(_LOAD_ALL)).mappings().all()
            return {r["feed_id"]: _state(r) for r in rows}

        return await self.db.read(work)


def _values(state: FetchState) -> dict[str, Any]:
    return {name: getattr(state, name) for name in _STATE_FIELDS}


def _state(row: object) -> FetchState:
    mapping = dict(row)  # type: ignore[call-overload]
    return FetchState(**{name: mapping[name] for name in _STATE_FIELDS})


def _chunks(values: Iterable[str]) -> list[list[str]]:
    wanted = list(dict.fromkeys(values))
    return [wanted[start : start + IN_CHUNK] for start in range(0, len(wanted), IN_CHUNK)]


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
        async def work(conn: AsyncConnection) -> set[str]:
            found: set[str] = set()
            for chunk in _chunks(keys):
                rows = await conn.execute(_SEEN_KEYS, {"feed_id": feed_id, "keys": chunk})
                found.update(r[0] for r in rows)
            return found

        return await self.db.read(work)

    async def content_hashes(self, feed_id: str, keys: Iterable[str]) -> dict[str, str | None]:
        """The stored content hash of each of ``keys`` already seen (None: not stored)."""

        async def work(conn: AsyncConnection) -> dict[str, str | None]:
            found: dict[str, str | None] = {}
            for chunk in _chunks(keys):
                rows = await conn.execute(_KEYS_AND_HASHES, {"feed_id": feed_id, "keys": chunk})
                found.update((r[0], r[1]) for r in rows)
            return found

        return await self.db.read(work)

    async def lookup(
        self, feed_id: str, keys: Iterable[str], link_keys: Mapping[str, str]
    ) -> tuple[dict[str, str | None], set[str]]:
        """In one read: ``content_hashes(feed_id, keys)``, and which of the link keys
        (``link_keys``: item key → link key) of the items not seen yet were seen."""

        async def work(conn: AsyncConnection) -> tuple[dict[str, str | None], set[str]]:
            hashes: dict[str, str | None] = {}
            for chunk in _chunks(keys):
                rows = await conn.execute(_KEYS_AND_HASHES, {"feed_id": feed_id, "keys": chunk})
                hashes.update((r[0], r[1]) for r in rows)
            seen: set[str] = set()
            unseen = (link for key, link in link_keys.items() if key not in hashes)
            for chunk in _chunks(unseen):
                rows = await conn.execute(_SEEN_LINKS, {"keys": chunk})
                seen.update(r[0] for r in rows)
            return hashes, seen

        return await self.db.read(work)

    async def store_hashes(self, feed_id: str, hashes: Mapping[str, str]) -> None:
        """Record the content hash of items seen before hashes were kept (no re-examining)."""
        rows = [
            {"b_feed_id": feed_id, "b_key": key, "b_hash": content_hash}
            for key, content_hash in hashes.items()
        ]

        async def work(conn: AsyncConnection) -> None:
            await conn.execute(_STORE_HASH, rows)

        if rows:
            await self.db.write(work)

    async def seen_links(self, link_keys: Iterable[str]) -> set[str]:
        async def work(conn: AsyncConnection) -> set[str]:
            found: set[str] = set()
            for chunk in _chunks(link_keys):
                rows = await conn.execute(_SEEN_LINKS, {"keys": chunk})
                found.update(r[0] for r in rows)
            return found

        return await self.db.read(work)

    async def count(self, feed_id: str | None = None) -> int:
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
