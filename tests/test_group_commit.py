"""Group commit of the store's hot writes: works that queue while the writer is busy
share one transaction, each caller gets its own outcome only after the commit, a
failing work costs no other its write, a busy database runs each work exactly once,
and a caller that gives up before its turn never has its work run."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.store import Store
from bot.store.schema import processed_updates

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


def inserting(key: str, fail: bool = False) -> Callable[[Connection], str]:
    def work(conn: Connection) -> str:
        conn.execute(
            insert(processed_updates).values(platform="test", update_id=key, processed_at=NOW)
        )
        if fail:
            raise ValueError(f"work {key} failed")
        return key

    return work


async def stored(store: Store) -> list[str]:
    async def keys(conn: AsyncConnection) -> list[str]:
        rows = await conn.execute(select(processed_updates.c.update_id))
        return sorted(row[0] for row in rows)

    return await store.db.read(keys)


async def open_store(tmp_path: Path, **options: object) -> Store:
    return await Store.open(f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}", **options)  # type: ignore[arg-type]


@pytest.mark.parametrize("failing", [None, "w03"])
async def test_queued_works_share_transactions_and_keep_their_own_outcome(
    tmp_path: Path, failing: str | None
) -> None:
    store = await open_store(tmp_path)
    keys = [f"w{n:02d}" for n in range(40)]
    try:
        outcomes = await asyncio.gather(
            *(store.db.write_blocking(inserting(k, k == failing)) for k in keys),
            return_exceptions=True,
        )
        for key, outcome in zip(keys, outcomes, strict=True):
            if key == failing:
                assert isinstance(outcome, ValueError) and key in str(outcome)
            else:
                assert str(outcome) == key and not isinstance(outcome, BaseException)
        assert await stored(store) == [k for k in keys if k != failing]
        assert store.db.group_commits >= 1  # 40 at once did not take 40 transactions
    finally:
        await store.close()


async def test_a_busy_database_runs_each_work_exactly_once(tmp_path: Path) -> None:
    store = await open_store(tmp_path, busy_timeout_ms=20, busy_retries=8)
    path = tmp_path / "bot.sqlite3"
    locked, release = threading.Event(), threading.Event()

    def hold_the_lock() -> None:  # another process's writer, as SQLite sees it
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        locked.set()
        release.wait(5)
        other.execute("COMMIT")
        other.close()

    holder = threading.Thread(target=hold_the_lock)
    holder.start()
    try:
        locked.wait(5)
        writes = asyncio.gather(*(store.db.write_blocking(inserting(f"b{n}")) for n in range(12)))
        await asyncio.sleep(0.15)  # several busy retries while the lock is held
        release.set()
        assert await writes == [f"b{n}" for n in range(12)]
        assert await stored(store) == sorted(f"b{n}" for n in range(12))
        assert store.db.busy_retried >= 1
    finally:
        release.set()
        holder.join()
        await store.close()


async def test_a_caller_that_gives_up_before_its_turn_is_not_written(tmp_path: Path) -> None:
    store = await open_store(tmp_path)
    try:
        first = asyncio.ensure_future(store.db.write_blocking(inserting("first")))

        async def slow(conn: AsyncConnection) -> None:
            await asyncio.sleep(0.1)  # holds this process's writer turn

        holding = asyncio.ensure_future(store.db.write(slow))
        await asyncio.sleep(0.01)
        given_up = asyncio.ensure_future(store.db.write_blocking(inserting("given-up")))
        later = asyncio.ensure_future(store.db.write_blocking(inserting("later")))
        await asyncio.sleep(0.01)
        given_up.cancel()
        await asyncio.gather(first, holding, later)
        assert await stored(store) == ["first", "later"]
    finally:
        await store.close()
