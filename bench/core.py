"""Core throughput on one core: extraction, timeline merge, and recording through SQLite.

What is measured
----------------
1. Articles per second for language detection + watchlist matching + meeting extraction
   (``bot.extract.Extractor.extract``) on synthetic ~2 KB articles in several languages.
   The articles come from ``bench/extract.py`` (its ``make_articles``) when that script is
   present, else from this module's own English wire stories. CPU time of this process.
2. ``bot.timeline.record.merge`` alone (pure, in memory): reports per second, merging each
   report into a timeline that grows to a few thousand meetings; candidates are the
   meetings at the report's venue, or sharing a participant when it names none (what
   the store's candidate query narrows to).
3. Recording through a real SQLite file (``pipeline.record_new_item`` with the reports made
   beforehand, so ``Store.record_item``: the transaction that records an item,
   finds candidate meetings, merges, saves the meeting, its report and entities, the
   change and the outbox rows for 10 subscribed chats): reports per second.
4. A widely reported meeting: one summit reported again and again (same place and day,
   outlets hedging or quoting officials, a fifth of the reports published a little
   before the newest one already recorded, i.e. arriving late). CPU milliseconds to record
   one more report once the meeting has 50, 500 and 5,000 reports (``--hot-reports``).

The target given by the extraction work (``bench/extract.py``) is 500 articles/s; recording
a report on a meeting with 5,000 reports has a target of at most 10 ms CPU (mean); the
other figures have no target of their own and are printed for reference (the poller
needs ``new items per minute / 60`` of each).

    .venv/bin/python bench/core.py [--quick] [--articles N] [--reports N] [--hot-reports N]
"""

from __future__ import annotations

import argparse
import importlib.util
import random
import shutil
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from benchlib import REPO_ROOT, Report, meeting_story, neutral_story

from bot import eventloop

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
EXTRACT_TARGET = 500.0
HOT_TARGET_MS = 10.0
HOT_PROBES = 30


def load_extract_bench() -> Any | None:
    path = Path(__file__).resolve().parent / "extract.py"
    if not path.exists():
        return None
    spec = importlib.util.spec_from_file_location("bench_extract", path)
    if spec is None or spec.loader is None:
        return None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def articles(count: int) -> tuple[list[tuple[str, str, date]], str]:
    module = load_extract_bench()
    if module is not None and hasattr(module, "make_articles"):
        made = module.make_articles(count)
        langs = sorted({a[3] for a in made})
        return [(t, x, p) for t, x, p, _ in made], "bench/extract.py, " + "/".join(langs)
    rng = random.Random(3)
    out = []
    for _ in range(count):
        title, text = meeting_story(rng, NOW.date()) if rng.random() < 0.5 else neutral_story(rng)
        while len(text) < 2000:
            text += " " + neutral_story(rng)[1]
        out.append((title, text, NOW.date()))
    return out, "own English stories"


def bench_extract(count: int, report: Report) -> None:
    from bot.config import load_watchlist
    from bot.extract import Extractor

    extractor = Extractor(load_watchlist(REPO_ROOT / "config" / "watchlist.yaml"))
    arts, source = articles(count)
    for title, text, published in arts[:20]:  # lexicons, date tables, detector
        extractor.extract(title, text, published)
    started = time.process_time()
    found = 0
    for title, text, published in arts:
        found += len(extractor.extract(title, text, published).meetings)
    seconds = time.process_time() - started
    rate = len(arts) / seconds
    size = sum(len(t) + len(x) for t, x, _ in arts) / len(arts)
    report.figure(
        "extraction (detect + match + extract)",
        f"{rate:.0f} articles/s ({len(arts)} articles of ~{size:.0f} chars, {source}; "
        f"{found} meeting reports)",
    )
    report.target(
        f"extraction >= {EXTRACT_TARGET:.0f} articles/s", f"{rate:.0f}/s", rate >= EXTRACT_TARGET
    )


def synthetic_reports(count: int, seed: int = 5) -> list[Any]:
    """(report, source) pairs: meetings over 12 venues and 80 days, mixed statuses."""
    from benchlib import ACTORS, VENUES

    from bot.models import MeetingReport, MeetingStatus, SourceRef

    rng = random.Random(seed)
    out = []
    for i in range(count):
        venue = rng.choice(VENUES)[1] if rng.random() < 0.9 else None
        who = tuple(sorted(a for _, a in rng.sample(ACTORS, 2)))
        day = NOW.date() + timedelta(days=rng.randint(-30, 80)) if rng.random() < 0.85 else None
        roll = rng.random()
        status = (
            MeetingStatus.UPCOMING if roll < 0.6
            else MeetingStatus.RESCHEDULED if roll < 0.75
            else MeetingStatus.POSTPONED if roll < 0.85
            else MeetingStatus.HELD
        )  # fmt: skip
        previous = day - timedelta(days=2) if day and status is MeetingStatus.RESCHEDULED else None
        published = NOW - timedelta(days=30) + timedelta(minutes=10 * i)
        report = MeetingReport(
            venue=venue,
            date=day,
            date_end=None,
            status=status,
            tentative=rng.random() < 0.2,
            participants=who,
            previous_date=previous,
            evidence=f"report {i}",
        )
        source = SourceRef(
            f"https://news.example/{i}", "Bench", "en", published, f"report {i}", f"k{i}"
        )
        out.append((report, source))
    return out


def bench_merge(count: int, report: Report) -> None:
    from bot.timeline import record
    from bot.timeline.model import DEFAULT_RULES

    pairs = synthetic_reports(count)
    meetings: list[Any] = []
    by_venue: dict[str | None, list[int]] = {}
    next_id = 1
    merged = created = 0
    started = time.process_time()
    for seq, (rep, source) in enumerate(pairs, start=1):
        if rep.venue is not None:
            candidates = [meetings[i] for i in by_venue.get(rep.venue, [])]
        else:
            candidates = [m for m in meetings if set(m.state.participants) & set(rep.participants)]
        result = record.merge(candidates, rep, source, source.published, DEFAULT_RULES, seq=seq)
        if result.meeting is None:
            continue
        if result.is_new:
            result = result.with_id(next_id)
            next_id += 1
            meetings.append(result.meeting)
            by_venue.setdefault(rep.venue, []).append(len(meetings) - 1)
            created += 1
        else:
            index = next(i for i, m in enumerate(meetings) if m.id == result.meeting.id)
            meetings[index] = result.meeting
            merged += 1
    seconds = time.process_time() - started
    report.figure(
        "timeline.record.merge (pure)",
        f"{count / seconds:.0f} reports/s ({count} reports: {created} new meetings, "
        f"{merged} merged into existing ones)",
    )


class PreparedReports:
    """Stands in for the extractor: each item's report is made beforehand, so recording
    is measured, not extraction (``set`` it before each ``record_new_item``)."""

    def __init__(self) -> None:
        self.report: Any = None

    def set(self, report: Any) -> PreparedReports:
        self.report = report
        return self

    def extract(
        self, title: str, text: str, published: object, lang_hint: str | None = None
    ) -> Any:
        from bot.models import Extraction

        return Extraction(lang="en", actors=(), venues=(), mentions=(), meetings=(self.report,))


async def bench_record(count: int, report: Report, workdir: Path) -> None:
    from bot.models import ChatTarget, FeedItem, Platform
    from bot.pipeline import record_new_item
    from bot.store import Store

    store = await Store.open(f"sqlite+aiosqlite:///{workdir / 'core.sqlite3'}")
    try:
        for n in range(10):
            await store.subscriptions.subscribe(
                ChatTarget(Platform.TELEGRAM, str(1000 + n)), frozenset()
            )
        pairs = synthetic_reports(count, seed=9)
        prepared = PreparedReports()
        changes = 0
        cpu0, wall0 = time.process_time(), time.perf_counter()
        for i, (rep, source) in enumerate(pairs):
            item = FeedItem(
                feed_id="bench",
                key=source.item_key,
                title=f"Item {i}",
                text="",
                link=source.link,
                published=source.published,
                link_key=f"l:{i:012x}",
            )
            found = await record_new_item(store, prepared.set(rep), item, source.published)
            changes += len(found)
        cpu = time.process_time() - cpu0
        wall = time.perf_counter() - wall0
        counts = await store.outbox.counts()
    finally:
        await store.close()
    report.figure(
        "Store.record_item (SQLite)",
        f"{count / wall:.0f} reports/s wall, {count / cpu:.0f}/s per CPU second "
        f"({count} items, {changes} changes, {sum(counts.values())} outbox rows)",
    )


def hot_report(i: int, rng: random.Random) -> tuple[Any, Any, Any]:
    """The i-th report of one summit: Geneva on one day, from many outlets."""
    from bot.models import FeedItem, MeetingReport, MeetingStatus, SourceRef

    who = tuple(sorted(rng.sample(("witkoff", "kushner", "dmitriev", "umerov"), 2)))
    report = MeetingReport(
        venue="geneva",
        date=NOW.date() + timedelta(days=10),
        date_end=None,
        status=MeetingStatus.UPCOMING,
        tentative=rng.random() < 0.3,
        official=rng.random() < 0.1,
        participants=who,
        evidence=f"Talks in Geneva (report {i}).",
    )
    late = rng.random() < 0.2  # published before the newest report already recorded
    published = NOW + timedelta(minutes=i - (rng.randint(1, 60) if late else 0))
    source = SourceRef(f"https://hot.example/{i}", f"Outlet {i % 400}", "en", published, "", "")
    item = FeedItem(
        feed_id="hot",
        key=f"hot-{i}",
        title=f"Summit item {i}",
        text="",
        link=source.link,
        published=published,
        outlet=source.outlet,
        link_key=f"l:hot{i:08x}",
    )
    return report, item, published


async def bench_hot_meeting(sizes: list[int], report: Report, workdir: Path) -> None:
    from bot.models import ChatTarget, Platform
    from bot.pipeline import record_new_item
    from bot.store import Store

    store = await Store.open(f"sqlite+aiosqlite:///{workdir / 'hot.sqlite3'}")
    rng = random.Random(11)
    prepared = PreparedReports()
    per_size: dict[int, list[float]] = {}
    try:
        for n in range(10):
            await store.subscriptions.subscribe(
                ChatTarget(Platform.TELEGRAM, str(2000 + n)), frozenset()
            )
        recorded = 0
        fill_started = time.perf_counter()
        for size in sizes:
            while recorded < size:
                rep, item, published = hot_report(recorded, rng)
                await record_new_item(store, prepared.set(rep), item, published)
                recorded += 1
            timings = per_size.setdefault(size, [])
            for _ in range(HOT_PROBES):
                rep, item, published = hot_report(recorded, rng)
                cpu0 = time.process_time()
                await record_new_item(store, prepared.set(rep), item, published)
                timings.append((time.process_time() - cpu0) * 1000)
                recorded += 1
        fill_seconds = time.perf_counter() - fill_started
        found = await store.meetings.all_meetings()
    finally:
        await store.close()
    biggest = max(len(m.reports) for m in found)
    report.figure(
        "hot meeting (SQLite)",
        f"{len(found)} meeting(s), the biggest with {biggest} reports; built in "
        f"{fill_seconds:.0f} s wall",
    )
    for size, timings in per_size.items():
        timings.sort()
        report.figure(
            f"  record one more report at {size} reports",
            f"mean {sum(timings) / len(timings):.2f} ms CPU, median "
            f"{timings[len(timings) // 2]:.2f}, max {timings[-1]:.2f} ({len(timings)} reports)",
        )
    top = max(per_size)
    mean = sum(per_size[top]) / len(per_size[top])
    report.target(
        f"record a report on a meeting with {top} reports <= {HOT_TARGET_MS:.0f} ms CPU",
        f"{mean:.2f} ms",
        mean <= HOT_TARGET_MS,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer articles and reports")
    parser.add_argument("--articles", type=int, default=None, help="(2000; quick 300)")
    parser.add_argument("--reports", type=int, default=None, help="(3000; quick 500)")
    parser.add_argument(
        "--hot-reports", type=int, default=None, help="the hot meeting's size (5000; quick 500)"
    )
    parser.add_argument("--only-hot", action="store_true", help="only the hot meeting")
    args = parser.parse_args()
    n_articles = args.articles or (300 if args.quick else 2000)
    n_reports = args.reports or (500 if args.quick else 3000)
    hot = args.hot_reports or (500 if args.quick else 5000)
    sizes = sorted({s for s in (50, 500, 5000) if s < hot} | {hot})
    report = Report("core: extraction, timeline merge, record_item, a hot meeting")
    if not args.only_hot:
        bench_extract(n_articles, report)
        bench_merge(n_reports, report)
    workdir = Path(tempfile.mkdtemp(prefix="talkwatch-bench-core-"))
    try:
        if not args.only_hot:
            eventloop.run(bench_record(n_reports, report, workdir))
        eventloop.run(bench_hot_meeting(sizes, report, workdir))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    report.print()
    return 0 if report.passed else 1


if __name__ == "__main__":
    sys.exit(main())
