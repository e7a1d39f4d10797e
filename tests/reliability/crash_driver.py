"""Runs the real app once (poll every feed, deliver everything) and can stop dead at a
chosen commit point of the delivery path, so the test can SIGKILL it exactly there.

    python crash_driver.py --config DIR --db PATH --crash POINT [--nth N] [--offset S]

POINT is one of:
  none            run to completion, then print DONE
  in_record_txn   inside the N-th record_item transaction, before its commit
  after_record    after the N-th record_item that produced changes committed (no send yet)
  after_claim     after the N-th non-empty claim_due committed its leases (before sending)
  after_mark_sent after the N-th row was recorded as sent (mark_sent_many committed)

On reaching the point it prints ``AT <POINT>`` and waits forever (for the SIGKILL).
The platform-accepted-but-not-marked point needs no hook: the fake Telegram server in
the test withholds its answer and the test kills the process then.

The app's clock is the test's fixed date plus ``--offset`` seconds plus real elapsed
time, so leases written by a killed run expire for the next one.
"""

from __future__ import annotations

import argparse
import asyncio
import contextvars
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.app import BotApp, RunOptions
from bot.config import load_config

BASE = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
UNFINISHED = ("pending", "sending", "retry", "uncertain")
_in_record: contextvars.ContextVar[bool] = contextvars.ContextVar("in_record", default=False)


async def stop_here(point: str) -> None:
    print(f"AT {point}", flush=True)
    await asyncio.Event().wait()


def install(app: BotApp, point: str, nth: int) -> None:
    store = app.store
    assert store is not None
    counts = {"n": 0}

    def hit() -> bool:
        counts["n"] += 1
        return counts["n"] == nth

    real_record = store.record_item
    real_write = store.db.write
    real_claim = store.outbox.claim_due
    real_mark_sent = store.outbox.mark_sent_many

    async def record_item(*args: Any, **kwargs: Any) -> Any:
        token = _in_record.set(True)
        try:
            changes = await real_record(*args, **kwargs)
        finally:
            _in_record.reset(token)
        if point == "after_record" and changes and hit():
            await stop_here(point)
        return changes

    async def write(work: Callable[[Any], Awaitable[Any]]) -> Any:
        if point != "in_record_txn" or not _in_record.get():
            return await real_write(work)

        async def paused(conn: Any) -> Any:
            result = await work(conn)
            if result and hit():  # a transaction that wrote changes, not yet committed
                await stop_here(point)
            return result

        return await real_write(paused)

    async def claim_due(*args: Any, **kwargs: Any) -> Any:
        entries = await real_claim(*args, **kwargs)
        if point == "after_claim" and entries and hit():
            await stop_here(point)
        return entries

    async def mark_sent_many(records: Any) -> None:
        await real_mark_sent(records)
        if point == "after_mark_sent" and any([hit() for _ in records]):
            await stop_here(point)

    store.record_item = record_item  # type: ignore[method-assign]
    store.db.write = write  # type: ignore[method-assign]
    store.outbox.claim_due = claim_due  # type: ignore[method-assign]
    store.outbox.mark_sent_many = mark_sent_many  # type: ignore[method-assign]


async def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--crash", default="none")
    parser.add_argument("--nth", type=int, default=1)
    parser.add_argument("--offset", type=float, default=0.0)
    parser.add_argument("--within", type=float, default=30.0)
    args = parser.parse_args()

    start = time.monotonic()

    def clock() -> datetime:
        return BASE + timedelta(seconds=args.offset + time.monotonic() - start)

    config = load_config(Path(args.config))
    app = BotApp(config, RunOptions(database_url=f"sqlite+aiosqlite:///{args.db}", clock=clock))
    await app.open()
    try:
        install(app, args.crash, args.nth)
        await app.run_once()
        assert app.store is not None
        deadline = time.monotonic() + args.within
        while time.monotonic() < deadline:  # leases of a killed run expire, then resend
            counts = await app.store.outbox.counts()
            if not any(counts.get(state) for state in UNFINISHED):
                break
            await asyncio.sleep(0.2)
            await app.drain()
        print(f"DONE {sorted((await app.store.outbox.counts()).items())}", flush=True)
    finally:
        await app.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
