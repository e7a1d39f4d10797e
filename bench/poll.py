"""Polling at scale: the real poller against 2,000 (to 20,000) local feeds, every minute.

What runs
---------
* A feed server in a SEPARATE PROCESS (``python bench/poll.py --serve``, aiohttp) serving
  ``--feeds`` feeds (default 2,000) spread over ``--hosts`` loopback addresses
  (127.0.1.1, 127.0.1.2, ...; Linux routes all of 127.0.0.0/8 to the loopback device),
  because real feeds live on many hosts and the poller allows only ``max_per_host``
  fetches per host at once. The mix (``--mix default``), fixed per feed index:

  ====  ===============================================================================
  80 %  conditional: ETag + Last-Modified, 304 to every conditional GET after the first
   8 %  fresh: a new item every minute (about a third of them meeting stories that
        alert), 10 items in the body, new ETag each time
   5 %  slow: 0.5-3 s before answering (then like "conditional")
   2 %  no validators: 200 with the same body every time (the body-hash path)
   3 %  500 Internal Server Error
   2 %  429 with Retry-After: 120
  ====  ===============================================================================

  ``--mix steady``: 90 % conditional, 10 % fresh. ``--mix churn`` (or ``--churn``):
  40 % no validators (the full unchanged body every time), 36 % conditional, 8 % fresh,
  6 % slow, 5 % 500, 3 % 429, 2 % hanging past the fetch deadline. ``--backlog N``: items
  in a non-fresh feed's body (4; fewer shortens the warm-up of a big run).

* The bot in THIS process: ``bot.app.BotApp`` with a temporary config listing every feed
  with ``interval_seconds = 60`` and ``jitter_seconds = 0`` (``--jitter``: each period
  is spread by up to the jitter, the mean staying 60 s),
  ``allow_private_addresses = true``, a real SQLite file,
  and ``run_forever`` (the poll dispatcher, the real Pipeline, the real
  outbox and delivery loop). The console output is replaced by a sink that drops
  messages, so delivery still claims, renders and marks every outbox row.

What is measured
----------------
A warm-up first: the first poll of every feed (cold start: every feed's backlog is
fetched, parsed, extracted and recorded, without alerts). It is reported on its own.
Then a window of ``--minutes`` minutes (default 4; ``--quick``: 1):

* polls per minute (Pipeline.poll calls completed, any outcome) and HTTP fetches per
  minute, with the outcome mix; scheduler runs missed or skipped (APScheduler warnings)
* how late polls start after they were due (the dispatcher's lag, p95 and max)
* errors of the bot's own: failed polls of feeds that never fail, logs of "database is
  locked", QueuePool exhaustion or failed state/item writes, missed or skipped runs
* CPU seconds of this process (``getrusage(RUSAGE_SELF)``: the server is another
  process) per 1,000 polls and as a share of one core over the window
* peak RSS (``ru_maxrss``) of this process over the whole run
* item-to-alert-queued delay: from the start of the fetch that saw a new item
  (a wrapper around the pipeline's ``fetch_feed``) to the commit of the transaction
  that wrote its outbox rows (a wrapper around ``Store.record_item``). The outbox's own
  ``created_at`` is stamped with the poll's start time (the pipeline's ``now``), so it
  cannot show this delay; the rows are counted afterwards to check every alert was queued.

Targets: up to 2,000 feeds, every feed polled each minute with no errors, under 25 % of
one core and 250 MB RSS; at 10,000, the same under 60 % of one core (500 MB); above
10,000 (overload), no errors and a steady rate of at least 10,000 polls a minute (polls
start later instead); item-to-alert-queued p95 under 2 s.

    .venv/bin/python bench/poll.py [--quick] [--minutes N] [--feeds N] [--hosts N]
        [--mix default|steady|churn] [--backlog N]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import email.utils
import json
import logging
import math
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from benchlib import (
    REPO_ROOT,
    Report,
    cpu_seconds,
    current_rss_mb,
    meeting_story,
    ms,
    neutral_story,
    peak_rss_mb,
    percentile,
    start_server,
)

from bot import eventloop

MIXES = {
    "default": (
        ("conditional", 80),
        ("fresh", 8),
        ("slow", 5),
        ("nocache", 2),
        ("error500", 3),
        ("error429", 2),
    ),
    # The scale target: 90 % answer 304, 10 % have a new item every minute.
    "steady": (("conditional", 90), ("fresh", 10)),
    # Churn: 40 % ignore conditional GET (the full unchanged body every time), some slow,
    # some erroring, some never answering within the fetch deadline.
    "churn": (
        ("nocache", 40),
        ("conditional", 36),
        ("fresh", 8),
        ("slow", 6),
        ("error500", 5),
        ("error429", 3),
        ("hang", 2),
    ),
}
KINDS = MIXES["default"]
# The capacity target is 10,000 feeds a minute; above it the bench checks overload.
OVERLOAD_FEEDS = 10_000
STATIC_ITEMS = 4  # items in a non-fresh feed's body (the backlog recorded at cold start)
# Feeds of these kinds never fail: a failed poll of one is the bot's own error.
HEALTHY_KINDS = frozenset({"conditional", "fresh", "nocache", "slow"})
# Log text that means the database could not keep up.
STORAGE_TROUBLE = ("database is locked", "QueuePool limit", "saving the state", "storing items")
FRESH_ITEMS = 10
MEETING_SHARE = 0.35  # of a fresh feed's new items


def kind_of(index: int) -> str:
    slot = (index * 37) % 100  # spread the kinds over the index range
    for name, share in KINDS:
        if slot < share:
            return name
        slot -= share
    raise AssertionError


def host_of(index: int, hosts: int) -> str:
    n = index % hosts
    return f"127.0.1.{n + 1}" if hosts <= 254 else f"127.0.{1 + n // 254}.{1 + n % 254}"


# --------------------------------------------------------------------------- feed server


def _rss(items: list[tuple[str, str, str, datetime]]) -> bytes:
    entries = "".join(
        f"<item><guid>{escape(guid)}</guid><title>{escape(title)}</title>"
        f"<link>https://news.example/{escape(guid)}</link>"
        f"<description>{escape(text)}</description>"
        f"<pubDate>{email.utils.format_datetime(published)}</pubDate></item>"
        for guid, title, text, published in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Bench Wire</title><link>https://news.example/</link>{entries}"
        "</channel></rss>"
    ).encode()


@dataclass
class FeedSim:
    index: int
    kind: str
    seed: int
    started: float
    today: date
    phase: float = 0.0
    delay: float = 0.0
    cache: dict[int, tuple[bytes, str, str]] = field(default_factory=dict)

    def _story(self, rng: random.Random, meeting: bool) -> tuple[str, str]:
        return meeting_story(rng, self.today) if meeting else neutral_story(rng)

    def version(self, now: float) -> int:
        if self.kind != "fresh":
            return 0
        return max(0, int((now - self.started - self.phase) // 60))

    def body(self, version: int) -> tuple[bytes, str, str]:
        """(body, etag, last_modified) of a version of this feed (cached)."""
        cached = self.cache.get(version)
        if cached is not None:
            return cached
        items = []
        if self.kind == "fresh":
            for k in range(max(0, version - FRESH_ITEMS + 1), version + 1):
                rng = random.Random(f"{self.seed}:{self.index}:{k}")
                title, text = self._story(rng, rng.random() < MEETING_SHARE)
                published = self.started + self.phase + 60 * (k - 1)
                items.append(
                    (f"f{self.index}-{k}", title, text, datetime.fromtimestamp(published, UTC))
                )
        else:
            for k in range(STATIC_ITEMS):
                rng = random.Random(f"{self.seed}:{self.index}:{k}")
                title, text = self._story(rng, rng.random() < 0.2)
                published = self.started - 3600 * (k + 1)
                items.append(
                    (f"s{self.index}-{k}", title, text, datetime.fromtimestamp(published, UTC))
                )
        items.reverse()  # newest first, as feeds do
        modified = email.utils.formatdate(self.started + self.phase + 60 * version, usegmt=True)
        result = (_rss(items), f'"{self.index}-{version}"', modified)
        self.cache = {version: result}
        return result


async def _serve(feeds: int, hosts: int, seed: int) -> None:
    from aiohttp import web

    started = time.time()
    today = datetime.now(UTC).date()
    sims: dict[int, FeedSim] = {}
    for i in range(feeds):
        rng = random.Random(f"{seed}:sim:{i}")
        sim = FeedSim(i, kind_of(i), seed, started, today)
        sim.phase = rng.uniform(0, 60)
        sim.delay = rng.uniform(0.5, 3.0)
        sims[i] = sim
    stats: Counter[str] = Counter()

    async def handler(request: web.Request) -> web.StreamResponse:
        try:
            sim = sims[int(request.match_info["index"])]
        except (KeyError, ValueError):
            return web.Response(status=404)
        stats[sim.kind] += 1
        if sim.kind == "error500":
            return web.Response(status=500, text="internal error")
        if sim.kind == "error429":
            return web.Response(status=429, text="slow down", headers={"Retry-After": "120"})
        if sim.kind == "slow":
            await asyncio.sleep(sim.delay)
        if sim.kind == "hang":
            await asyncio.sleep(3600)  # past any fetch deadline
        body, etag, modified = sim.body(sim.version(time.time()))
        rss_type = "application/rss+xml; charset=utf-8"
        if sim.kind == "nocache":
            return web.Response(body=body, headers={"Content-Type": rss_type})
        headers = {"Content-Type": rss_type, "ETag": etag, "Last-Modified": modified}
        inm = request.headers.get("If-None-Match")
        ims = request.headers.get("If-Modified-Since")
        if inm == etag or (inm is None and ims == modified):
            stats["304"] += 1
            return web.Response(status=304, headers=headers)
        return web.Response(body=body, headers=headers)

    async def stats_handler(request: web.Request) -> web.StreamResponse:
        return web.json_response(dict(stats))

    app = web.Application()
    app.router.add_get("/f/{index}.xml", handler)
    app.router.add_get("/stats", stats_handler)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
    await runner.setup()
    ports: dict[str, int] = {}
    for n in range(hosts):
        host = host_of(n, hosts)
        site = web.TCPSite(runner, host, 0)
        await site.start()
        server = site._server  # aiohttp has no public accessor for the bound port
        assert server is not None
        ports[host] = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
    print(json.dumps({"ports": ports}), flush=True)
    await asyncio.Event().wait()


# --------------------------------------------------------------------------- the bot


class NullSink:
    """A ChatPlatform that drops every message (stands in for the console output)."""

    name = "console"

    def __init__(self) -> None:
        self.sent = 0

    async def start(self, on_command: Any) -> None:
        return None

    async def send(self, target: Any, message: Any, *, plain: bool = False) -> Any:
        from bot.models import SentRef

        self.sent += 1
        return SentRef(target=target, message_id=str(self.sent))

    async def mark_outdated(self, ref: Any, note: str, original: Any = None) -> None:
        return None

    async def stop(self) -> None:
        return None


class CountingHandler(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.counts: Counter[str] = Counter()
        self.events: list[tuple[float, str]] = []  # scheduler trouble, with the time

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if record.name.startswith("apscheduler"):
            if "was missed by" in message:
                self.events.append((time.monotonic(), "missed"))
            elif "maximum number of running instances" in message:
                self.events.append((time.monotonic(), "skipped"))
        self.counts[f"{record.levelname.lower()} logs"] += 1
        text = message
        if record.exc_info and record.exc_info[1] is not None:
            text += f" {record.exc_info[1]}"
        for trouble in STORAGE_TROUBLE:
            if trouble in text:
                self.counts[trouble] += 1
                self.events.append((time.monotonic(), "storage"))


@dataclass
class Probe:
    """What the wrappers record: polls, fetches, alert delays."""

    url_of: dict[str, str]
    polls: list[tuple[float, str, str]] = field(default_factory=list)  # (end, feed, outcome)
    fetches: list[float] = field(default_factory=list)
    fetch_started: dict[str, float] = field(default_factory=dict)
    delays: list[tuple[float, float]] = field(default_factory=list)  # (queued at, delay)
    changes: int = 0
    in_flight: int = 0
    db_calls: dict[str, list[tuple[float, float]]] = field(
        default_factory=lambda: {"write": [], "read": []}
    )  # (ended at, duration) of every Database.write / Database.read


def instrument(app: Any, probe: Probe) -> None:
    import bot.pipeline as pipeline_module

    real_fetch = pipeline_module.fetch_feed

    async def fetch_feed(client: Any, url: str, *args: Any, **kwargs: Any) -> Any:
        started = time.monotonic()
        probe.fetch_started[url] = started
        probe.fetches.append(started)
        return await real_fetch(client, url, *args, **kwargs)

    pipeline_module.fetch_feed = fetch_feed  # type: ignore[assignment]

    real_record = app.store.record_item

    async def record_item(feed_id: str, *args: Any, alert: bool = True, **kwargs: Any) -> Any:
        changes = await real_record(feed_id, *args, alert=alert, **kwargs)
        if changes and alert:
            done = time.monotonic()
            started = probe.fetch_started.get(probe.url_of[feed_id], done)
            probe.delays.extend((done, done - started) for _ in changes)
            probe.changes += len(changes)
        return changes

    app.store.record_item = record_item

    real_poll = app.pipeline.poll

    async def poll(feed: Any, **kwargs: Any) -> Any:
        probe.in_flight += 1
        try:
            report = await real_poll(feed, **kwargs)
        finally:
            probe.in_flight -= 1
        outcome = report.outcome
        if outcome == "skipped" and report.error:
            outcome = f"skipped ({report.error})"
        probe.polls.append((time.monotonic(), feed.id, outcome))
        return report

    app.pipeline.poll = poll

    db = app.store.db
    for name in ("write", "read"):
        real = getattr(db, name)

        def timed(real: Any = real, name: str = name) -> Any:
            async def call(work: Any) -> Any:
                started = time.monotonic()
                try:
                    return await real(work)
                finally:
                    done = time.monotonic()
                    probe.db_calls[name].append((done, done - started))

            return call

        setattr(db, name, timed())


def run_queue_seconds() -> float:
    """Time the main thread (the event loop) was runnable but not running: how much
    other processes held it back (Linux; 0 elsewhere)."""
    try:
        with open("/proc/thread-self/schedstat", encoding="ascii") as fh:
            return int(fh.read().split()[1]) / 1e9
    except (OSError, ValueError, IndexError):
        return 0.0


def write_config(directory: Path, ports: dict[str, int], feeds: int, hosts: int) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO_ROOT / "config" / "watchlist.yaml", directory / "watchlist.yaml")
    lines = []
    for i in range(feeds):
        host = host_of(i, hosts)
        lines.append(
            f'[[feed]]\nid = "bench-{i:04d}"\nurl = "http://{host}:{ports[host]}/f/{i}.xml"\n'
            f'interval_seconds = 60\noutlet = "Bench Wire {i % 50}"\n'
        )
    (directory / "feeds.toml").write_text("\n".join(lines), encoding="utf-8")


async def outbox_rows(app: Any) -> int:
    counts = await app.store.outbox.counts()
    return sum(counts.values())


async def run_bot(args: argparse.Namespace, ports: dict[str, int], workdir: Path) -> int:
    from bot.app import BotApp, RunOptions
    from bot.config import load_config
    from bot.models import Platform

    write_config(workdir / "config", ports, args.feeds, args.hosts)
    env = {
        "BOT_POLLING_ALLOW_PRIVATE_ADDRESSES": "true",
        "BOT_POLLING_DEFAULT_INTERVAL_SECONDS": "60",
        "BOT_POLLING_JITTER_SECONDS": str(args.jitter),
    }
    config = load_config(workdir / "config", env=env)
    db = f"sqlite+aiosqlite:///{workdir / 'bench.sqlite3'}"
    app = BotApp(config, RunOptions(database_url=db))
    # Production logging (bot.logs: INFO, chatty libraries quietened, redaction), written
    # to a file in the work directory instead of stderr; plus a handler that counts.
    from bot.logs import configure_logging

    configure_logging("INFO")
    root = logging.getLogger()
    log_file = (workdir / "bot.log").open("w", encoding="utf-8")
    for existing in root.handlers:
        if isinstance(existing, logging.StreamHandler):
            existing.setStream(log_file)
    handler = CountingHandler()
    root.addHandler(handler)

    await app.open()
    assert app.delivery is not None and app.store is not None
    sink = NullSink()
    app.platforms = {Platform.CONSOLE: sink}  # type: ignore[dict-item]
    app.delivery.platforms = {Platform.CONSOLE: sink}  # type: ignore[dict-item]
    probe = Probe(url_of={job.id: job.url for job in app.jobs})
    instrument(app, probe)

    report = Report(f"poll: {args.feeds} feeds every 60 s, {args.hosts} hosts")
    stop = asyncio.Event()
    cpu_start, wall_start = cpu_seconds(), time.monotonic()
    runner = asyncio.create_task(app.run_forever(stop))
    try:
        # Warm-up: the first round (every feed's cold start, recorded together), then
        # until every feed has had a regular poll (or --warmup-limit after the round).
        for _ in range(100_000):
            if getattr(app, "dispatcher", True) is not None:  # True: no such stage
                break
            await asyncio.sleep(0.5)
        round_done = time.monotonic()
        all_ids = set(probe.url_of)
        while {feed for _, feed, _ in probe.polls} != all_ids:
            if time.monotonic() - round_done > args.warmup_limit:
                print("warm-up did not finish in time", file=sys.stderr)
                break
            await asyncio.sleep(0.5)
        warm_wall = time.monotonic() - wall_start
        warm_cpu = cpu_seconds() - cpu_start
        # The first round polls every feed at once; the regular runs start one interval
        # later, so any window from then on holds one run per feed per interval.
        steady = wall_start + 61
        await asyncio.sleep(max(0.0, steady - time.monotonic()))
        report.figure(
            "warm-up (first poll of every feed)",
            f"{warm_wall:.1f} s wall, {warm_cpu:.1f} s CPU, {probe.changes} changes "
            f"(backlog: recorded without alerts)",
        )
        rows_before = await outbox_rows(app)
        changes_before = probe.changes

        # The measured window.
        profiler = None
        if args.profile:
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
        t0, cpu0, queued0 = time.monotonic(), cpu_seconds(), run_queue_seconds()
        print(f"  measuring from {warm_wall:.0f} s after start (pid {os.getpid()})", flush=True)
        per_minute = []
        for minute in range(args.minutes):
            m0, c0 = time.monotonic(), cpu_seconds()
            await asyncio.sleep(60)
            m1, c1 = time.monotonic(), cpu_seconds()
            polls = sum(1 for t, _, _ in probe.polls if m0 <= t < m1)
            fetches = sum(1 for t in probe.fetches if m0 <= t < m1)
            share = (c1 - c0) / (m1 - m0)
            per_minute.append((polls, fetches, share))
            print(
                f"  minute {minute + 1}: {polls} polls, {fetches} fetches, "
                f"CPU {share:.1%} of one core, peak RSS {peak_rss_mb():.0f} MB",
                flush=True,
            )
        t1, cpu1, queued1 = time.monotonic(), cpu_seconds(), run_queue_seconds()
        if profiler is not None:
            import pstats

            profiler.disable()
            stats = pstats.Stats(profiler)
            stats.sort_stats("tottime").print_stats(30)
            stats.sort_stats("cumulative").print_stats(60)
    finally:
        stop.set()
        await runner
        if app.scheduler is not None:
            app.scheduler.shutdown(wait=False)
        # Let polls already under way finish before the database closes.
        for _ in range(300):
            if not probe.in_flight:
                break
            await asyncio.sleep(0.1)
        rows_after = await outbox_rows(app) if app.store else 0
        sent = sink.sent
        await app.close()
        root.removeHandler(handler)

    wall = t1 - t0
    window = [p for p in probe.polls if t0 <= p[0] < t1]
    outcomes = Counter(o for _, _, o in window)
    polls_per_min = len(window) / (wall / 60)
    fetches_per_min = sum(1 for t in probe.fetches if t0 <= t < t1) / (wall / 60)
    cpu = cpu1 - cpu0
    share = cpu / wall
    delays = [d for t, d in probe.delays if t0 <= t < t1]
    all_delays = [d for _, d in probe.delays]
    p50, p95 = percentile(delays, 50), percentile(delays, 95)
    window_changes = probe.changes - changes_before
    missed = sum(1 for t, e in handler.events if t0 <= t < t1 and e == "missed")
    skipped_sched = sum(1 for t, e in handler.events if t0 <= t < t1 and e == "skipped")
    warm_skipped = sum(1 for t, e in handler.events if t < t0)
    still_running = sum(n for o, n in outcomes.items() if "still running" in o)
    storage = sum(1 for t, e in handler.events if t0 <= t < t1 and e == "storage")
    own_failures = sum(
        1
        for _, feed, outcome in window
        if outcome == "failed" and kind_of(int(feed.split("-")[1])) in HEALTHY_KINDS
    )
    errors = missed + skipped_sched + still_running + storage + own_failures
    dispatcher = getattr(app, "dispatcher", None)  # None: a version with a job per feed
    lag_p95, lag_max = dispatcher.schedule.lag() if dispatcher else (math.nan, math.nan)
    minute_polls = [p for p, _, _ in per_minute]
    steadiness = (max(minute_polls) - min(minute_polls)) / max(max(minute_polls), 1)
    peak = peak_rss_mb()

    report.figure("measured window", f"{wall / 60:.1f} min")
    report.figure("polls per minute", f"{polls_per_min:.0f}")
    report.figure("HTTP fetches per minute", f"{fetches_per_min:.0f}")
    report.figure("outcomes", ", ".join(f"{o} {n}" for o, n in outcomes.most_common()))
    report.figure(
        "scheduler runs missed / skipped",
        f"{missed} / {skipped_sched} (before the window: {warm_skipped})",
    )
    report.figure(
        "poll start lag (started after due)",
        f"p95 {lag_p95:.1f} s, max {lag_max:.1f} s (last 1,000 polls)",
    )
    report.figure(
        "errors of the bot's own",
        f"{own_failures} failed polls of healthy feeds, {storage} storage trouble logs, "
        f"{missed + skipped_sched + still_running} missed/skipped runs",
    )
    report.figure("polls per measured minute", ", ".join(str(p) for p in minute_polls))
    report.figure("CPU (this process)", f"{cpu:.1f} s = {share:.1%} of one core")
    report.figure(
        "event loop runnable but waiting for a core",
        f"{queued1 - queued0:.1f} s = {(queued1 - queued0) / wall:.1%} of the window "
        "(other processes on the machine; /proc/self/schedstat)",
    )
    report.figure("CPU per 1,000 polls", f"{cpu / max(len(window), 1) * 1000:.2f} s")
    report.figure("per-minute CPU share", ", ".join(f"{s:.1%}" for _, _, s in per_minute))
    report.figure("peak RSS (ru_maxrss)", f"{peak:.0f} MB (now {current_rss_mb() or 0:.0f} MB)")
    report.figure(
        "alerts queued in window",
        f"{window_changes} changes; outbox rows {rows_before} -> {rows_after}, "
        f"delivered to the sink {sent}",
    )
    report.figure(
        "item-to-alert-queued delay",
        f"p50 {ms(p50)}, p95 {ms(p95)}, max {ms(max(delays, default=float('nan')))} "
        f"(n={len(delays)}; whole run incl. warm-up: p95 {ms(percentile(all_delays, 95))})",
    )
    for name, calls in probe.db_calls.items():
        inside = [d for t, d in calls if t0 <= t < t1]
        report.figure(
            f"Database.{name} calls",
            f"{len(inside) / (wall / 60):.0f}/min, p50 {ms(percentile(inside, 50))}, "
            f"p95 {ms(percentile(inside, 95))}, max {ms(max(inside, default=float('nan')))}",
        )
    report.figure("log counts", ", ".join(f"{k} {v}" for k, v in sorted(handler.counts.items())))
    feeds = args.feeds
    if feeds > OVERLOAD_FEEDS:
        # Beyond the capacity target: a steady lower rate, polls later, no errors.
        report.target(
            "overload: no errors (failed polls of healthy feeds, storage trouble, "
            "missed/skipped runs)",
            str(errors),
            errors == 0,
        )
        report.target(
            "overload: a steady rate (minutes within 10%)", f"{steadiness:.1%}", steadiness <= 0.1
        )
        report.target(
            f"overload: >= {OVERLOAD_FEEDS} polls/min",
            f"{polls_per_min:.0f}/min",
            polls_per_min >= OVERLOAD_FEEDS,
        )
    else:
        report.target(
            f">= {feeds * 0.98:.0f} polls/min (98% of {feeds}), no errors",
            f"{polls_per_min:.0f}/min, {errors} errors",
            polls_per_min >= feeds * 0.98 and errors == 0,
        )
    if feeds <= OVERLOAD_FEEDS:
        # Within capacity the CPU share and the alert delay are targets; under overload
        # the process uses its core whole and alerts wait with the polls (figures above).
        cpu_target = 0.25 if feeds <= 2000 else 0.60
        report.target(f"CPU < {cpu_target:.0%} of one core", f"{share:.1%}", share < cpu_target)
        report.target(
            "item-to-alert-queued p95 < 2 s",
            ms(p95),
            bool(delays) and p95 < 2.0,
        )
    rss_target = 250 if feeds <= 2000 else 500
    report.target(f"peak RSS < {rss_target} MB", f"{peak:.0f} MB", peak < rss_target)
    report.print()
    return 0 if report.passed else 1


def launch_server(args: argparse.Namespace) -> tuple[subprocess.Popen[str], dict[str, int]]:
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--serve",
        "--feeds",
        str(args.feeds),
        "--hosts",
        str(args.hosts),
        "--seed",
        str(args.seed),
        "--mix",
        args.mix,
        "--backlog",
        str(args.backlog),
    ]
    proc, ready = start_server(cmd, "feed server")
    return proc, {k: int(v) for k, v in ready["ports"].items()}


def main() -> int:
    global KINDS, STATIC_ITEMS
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="one measured minute")
    parser.add_argument("--minutes", type=int, default=None, help="measured minutes (4)")
    parser.add_argument("--feeds", type=int, default=2000)
    parser.add_argument("--hosts", type=int, default=100, help="loopback addresses to spread over")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--mix",
        choices=sorted(MIXES),
        default="default",
        help="feed mix: default (mostly 304s, some fresh/slow/erroring), steady (90%% 304, "
        "10%% new items), churn (40%% ignore conditional GET, slow, erroring, hanging)",
    )
    parser.add_argument("--churn", action="store_true", help="the same as --mix churn")
    parser.add_argument(
        "--backlog",
        type=int,
        default=STATIC_ITEMS,
        help="items in each non-fresh feed's body (the cold start records them all; "
        "fewer makes the warm-up of a big run shorter)",
    )
    parser.add_argument(
        "--jitter",
        type=float,
        default=0.0,
        help="polling.jitter_seconds (0: each feed exactly once a minute; APScheduler adds "
        "the jitter after every run, so 15 makes the mean period 67.5 s)",
    )
    parser.add_argument(
        "--warmup-limit",
        type=float,
        default=600.0,
        help="seconds after the first round to wait for every feed's first regular poll",
    )
    parser.add_argument("--profile", action="store_true", help="cProfile the window")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.churn:
        args.mix = "churn"
    KINDS, STATIC_ITEMS = MIXES[args.mix], args.backlog
    if args.serve:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(_serve(args.feeds, args.hosts, args.seed))
        return 0
    args.minutes = args.minutes or (1 if args.quick else 4)
    workdir = Path(tempfile.mkdtemp(prefix="talkwatch-bench-poll-"))
    proc, ports = launch_server(args)
    try:
        print(f"feed server pid {proc.pid}; work directory {workdir}", flush=True)
        return eventloop.run(run_bot(args, ports, workdir))
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
