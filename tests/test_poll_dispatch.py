"""Polling at scale over real parts (feed servers on loopback, real SQLite): the feed
states of a round are written in one transaction, the dispatcher writes the states of
many polls together, and overload spreads polls later instead of skipping them."""

from __future__ import annotations

import asyncio
import shutil
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import pytest
from aiohttp import web
from feedserver import ConditionalFeed, FeedServer

from bot.app import BotApp, RunOptions
from bot.config import load_config
from bot.pipeline import FeedJob, PollReport
from bot.pollschedule import PollDispatcher, PollSchedule

REPO_CONFIG = Path(__file__).resolve().parents[1] / "config"
NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
T = TypeVar("T")

BODY = (
    b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Wire</title>'
    b"<item><guid>a-1</guid><title>Markets close higher</title>"
    b"<description>Shares rose on Friday.</description>"
    b"<pubDate>Fri, 20 Nov 2026 09:00:00 GMT</pubDate></item></channel></rss>"
)


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
async def server() -> AsyncIterator[FeedServer]:
    async with FeedServer() as srv:
        yield srv


def make_app(tmp_path: Path, urls: list[str], interval: int = 60) -> BotApp:
    config_dir = tmp_path / "config"
    config_dir.mkdir(exist_ok=True)
    shutil.copy(REPO_CONFIG / "watchlist.yaml", config_dir / "watchlist.yaml")
    (config_dir / "feeds.toml").write_text(
        "\n".join(
            f'[[feed]]\nid = "f{i}"\nurl = "{url}"\ninterval_seconds = {interval}\n'
            for i, url in enumerate(urls)
        ),
        encoding="utf-8",
    )
    env = {"BOT_POLLING_ALLOW_PRIVATE_ADDRESSES": "true", "BOT_POLLING_JITTER_SECONDS": "0"}
    config = load_config(config_dir, env=env)
    db = f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}"
    return BotApp(config, RunOptions(database_url=db, clock=Clock()))


def count_writes(app: BotApp) -> list[int]:
    """Count the store's write transactions from now on (a one-element list)."""
    assert app.store is not None
    db = app.store.db
    real = db.write
    count = [0]

    async def write(work: Callable[[Any], Awaitable[T]]) -> T:
        count[0] += 1
        return await real(work)

    db.write = write  # type: ignore[method-assign]
    return count


def conditional_feeds(server: FeedServer, count: int) -> list[str]:
    for i in range(count):
        server.route(f"/f{i}.xml", ConditionalFeed(BODY.replace(b"a-1", f"a-{i}".encode())))
    return [server.url(f"/f{i}.xml") for i in range(count)]


@pytest.mark.parametrize("feeds", [1, 5, 20])
async def test_a_round_of_304s_saves_every_feed_state_in_one_transaction(
    tmp_path: Path, server: FeedServer, feeds: int
) -> None:
    app = make_app(tmp_path, conditional_feeds(server, feeds))
    await app.open()
    try:
        assert app.pipeline is not None and app.store is not None
        await app.pipeline.poll_many(app.jobs, force=True)  # first poll: the backlog
        writes = count_writes(app)
        reports = await app.pipeline.poll_many(app.jobs, force=True)
        assert {r.outcome for r in reports} == {"not_modified"}
        assert writes[0] == 1
        states = await app.store.feeds.all()
        assert {s.last_status for s in states.values()} == {304}
    finally:
        await app.close()


async def test_polls_that_defer_their_state_are_saved_together_by_one_flush(
    tmp_path: Path, server: FeedServer
) -> None:
    app = make_app(tmp_path, conditional_feeds(server, 6))
    await app.open()
    try:
        assert app.pipeline is not None and app.store is not None
        await app.pipeline.poll_many(app.jobs, force=True)
        writes = count_writes(app)
        for job in app.jobs:
            report = await app.pipeline.poll(job, force=True, save_state=False)
            assert report.outcome == "not_modified"
        assert writes[0] == 0  # a 304 has no write transaction of its own
        assert {s.last_status for s in (await app.store.feeds.all()).values()} == {200}
        assert await app.pipeline.flush_states() == 6
        assert writes[0] == 1
        assert {s.last_status for s in (await app.store.feeds.all()).values()} == {304}
        assert await app.pipeline.flush_states() == 0  # nothing left: no transaction
        assert writes[0] == 1
    finally:
        await app.close()


async def test_states_not_yet_flushed_are_saved_when_the_bot_stops(
    tmp_path: Path, server: FeedServer
) -> None:
    app = make_app(tmp_path, conditional_feeds(server, 3))
    await app.open()
    assert app.pipeline is not None and app.store is not None
    await app.pipeline.poll_many(app.jobs, force=True)
    for job in app.jobs:
        await app.pipeline.poll(job, force=True, save_state=False)
    store = app.store
    app.store = None  # keep the database open past close() to read it
    app.pipeline.store = store
    await app.close()
    try:
        assert {s.last_status for s in (await store.feeds.all()).values()} == {304}
    finally:
        await store.close()


def delayed(route: Callable[[web.Request], Awaitable[web.StreamResponse]], seconds: float) -> Any:
    async def handler(request: web.Request) -> web.StreamResponse:
        await asyncio.sleep(seconds)
        return await route(request)

    return handler


async def run_dispatcher(
    app: BotApp, jobs: list[FeedJob], seconds: float, max_in_flight: int
) -> tuple[list[PollReport], PollDispatcher, int]:
    """Dispatch ``jobs`` for ``seconds``; the reports, the dispatcher, the most
    polls of one feed ever under way at once."""
    assert app.pipeline is not None
    pipeline = app.pipeline
    loop = asyncio.get_running_loop()
    reports: list[PollReport] = []
    running: Counter[str] = Counter()
    overlap = 0

    async def poll(job: FeedJob, fetched: Callable[[], None]) -> PollReport:
        nonlocal overlap
        running[job.id] += 1
        overlap = max(overlap, running[job.id])
        try:
            report = await pipeline.poll(job, save_state=False, on_fetched=fetched)
        finally:
            running[job.id] -= 1
        reports.append(report)
        return report

    schedule = PollSchedule(jobs, start=loop.time())
    dispatcher = PollDispatcher(
        schedule,
        poll,
        max_in_flight=max_in_flight,
        flush=pipeline.flush_states,
        flush_seconds=0.5,
        monotonic=loop.time,
    )
    task = asyncio.create_task(dispatcher.run())
    await asyncio.sleep(seconds)
    dispatcher.stop()
    await asyncio.wait_for(task, 10)
    return reports, dispatcher, overlap


async def test_dispatcher_polls_each_feed_on_its_interval_and_batches_state_writes(
    tmp_path: Path, server: FeedServer
) -> None:
    app = make_app(tmp_path, conditional_feeds(server, 8), interval=1)
    await app.open()
    try:
        assert app.pipeline is not None and app.store is not None
        await app.pipeline.poll_many(app.jobs, force=True)
        writes = count_writes(app)
        reports, _, overlap = await run_dispatcher(app, app.jobs, seconds=3.2, max_in_flight=8)
        per_feed = Counter(r.feed_id for r in reports)
        assert set(per_feed) == {job.id for job in app.jobs}
        assert set(per_feed.values()) <= {3, 4}  # once a second each
        assert {r.outcome for r in reports} == {"not_modified"}
        assert overlap == 1
        # 24+ polls, but their states went out in a handful of flushes
        assert 1 <= writes[0] <= 8
        assert {s.last_status for s in (await app.store.feeds.all()).values()} == {304}
    finally:
        await app.close()


async def test_overload_polls_every_feed_later_and_evenly_never_skipping(
    tmp_path: Path, server: FeedServer
) -> None:
    # 8 feeds due every second, each answer takes 0.5 s and 2 polls run at once: room
    # for 4 polls a second against 8 due, so each feed is polled about every 2 s.
    for i in range(8):
        route = ConditionalFeed(BODY.replace(b"a-1", f"a-{i}".encode()))
        server.route(f"/f{i}.xml", delayed(route, 0.5))
    app = make_app(tmp_path, [server.url(f"/f{i}.xml") for i in range(8)], interval=1)
    await app.open()
    try:
        assert app.pipeline is not None
        await app.pipeline.poll_many(app.jobs, force=True)
        reports, dispatcher, overlap = await run_dispatcher(
            app, app.jobs, seconds=4.0, max_in_flight=2
        )
        outcomes = Counter(r.outcome for r in reports)
        assert set(outcomes) == {"not_modified"}, outcomes  # nothing skipped, nothing failed
        assert overlap == 1
        per_feed = Counter(r.feed_id for r in reports)
        assert set(per_feed) == {job.id for job in app.jobs}  # nobody starves
        assert max(per_feed.values()) - min(per_feed.values()) <= 1  # evenly later
        assert len(reports) <= 2 * 4.0 / 0.5 + 2  # the rate is capacity, not demand
        p95, worst = dispatcher.schedule.lag()
        assert p95 > 0.3  # polls did start late ...
        assert worst < 3.0  # ... by a bounded lag, not a growing pile
    finally:
        await app.close()


@pytest.mark.parametrize("scheduler_shut_first", [False, True])
async def test_the_running_bot_polls_through_the_dispatcher_after_the_first_round(
    tmp_path: Path, server: FeedServer, scheduler_shut_first: bool
) -> None:
    urls = conditional_feeds(server, 3)
    app = make_app(tmp_path, urls, interval=1)
    await app.open()
    stop = asyncio.Event()
    task = asyncio.create_task(app.run_forever(stop))
    try:
        for _ in range(100):
            await asyncio.sleep(0.1)
            if all(server.hits(f"/f{i}.xml") >= 3 for i in range(3)):
                break
        else:
            raise AssertionError("feeds were not polled on their interval")
        assert app.dispatcher is not None
        assert app.scheduler is not None
        assert not [job for job in app.scheduler.get_jobs() if job.id.startswith("poll")]
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)
        if scheduler_shut_first:  # as an embedding program might: polling stops all the same
            app.scheduler.shutdown(wait=False)
        await app.close()
    assert app.dispatcher is not None and not app.dispatcher.running
    hits = [server.hits(f"/f{i}.xml") for i in range(3)]
    started = app.dispatcher.schedule.started
    await asyncio.sleep(1.5)
    assert [server.hits(f"/f{i}.xml") for i in range(3)] == hits  # stopped for good
    assert app.dispatcher.schedule.started == started  # no poll even tried


async def test_a_slow_recording_delays_only_its_own_feed_not_the_others(
    tmp_path: Path, server: FeedServer
) -> None:
    # One slot for fetching; feed f0 gets a new item and recording it takes 2.5 s (a busy
    # database): the other feeds' 304s go on at their cadence meanwhile.
    urls = conditional_feeds(server, 4)
    app = make_app(tmp_path, urls, interval=1)
    await app.open()
    try:
        assert app.pipeline is not None and app.store is not None
        await app.pipeline.poll_many(app.jobs, force=True)
        news = ConditionalFeed(BODY.replace(b"a-1", b"a-0"))
        news.update(BODY.replace(b"a-1", b"a-0-new"))
        server.route("/f0.xml", news)
        real_record = app.store.record_item

        async def slow_record(*args: Any, **kwargs: Any) -> Any:
            await asyncio.sleep(2.5)
            return await real_record(*args, **kwargs)

        app.store.record_item = slow_record  # type: ignore[method-assign]
        reports, _, _ = await run_dispatcher(app, app.jobs, seconds=3.0, max_in_flight=1)
        per_feed = Counter(r.feed_id for r in reports)
        assert per_feed["f0"] <= 2
        assert all(per_feed[f"f{i}"] >= 2 for i in (1, 2, 3)), per_feed
    finally:
        await app.close()
