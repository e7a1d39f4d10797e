"""Read queries at scale: ``/next_meeting`` and ``/meetings`` over a large history.

What runs
---------
A real SQLite store (migrated by ``Store.open``) filled through the store's schema and
codec with ``--items`` items (default 100,000) and ``--meetings`` meetings (default
10,000): meetings from three years ago to six months ahead over the watchlist venues
(plus some outside it), 1-3 tracked participants each, 1-5 reports each (every report
points at one of the items), one change row per report. Past meetings are held or
presumed held; future ones upcoming or rescheduled, with some postponed or cancelled.

Then ``bot.commands.handle`` (the real command layer: parsing the arguments against the
watchlist, the SQLite-backed ``MeetingQueries``, rendering the reply) is timed for:

* ``/next_meeting``, ``/next_meeting witkoff``, ``/next_meeting geneva``,
  ``/next_meeting umerov dmitriev``
* ``/meetings``, ``/meetings witkoff``, ``/meetings abu dhabi``

each ``--runs`` times (default 200; ``--quick``: 50), interleaved, after one warm-up call.

Each command's wall time (p50/p95/max) and CPU time of this process (p95) are printed.
Target: ``/next_meeting`` and ``/meetings`` CPU p95 under 20 ms (every variant; the wall
p95 is printed beside it, and equals it on an idle machine), whatever the
number of meetings (try ``--meetings 100000`` and ``--meetings 1000000``; the reports
and changes per meeting shrink to one above 200,000 meetings so the fill stays quick).
``--db PATH`` keeps the filled database there and reuses it when it exists.

    .venv/bin/python bench/queries.py [--quick] [--items N] [--meetings N] [--runs N]
                                      [--db PATH]
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from benchlib import REPO_ROOT, Report, ms, percentile

from bot import eventloop

NOW = datetime.now(UTC).replace(microsecond=0)
TARGET_MS = 20.0
COMMANDS = (
    ("next_meeting", ()),
    ("next_meeting", ("witkoff",)),
    ("next_meeting", ("geneva",)),
    ("next_meeting", ("umerov", "dmitriev")),
    ("meetings", ()),
    ("meetings", ("witkoff",)),
    ("meetings", ("abu", "dhabi")),
)


async def fill(store: Any, watchlist: Any, n_items: int, n_meetings: int, seed: int) -> None:
    """Bulk insert items, meetings, reports, entities and changes (codec-built rows)."""
    from sqlalchemy import insert

    from bot.models import Change, ChangeKind, MeetingReport, MeetingState, MeetingStatus, SourceRef
    from bot.store import codec
    from bot.store.schema import changes, items, meeting_entities, meetings, reports
    from bot.timeline.model import ReportEntry

    rng = random.Random(seed)
    venues = [v.id for v in watchlist.venues] + ["other:Vienna", "other:Oslo", "other:Ankara"]
    actors = [a.id for a in watchlist.actors]
    item_rows = []
    for i in range(n_items):
        published = NOW - timedelta(minutes=rng.randint(0, 3 * 365 * 24 * 60))
        item_rows.append(
            {
                "feed_id": f"feed-{i % 300}",
                "key": f"guid-{i}",
                "link_key": f"l:{i:012x}",
                "title": f"Item {i}",
                "link": f"https://news.example/{i}",
                "outlet": f"Outlet {i % 300}",
                "lang": rng.choice(("en", "ru", "uk", "de", "fr", "pl")),
                "published": published,
                "seen_at": published + timedelta(minutes=3),
                "alerted": True,
            }
        )
    meeting_rows, report_rows, entity_rows, change_rows = [], [], [], []
    for mid in range(1, n_meetings + 1):
        day = (NOW - timedelta(days=3 * 365) + timedelta(days=rng.uniform(0, 3.5 * 365))).date()
        end = day + timedelta(days=1) if rng.random() < 0.2 else None
        venue = rng.choice(venues) if rng.random() < 0.95 else None
        who = tuple(sorted(rng.sample(actors, rng.randint(1, 3))))
        past = (end or day) < NOW.date()
        if past:
            status = MeetingStatus.HELD if rng.random() < 0.6 else MeetingStatus.UPCOMING
            presumed = status is MeetingStatus.UPCOMING
        else:
            roll = rng.random()
            status = (
                MeetingStatus.UPCOMING if roll < 0.7
                else MeetingStatus.RESCHEDULED if roll < 0.85
                else MeetingStatus.POSTPONED if roll < 0.95
                else MeetingStatus.CANCELLED
            )  # fmt: skip
            presumed = False
        state = MeetingState(
            venue=venue,
            date=day,
            date_end=end,
            status=status,
            tentative=rng.random() < 0.2,
            participants=who,
            presumed_held=presumed,
            previous_date=day - timedelta(days=2) if status is MeetingStatus.RESCHEDULED else None,
        )
        first_seen = datetime.combine(day, datetime.min.time(), UTC) - timedelta(
            days=rng.randint(1, 30)
        )
        entries = []
        for r in range(rng.randint(1, 5) if n_meetings <= 200_000 else 1):
            item_index = rng.randrange(n_items)
            published = first_seen + timedelta(hours=6 * r)
            report = MeetingReport(
                venue=venue,
                date=day,
                date_end=end,
                status=status if r else MeetingStatus.UPCOMING,
                tentative=False,
                participants=who,
                evidence=f"Talks in {venue} on {day.isoformat()} (report {r}).",
            )
            source = SourceRef(
                link=f"https://news.example/{item_index}",
                outlet=f"Outlet {item_index % 300}",
                lang="en",
                published=published,
                evidence=report.evidence,
                item_key=f"guid-{item_index}",
            )
            entry = ReportEntry(report, source, published + timedelta(minutes=3))
            entries.append(entry)
            report_rows.append(
                {"meeting_id": mid, "item_id": item_index + 1, **codec.report_columns(entry)}
            )
            change = Change(
                meeting_id=mid,
                kind=ChangeKind.ANNOUNCED if r == 0 else ChangeKind.CONFIRMED,
                before=None if r == 0 else state,
                after=state,
                at=entry.received_at,
                source=source,
                reason="bench",
            )
            if n_meetings <= 200_000:
                change_rows.append(codec.change_columns(change))
        last = entries[-1].source.published
        meeting_rows.append(
            {
                "id": mid,
                **codec.meeting_columns(state),
                "created_at": entries[0].received_at,
                "updated_at": entries[-1].received_at,
                "last_published": last,
                "report_count": len(entries),
            }
        )
        mirrored = codec.entity_columns(state)
        for entity in sorted({*who, *([venue] if venue else [])}):
            entity_rows.append({"meeting_id": mid, "entity_id": entity, **mirrored})

    async def work(conn: Any) -> None:
        for table, rows in (
            (items, item_rows),
            (meetings, meeting_rows),
            (reports, report_rows),
            (meeting_entities, entity_rows),
            (changes, change_rows),
        ):
            for start in range(0, len(rows), 5000):
                await conn.execute(insert(table), rows[start : start + 5000])

    await store.db.write(work)
    print(
        f"stored {len(item_rows)} items, {len(meeting_rows)} meetings, {len(report_rows)} "
        f"reports, {len(entity_rows)} entity rows, {len(change_rows)} changes",
        flush=True,
    )


async def run(args: argparse.Namespace, workdir: Path) -> int:
    from bot import commands
    from bot.config import load_watchlist
    from bot.models import ChatTarget, IncomingCommand, Platform
    from bot.store import Store

    watchlist = load_watchlist(REPO_ROOT / "config" / "watchlist.yaml")
    path = Path(args.db) if args.db else workdir / "queries.sqlite3"
    reuse = path.exists()
    store = await Store.open(f"sqlite+aiosqlite:///{path}")
    try:
        started = time.monotonic()
        if not reuse:
            await fill(store, watchlist, args.items, args.meetings, args.seed)
        fill_seconds = time.monotonic() - started
        target = ChatTarget(Platform.TELEGRAM, "42")
        await store.subscriptions.subscribe(target, frozenset())
        ctx = commands.CommandContext(
            meetings=store.meetings,
            subscriptions=store.subscriptions,
            watchlist=watchlist,
            now=NOW,
        )
        timings: dict[str, list[float]] = {}
        cpu: dict[str, list[float]] = {}
        replies: dict[str, str] = {}
        for run_index in range(args.runs + 1):
            for name, words in COMMANDS:
                label = "/" + " ".join((name, *words))
                cmd = IncomingCommand(
                    target=target, user_id="7", name=name, args=words, raw_text=label
                )
                t0, c0 = time.perf_counter(), time.process_time()
                reply = await commands.handle(cmd, ctx)
                elapsed, used = time.perf_counter() - t0, time.process_time() - c0
                if run_index == 0:
                    replies[label] = reply.headline
                    continue  # warm-up: statement caches, page cache
                timings.setdefault(label, []).append(elapsed)
                cpu.setdefault(label, []).append(used)
    finally:
        await store.close()

    report = Report(f"queries: {args.meetings} meetings, {args.items} items, SQLite")
    report.figure("fill (bulk insert)", "reused " + str(path) if reuse else f"{fill_seconds:.1f} s")
    for label, values in timings.items():
        report.figure(
            label,
            f"p50 {ms(percentile(values, 50))}, p95 {ms(percentile(values, 95))}, "
            f"max {ms(max(values))}, CPU p95 {ms(percentile(cpu[label], 95))}"
            f"  -> {replies[label][:50]!r}",
        )
    for command in ("/next_meeting", "/meetings"):
        worst = max(
            (percentile(v, 95), label) for label, v in cpu.items() if label.startswith(command)
        )
        worst_wall = max(
            percentile(v, 95) for label, v in timings.items() if label.startswith(command)
        )
        report.target(
            f"{command} CPU p95 < {TARGET_MS:.0f} ms (worst variant)",
            f"{ms(worst[0])} ({worst[1]}); wall p95 {ms(worst_wall)}",
            worst[0] < TARGET_MS / 1000,
        )
    report.print()
    return 0 if report.passed else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="50 runs per command")
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--meetings", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=None)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--db", default=None, help="keep the filled database here; reuse it")
    args = parser.parse_args()
    args.runs = args.runs or (50 if args.quick else 200)
    workdir = Path(tempfile.mkdtemp(prefix="talkwatch-bench-queries-"))
    try:
        return eventloop.run(run(args, workdir))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
