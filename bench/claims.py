"""Outbox claims and send records: CPU per message with 1,000 / 10,000 / 100,000 pending.

What runs
---------
A real SQLite file with ``N`` Telegram subscriptions and one pending outbox row each
(bulk inserted through the store's schema; one change fanned out to every chat, as
``record_item`` writes it), then the sender's store calls for ``--messages`` rows, as
``bot.delivery`` makes them for each send: ``claim_due`` (a batch of ``--batch``),
``mark_attempting`` per row, ``mark_sent_many`` per row. No chat API is involved.

What is measured
----------------
CPU time of this process (the SQLite driver's threads included) per claimed row for
the claims alone, and per message for the whole store path, at each ``N``; and the
claim's query plan (it must walk an index: no full scan, no temporary B-tree).

Target: claim CPU per message flat from 1,000 to 100,000 pending (the largest within
1.5x the smallest); the store path per message <= 1.5 ms.

    .venv/bin/python bench/claims.py [--pending 1000 10000 100000] [--messages 600]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from benchlib import Report, cpu_seconds

from bot import eventloop

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


async def fill(store: Any, pending: int) -> None:
    """``pending`` chats, each with one due row of one change (bulk, one transaction)."""
    from sqlalchemy import insert, select

    from bot.store.schema import changes, meetings, outbox, subscriptions

    async def work(conn: Any) -> None:
        await conn.execute(
            insert(meetings).values(
                status="upcoming",
                tentative=False,
                expected=True,
                participants=["witkoff"],
                venue="geneva",
                created_at=T0,
                updated_at=T0,
                last_published=T0,
            )
        )
        meeting_id = (await conn.execute(select(meetings.c.id))).scalar_one()
        after = {"venue": "geneva", "status": "upcoming", "tentative": False}
        after |= {"participants": ["witkoff"], "date": None, "date_end": None}
        await conn.execute(
            insert(changes).values(meeting_id=meeting_id, kind="announced", after=after, at=T0)
        )
        change_id = (await conn.execute(select(changes.c.id))).scalar_one()
        chats = [str(100_000_000 + i) for i in range(pending)]
        await conn.execute(
            insert(subscriptions),
            [
                {"platform": "telegram", "chat_id": c, "entity_ids": [], "timezone": "UTC"}
                | {"active": True, "created_at": T0, "updated_at": T0}
                for c in chats
            ],
        )
        await conn.execute(
            insert(outbox),
            [
                {"idem_key": f"{change_id}:telegram:{c}", "change_id": change_id}
                | {"platform": "telegram", "chat_id": c, "state": "pending", "attempts": 0}
                | {"next_attempt_at": T0, "created_at": T0, "updated_at": T0}
                for c in chats
            ],
        )

    await store.db.write(work)


async def measure(workdir: Path, pending: int, messages: int, batch: int) -> dict[str, float]:
    from bot.models import SentRef
    from bot.ports import SentRecord
    from bot.store import Store

    store = await Store.open(f"sqlite+aiosqlite:///{workdir / f'claims-{pending}.sqlite3'}")
    try:
        await fill(store, pending)
        now = T0 + timedelta(seconds=1)
        claim_cpu = path_cpu = 0.0
        done = 0
        while done < messages:
            start = cpu_seconds()
            entries = await store.outbox.claim_due("telegram", now, batch, 60)
            claim_cpu += cpu_seconds() - start
            assert len(entries) == batch, len(entries)
            start = cpu_seconds()
            for entry in entries:
                assert await store.outbox.mark_attempting(
                    entry.id, now, lease=entry.lease, hold_seconds=60
                )
                ref = SentRef(entry.target, str(entry.id))
                await store.outbox.mark_sent_many(
                    [SentRecord(entry.id, entry.change.meeting_id, ref, now)]
                )
            path_cpu += cpu_seconds() - start
            done += len(entries)
            now += timedelta(milliseconds=10)
        plan = await claim_plan(store, now)
    finally:
        await store.close()
    return {
        "claim_ms": claim_cpu * 1000 / done,
        "path_ms": (claim_cpu + path_cpu) * 1000 / done,
        "plan_ok": float(all("SCAN outbox" not in p and "TEMP B-TREE" not in p for p in plan)),
    }


async def claim_plan(store: Any, now: datetime) -> list[str]:
    from bot.store.outbox import claim_query_plan

    return await claim_query_plan(store.db, "telegram", now, 20)


async def run(args: argparse.Namespace) -> int:
    workdir = Path(tempfile.mkdtemp(prefix="talkwatch-bench-claims-"))
    report = Report(f"claims: {args.messages} messages claimed, sent and recorded per size")
    results: dict[int, dict[str, float]] = {}
    try:
        for pending in args.pending:
            started = time.monotonic()
            results[pending] = await measure(workdir, pending, args.messages, args.batch)
            r = results[pending]
            report.figure(
                f"{pending:>7,} pending",
                f"claim {r['claim_ms']:.3f} ms CPU per message, store path "
                f"{r['path_ms']:.3f} ms per message ({time.monotonic() - started:.0f} s)",
            )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    claims = [r["claim_ms"] for r in results.values()]
    report.target(
        "claim CPU per message flat (largest <= 1.5 x smallest)",
        f"{min(claims):.3f} .. {max(claims):.3f} ms",
        max(claims) <= 1.5 * min(claims),
    )
    worst = max(r["path_ms"] for r in results.values())
    report.target("store path per message <= 1.5 ms", f"{worst:.3f} ms", worst <= 1.5)
    report.target(
        "claim walks indexes (no full scan, no temp B-tree)",
        "yes" if all(r["plan_ok"] for r in results.values()) else "no",
        all(r["plan_ok"] for r in results.values()),
    )
    report.print()
    return 0 if report.passed else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pending", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--messages", type=int, default=600)
    parser.add_argument("--batch", type=int, default=20)
    args = parser.parse_args()
    return eventloop.run(run(args))


if __name__ == "__main__":
    sys.exit(main())
