"""Write transactions of one process take turns before asking SQLite: many at once all
commit, in the order they asked, without waiting in SQLite's busy handler (which sleeps
up to 100 ms between tries and gave "database is locked" under a poller's load)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.store import Store
from bot.store.schema import processed_updates

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize("writers", [2, 20])
async def test_concurrent_writes_take_turns_and_all_commit(tmp_path: Path, writers: int) -> None:
    # A busy timeout far shorter than the queue of writers, and no retries: any writer
    # left to SQLite's lock would fail with "database is locked".
    store = await Store.open(
        f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}", busy_timeout_ms=30, busy_retries=0
    )
    order: list[int] = []
    try:

        def writer(n: int) -> object:
            async def work(conn: AsyncConnection) -> None:
                await conn.execute(
                    insert(processed_updates).values(
                        platform="test", update_id=str(n), processed_at=NOW
                    )
                )
                order.append(n)
                await asyncio.sleep(0.02)  # the transaction stays open, holding the lock

            return store.db.write(work)

        await asyncio.gather(*(writer(n) for n in range(writers)))  # type: ignore[misc]

        async def count(conn: AsyncConnection) -> int:
            return len((await conn.execute(select(processed_updates.c.update_id))).all())

        assert await store.db.read(count) == writers
        assert order == list(range(writers))  # first come, first served
        assert store.db.busy_retried == 0
    finally:
        await store.close()
