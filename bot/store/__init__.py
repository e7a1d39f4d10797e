"""Storage: SQLAlchemy 2 (async) over SQLite; PostgreSQL by URL with the optional
``postgres`` extra (asyncpg), not yet covered by the tests.

``Store.open(url)`` creates the SQLite file (and its directory) if needed, runs the
Alembic migrations shipped in ``bot/migrations`` and returns the repositories:

* ``store.meetings``      MeetingQueries + ``record_item`` / ``record_ageing`` (timeline)
* ``store.subscriptions`` SubscriptionRepository
* ``store.outbox``        Outbox (leased claims, per-chat FIFO)
* ``store.feeds``         per-feed FetchState (conditional GET, health)
* ``store.items``         seen items
* ``store.updates``       inbound update/event dedup

``Store.open_checked(url, mode)`` is what the commands use: it refuses to start empty
where data was expected (see ``bot.store.identity``), never creates or migrates in
``OpenMode.READ``, and turns every storage failure into a one-sentence StorageError.

Only ``bot.models`` / ``bot.ports`` dataclasses cross this boundary.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import SQLAlchemyError

from bot.models import Change, FeedItem, MeetingReport
from bot.store.engine import Database, checked_url, make_engine, sqlite_file, upgrade
from bot.store.errors import StorageError, describe_storage_error, redacted_url
from bot.store.feeds import FeedStateStore, ItemStore, ProcessedUpdates
from bot.store.identity import Identity, OpenMode, check_file_before_open, establish, probe_write
from bot.store.meetings import MeetingStore
from bot.store.outbox import OutboxStore
from bot.store.status import StatusStore
from bot.store.subscriptions import SubscriptionStore
from bot.timeline.model import DEFAULT_RULES, TimelineRules

__all__ = [
    "Database",
    "FeedStateStore",
    "Identity",
    "ItemStore",
    "MeetingStore",
    "OpenMode",
    "OutboxStore",
    "ProcessedUpdates",
    "StorageError",
    "Store",
    "SubscriptionStore",
]


@dataclass
class Store:
    db: Database
    meetings: MeetingStore
    subscriptions: SubscriptionStore
    outbox: OutboxStore
    feeds: FeedStateStore
    items: ItemStore
    updates: ProcessedUpdates
    status: StatusStore

    @classmethod
    async def open(
        cls,
        url: str,
        *,
        rules: TimelineRules = DEFAULT_RULES,
        migrate: bool = True,
        busy_timeout_ms: int = 5000,
        busy_retries: int = 5,
        default_timezone: str = "UTC",
    ) -> Store:
        db = Database(
            make_engine(url, busy_timeout_ms=busy_timeout_ms),
            busy_retries=busy_retries,
            busy_timeout_ms=busy_timeout_ms,
        )
        if migrate:
            await upgrade(db)
        return cls.on(db, rules=rules, default_timezone=default_timezone)

    @classmethod
    async def open_checked(
        cls,
        url: str,
        mode: OpenMode,
        *,
        rules: TimelineRules = DEFAULT_RULES,
        busy_timeout_ms: int = 5000,
        busy_retries: int = 5,
        default_timezone: str = "UTC",
    ) -> tuple[Store, Identity]:
        """Open with the identity rules of ``mode``; StorageError (one sentence) on any
        storage fault: bad URL, missing driver, unusable path, read-only, corrupt,
        truncated, missing, emptied or replaced database."""
        url = checked_url(url)
        db_file = sqlite_file(url)
        where = str(db_file) if db_file is not None else redacted_url(url)
        try:
            if db_file is not None:
                check_file_before_open(db_file, mode)
            engine = make_engine(
                url, busy_timeout_ms=busy_timeout_ms, read_only=mode is OpenMode.READ
            )
        except (OSError, SQLAlchemyError) as exc:
            raise StorageError(describe_storage_error(exc, where)) from exc
        db = Database(engine, busy_retries=busy_retries, busy_timeout_ms=busy_timeout_ms)
        try:
            identity = await establish(db, url, mode)
            if mode is not OpenMode.READ:
                await probe_write(db)
        except BaseException as exc:
            await db.dispose()
            if isinstance(exc, OSError | SQLAlchemyError):
                raise StorageError(describe_storage_error(exc, where)) from exc
            raise
        return cls.on(db, rules=rules, default_timezone=default_timezone), identity

    @classmethod
    def on(
        cls, db: Database, *, rules: TimelineRules = DEFAULT_RULES, default_timezone: str = "UTC"
    ) -> Store:
        return cls(
            db=db,
            meetings=MeetingStore(db, rules),
            subscriptions=SubscriptionStore(db, default_timezone),
            outbox=OutboxStore(db),
            feeds=FeedStateStore(db),
            items=ItemStore(db),
            updates=ProcessedUpdates(db),
            status=StatusStore(db),
        )

    async def record_item(
        self,
        feed_id: str,
        item: FeedItem,
        lang: str,
        reports: Sequence[MeetingReport],
        now: datetime,
        *,
        alert: bool = True,
    ) -> list[Change]:
        return await self.meetings.record_item(feed_id, item, lang, reports, now, alert=alert)

    async def record_ageing(self, now: datetime) -> list[Change]:
        return await self.meetings.record_ageing(now)

    async def close(self) -> None:
        await self.db.dispose()
