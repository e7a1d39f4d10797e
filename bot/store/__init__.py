"""Storage: SQLAlchemy 2 (async) over SQLite by default, PostgreSQL by URL.

``Store.open(url)`` creates the SQLite file (and its directory) if needed, runs the
Alembic migrations shipped in ``bot/migrations`` and returns the repositories:

* ``store.meetings``      MeetingQueries + ``record_item`` / ``record_ageing`` (timeline)
* ``store.subscriptions`` SubscriptionRepository
* ``store.outbox``        Outbox (leased claims, per-chat FIFO)
* ``store.feeds``         per-feed FetchState (conditional GET, health)
* ``store.items``         seen items
* ``store.updates``       inbound update/event dedup

Only ``bot.models`` / ``bot.ports`` dataclasses cross this boundary.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.models import Change, FeedItem, MeetingReport
from bot.store.engine import Database, make_engine, upgrade
from bot.store.feeds import FeedStateStore, ItemStore, ProcessedUpdates
from bot.store.meetings import MeetingStore
from bot.store.outbox import OutboxStore
from bot.store.subscriptions import SubscriptionStore
from bot.timeline import DEFAULT_RULES, TimelineRules

__all__ = [
    "Database",
    "FeedStateStore",
    "ItemStore",
    "MeetingStore",
    "OutboxStore",
    "ProcessedUpdates",
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
        db = Database(make_engine(url, busy_timeout_ms=busy_timeout_ms), busy_retries=busy_retries)
        if migrate:
            await upgrade(db)
        return cls(
            db=db,
            meetings=MeetingStore(db, rules),
            subscriptions=SubscriptionStore(db, default_timezone),
            outbox=OutboxStore(db),
            feeds=FeedStateStore(db),
            items=ItemStore(db),
            updates=ProcessedUpdates(db),
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
