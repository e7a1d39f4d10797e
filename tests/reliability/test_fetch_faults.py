"""Every fetch fault through the real pipeline (BotApp over SQLite, a real feed server on
loopback, fake Telegram as output), with a healthy feed polled in the same tick.

Each case asserts: the faulty feed fails with the right kind, nothing is alerted from
it, the healthy feed still finishes (and its alert is delivered) within the fetch
deadline, and no exception escapes the poll.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest
from fakes.telegram_api import FakeTelegram
from feedserver import (
    FeedServer,
    Route,
    brotli_bomb,
    empty,
    endless,
    gzip_bomb,
    html_page,
    oversized,
    redirect,
    retry_after,
    slow,
    static,
    status,
)
from relkit import NOW, Clock, Rig, blackhole_port, meeting_item, rss

DEADLINE = 2.0  # base_env's BOT_POLLING_FETCH_DEADLINE_SECONDS
GOOD = rss(meeting_item("good-1"))


@pytest.fixture
async def server() -> AsyncIterator[FeedServer]:
    async with FeedServer() as srv:
        yield srv


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    fake = FakeTelegram()
    await fake.start()
    yield fake
    await fake.close()


@pytest.fixture
def blackhole() -> Iterator[str]:
    """A loopback port whose accept queue is full: SYNs are dropped, connects hang."""
    with blackhole_port() as port:
        time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/feed.xml"


def loop_a(server: FeedServer) -> Route:
    server.route("/loop-b", redirect("/bad"))
    return redirect("/loop-b")


FAULTS: dict[str, tuple[Callable[[FeedServer], Route], str]] = {
    # name: (route factory, expected start of PollReport.error)
    "oversized-chunked": (lambda s: oversized(2 * 1024 * 1024), "too_large"),
    "oversized-declared": (lambda s: oversized(2 * 1024 * 1024, 50 * 1024 * 1024), "too_large"),
    "gzip-bomb": (lambda s: gzip_bomb(64 * 1024 * 1024), "too_large"),
    "brotli-bomb": (lambda s: brotli_bomb(64 * 1024 * 1024), "too_large"),
    "endless-stream": (lambda s: endless(delay=0.05), "timeout"),
    "endless-fast": (lambda s: endless(), "too_large"),
    "one-byte-at-a-time": (lambda s: slow(GOOD * 4, delay=0.05, chunk=1), "timeout"),
    "redirect-loop": (loop_a, "too_many_redirects"),
    "repeated-500": (lambda s: status(500), "http_status"),
    "html-challenge": (lambda s: html_page(challenge=True), "not_a_feed"),
    "html-page-200": (lambda s: html_page(), "not_a_feed"),
    "empty-body": (lambda s: empty(), "empty"),
    "429-seconds": (lambda s: retry_after("120"), "rate_limited"),
    "429-garbage": (lambda s: retry_after("soon, maybe"), "rate_limited"),
}


async def run_tick(rig: Rig) -> tuple[dict[str, object], float]:
    started = time.monotonic()
    reports = await rig.poll_all()
    elapsed = time.monotonic() - started
    await rig.drain()
    return reports, elapsed  # type: ignore[return-value]


@pytest.mark.parametrize("fault", sorted(FAULTS))
async def test_fetch_fault_fails_cleanly_and_other_feed_finishes(
    tmp_path: Path, server: FeedServer, tg: FakeTelegram, fault: str
) -> None:
    factory, expected = FAULTS[fault]
    server.route("/good", static(GOOD))
    server.route("/bad", factory(server))
    feeds = {"good": server.url("/good"), "bad": server.url("/bad")}
    async with Rig(tmp_path, feeds, tg=tg) as rig:
        reports, elapsed = await run_tick(rig)
        bad, good = reports["bad"], reports["good"]
        assert bad.outcome == "failed", bad  # type: ignore[attr-defined]
        assert (bad.error or "").startswith(expected), bad  # type: ignore[attr-defined]
        assert good.outcome == "fetched" and good.new_items == 1  # type: ignore[attr-defined]
        assert elapsed < DEADLINE + 1.5, f"a faulty feed held up the tick for {elapsed:.1f}s"
        texts = rig.telegram_texts()
        assert len(texts) == 1 and "Abu Dhabi" in texts[0]  # only the healthy feed's alert
        assert rig.app.store is not None
        state = await rig.app.store.feeds.load("bad")
        assert state is not None and state.consecutive_errors == 1
        assert state.body_hash is None and state.items_seen == 0  # seen-state untouched


async def test_connect_timeout_does_not_hold_up_the_tick(
    tmp_path: Path, server: FeedServer, tg: FakeTelegram, blackhole: str
) -> None:
    server.route("/good", static(GOOD))
    async with Rig(tmp_path, {"good": server.url("/good"), "bad": blackhole}, tg=tg) as rig:
        reports, elapsed = await run_tick(rig)
        assert reports["bad"].outcome == "failed"  # type: ignore[attr-defined]
        assert "timeout" in (reports["bad"].error or "").lower()  # type: ignore[attr-defined]
        assert reports["good"].outcome == "fetched"  # type: ignore[attr-defined]
        assert elapsed < DEADLINE + 1.0
        assert len(rig.telegram_texts()) == 1


async def test_all_faults_in_one_tick(
    tmp_path: Path, server: FeedServer, tg: FakeTelegram, blackhole: str
) -> None:
    """Every fault at once, plus three healthy feeds: the healthy ones all finish."""
    feeds: dict[str, str] = {"bad-connect": blackhole}
    for name, (factory, _) in FAULTS.items():
        path = f"/{name}"
        route = factory(server)
        if name == "redirect-loop":
            server.route("/loop-b", redirect(path))
        server.route(path, route)
        feeds[name] = server.url(path)
    for i, (venue, day) in enumerate([("Abu Dhabi", 3), ("Geneva", 9), ("Istanbul", 14)]):
        server.route(f"/good{i}", static(rss(meeting_item(f"g{i}", day, venue))))
        feeds[f"good{i}"] = server.url(f"/good{i}")
    async with Rig(tmp_path, feeds, tg=tg) as rig:
        reports, elapsed = await run_tick(rig)
        for name, report in reports.items():
            expect = "fetched" if name.startswith("good") else "failed"
            assert report.outcome == expect, report  # type: ignore[attr-defined]
        assert elapsed < DEADLINE + 2.0
        texts = rig.telegram_texts()
        assert len(texts) == 3
        assert {"Abu Dhabi", "Geneva", "Istanbul"} == {
            v for v in ("Abu Dhabi", "Geneva", "Istanbul") for t in texts if v in t
        }


@pytest.mark.parametrize("kind", ["seconds", "http-date", "garbage"])
async def test_429_retry_after_is_honoured(
    tmp_path: Path, server: FeedServer, tg: FakeTelegram, kind: str
) -> None:
    """The host is not asked again before Retry-After; garbage falls back to backoff."""
    clock = Clock()
    value = {
        "seconds": "900",
        "http-date": format_datetime(NOW + timedelta(seconds=1800), usegmt=True),
        "garbage": "tomorrow-ish",
    }[kind]
    server.route("/feed", retry_after(value))
    async with Rig(tmp_path, {"wire": server.url("/feed")}, tg=tg, clock=clock) as rig:
        assert rig.app.pipeline is not None and rig.app.store is not None
        job = rig.app.jobs[0]
        report = await rig.app.pipeline.poll(job)
        assert report.outcome == "failed" and (report.error or "").startswith("rate_limited")
        state = await rig.app.store.feeds.load("wire")
        assert state is not None and state.next_poll_at is not None
        wait = (state.next_poll_at - clock()).total_seconds()
        if kind == "seconds":
            assert wait >= 900
        elif kind == "http-date":
            assert 1800 - 2 <= wait <= 1800 + 60
        else:
            assert 0 < wait < 900  # default backoff, not garbage-derived
        clock.now = state.next_poll_at - timedelta(seconds=1)
        assert (await rig.app.pipeline.poll(job)).outcome == "skipped"
        assert server.hits("/feed") == 1  # not polled before the given time
        server.route("/feed", static(GOOD))
        clock.now = state.next_poll_at
        assert (await rig.app.pipeline.poll(job)).outcome == "fetched"
        await rig.drain()
        assert len(rig.telegram_texts()) == 1


async def test_repeated_500s_back_off_reported_once_then_recover_without_realert(
    tmp_path: Path, server: FeedServer, tg: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    clock = Clock()
    server.route("/feed", static(GOOD))
    async with Rig(tmp_path, {"wire": server.url("/feed")}, tg=tg, clock=clock) as rig:
        assert rig.app.pipeline is not None and rig.app.store is not None
        job = rig.app.jobs[0]
        await rig.app.pipeline.poll(job)
        await rig.drain()
        assert len(rig.telegram_texts()) == 1
        server.route("/feed", status(500))
        waits = []
        for _ in range(5):
            clock.advance(600)
            state = await rig.app.store.feeds.load("wire")
            assert state is not None
            if state.next_poll_at and state.next_poll_at > clock():
                clock.now = state.next_poll_at
            report = await rig.app.pipeline.poll(job)
            assert report.outcome == "failed"
            state = await rig.app.store.feeds.load("wire")
            assert state is not None and state.next_poll_at is not None
            waits.append((state.next_poll_at - clock()).total_seconds())
        assert waits[-1] > waits[0]  # exponential backoff
        failing = [r for r in caplog.records if "is failing" in r.getMessage()]
        assert len(failing) == 1  # told once, not on every poll
        server.route("/feed", static(GOOD))
        clock.now = state.next_poll_at
        report = await rig.app.pipeline.poll(job)
        assert report.outcome in ("fetched", "unchanged") and report.new_items == 0
        await rig.drain()
        assert len(rig.telegram_texts()) == 1  # recovery re-alerts nothing


async def test_a_slow_feed_never_delays_the_others(
    tmp_path: Path, server: FeedServer, tg: FakeTelegram
) -> None:
    """Several stalled feeds on one host plus healthy feeds: healthy ones finish fast."""
    feeds = {}
    for i in range(4):
        server.route(f"/stall{i}", endless(delay=0.2))
        feeds[f"stall{i}"] = server.url(f"/stall{i}")
    server.route("/good", static(GOOD))
    feeds["good"] = server.url("/good")
    async with Rig(tmp_path, feeds, tg=tg) as rig:
        assert rig.app.pipeline is not None
        good_job = next(j for j in rig.app.jobs if j.id == "good")
        stalls = [
            asyncio.create_task(rig.app.pipeline.poll(j, force=True))
            for j in rig.app.jobs
            if j.id != "good"
        ]
        await asyncio.sleep(0.1)
        started = time.monotonic()
        report = await rig.app.pipeline.poll(good_job, force=True)
        assert report.outcome == "fetched"
        # per-host limit is 2 by default: the healthy feed may queue behind two
        # stalled fetches on the same host, but never behind all of them.
        assert time.monotonic() - started < 2 * DEADLINE + 1.0
        for task in stalls:
            assert (await task).outcome == "failed"
