"""The whole pipeline over real parts: a feed server on loopback, real SQLite, real
extraction and timeline, the console platform. From "an item appears in a feed" to
"the subscribed output got exactly one alert"."""

from __future__ import annotations

import asyncio
import logging
import re
import shutil
from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from feedserver import ConditionalFeed, FeedServer, sequence, static, status

from bot.app import BotApp, RunOptions
from bot.config import load_config

REPO_CONFIG = Path(__file__).resolve().parents[1] / "config"
NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


def rss(*items: tuple[str, str, str, datetime]) -> bytes:
    """An RSS 2.0 document from (guid, title, description, published) tuples."""
    entries = "".join(
        f"<item><guid>{escape(guid)}</guid><title>{escape(title)}</title>"
        f"<link>https://news.example/{escape(guid)}</link>"
        f"<description>{escape(text)}</description>"
        f"<pubDate>{format_datetime(published)}</pubDate></item>"
        for guid, title, text, published in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Test Wire</title><link>https://news.example/</link>{entries}"
        "</channel></rss>"
    ).encode()


OLD_ITEM = (
    "old-1",
    "Markets close higher",
    "Shares in Frankfurt rose on Friday as investors shrugged off weak data.",
    NOW - timedelta(days=3),
)
ANNOUNCE = (
    "talks-1",
    "Witkoff and Dmitriev to meet in Abu Dhabi on December 3",
    "US envoy Steve Witkoff will meet Kirill Dmitriev in Abu Dhabi on December 3, "
    "officials said on Saturday.",
    NOW - timedelta(hours=2),
)
SAME_AGAIN = (
    "talks-2",
    "Abu Dhabi to host Witkoff-Dmitriev talks on December 3",
    "Steve Witkoff and Kirill Dmitriev are set to hold talks in Abu Dhabi on December 3, "
    "according to a statement.",
    NOW - timedelta(hours=1),
)
MOVED = (
    "talks-3",
    "Abu Dhabi talks moved to December 5",
    "The meeting between Steve Witkoff and Kirill Dmitriev in Abu Dhabi has been "
    "rescheduled to December 5, the White House said.",
    NOW - timedelta(minutes=30),
)
SPORT = (
    "sport-1",
    "Miami Heat beat Boston",
    "The Miami Heat beat the Boston Celtics 112-104 on Saturday night.",
    NOW - timedelta(minutes=20),
)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
async def server() -> AsyncIterator[FeedServer]:
    async with FeedServer() as srv:
        yield srv


def make_app(tmp_path: Path, feed_url: str, clock: Clock, **env: str) -> BotApp:
    config_dir = tmp_path / "config"
    config_dir.mkdir(exist_ok=True)
    shutil.copy(REPO_CONFIG / "watchlist.yaml", config_dir / "watchlist.yaml")
    (config_dir / "feeds.toml").write_text(
        f'[[feed]]\nid = "wire"\nurl = "{feed_url}"\noutlet = "Test Wire"\n', encoding="utf-8"
    )
    settings = {
        "BOT_POLLING_ALLOW_PRIVATE_ADDRESSES": "true",
        "BOT_POLLING_FETCH_DEADLINE_SECONDS": "5",
        "BOT_POLLING_BACKOFF_BASE_SECONDS": "60",
        "BOT_POLLING_FAILING_AFTER_ERRORS": "3",
        **env,
    }
    config = load_config(config_dir, env=settings)
    db = f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}"
    return BotApp(config, RunOptions(database_url=db, clock=clock))


def alerts(out: str) -> list[str]:
    """The headline of every alert the console printed."""
    lines = out.splitlines()
    return [
        lines[i + 2]
        for i, line in enumerate(lines)
        if line.startswith("─") and i + 2 < len(lines) and lines[i + 1].startswith("[")
    ]


async def test_new_item_gives_exactly_one_alert_and_backlog_is_silent(
    tmp_path: Path, server: FeedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    feed = ConditionalFeed(rss(OLD_ITEM))
    server.route("/feed.xml", feed)
    clock = Clock(NOW)
    app = make_app(tmp_path, server.url("/feed.xml"), clock)
    await app.open()
    try:
        await app.run_once()  # first poll: the backlog is recorded, not alerted
        assert alerts(capsys.readouterr().out) == []

        feed.update(rss(OLD_ITEM, ANNOUNCE, SPORT))
        clock.advance(300)
        await app.run_once()
        first = alerts(capsys.readouterr().out)
        assert len(first) == 1, first
        assert "Abu Dhabi" in first[0] and "3 Dec" in first[0]

        clock.advance(300)
        await app.run_once()  # 304: nothing new, nothing sent
        assert alerts(capsys.readouterr().out) == []
        assert server.requests[-1].headers.get("If-None-Match")

        feed.update(rss(OLD_ITEM, ANNOUNCE, SPORT, SAME_AGAIN))
        clock.advance(300)
        await app.run_once()  # a second outlet saying the same thing adds a source only
        assert alerts(capsys.readouterr().out) == []

        feed.update(rss(OLD_ITEM, ANNOUNCE, SPORT, SAME_AGAIN, MOVED))
        clock.advance(300)
        await app.run_once()
        moved = alerts(capsys.readouterr().out)
        assert len(moved) == 1, moved
        assert "Rescheduled" in moved[0] and "5 Dec" in moved[0]

        assert app.store is not None
        upcoming = await app.store.meetings.upcoming(clock())
        assert [(m.state.venue, str(m.state.date)) for m in upcoming] == [
            ("abu-dhabi", "2026-12-05")
        ]
        assert len(upcoming[0].sources) == 3
    finally:
        await app.close()


async def test_failing_feed_backs_off_and_is_reported_once(
    tmp_path: Path, server: FeedServer, caplog: pytest.LogCaptureFixture
) -> None:
    server.route("/feed.xml", status(500))
    clock = Clock(NOW)
    app = make_app(tmp_path, server.url("/feed.xml"), clock)
    await app.open()
    assert app.pipeline is not None and app.store is not None
    job = app.jobs[0]
    try:
        with caplog.at_level(logging.INFO, logger="bot.pipeline"):
            delays = []
            for _ in range(6):
                report = await app.pipeline.poll(job)
                assert report.outcome == "failed"
                state = await app.store.feeds.load(job.id)
                assert state is not None and state.next_poll_at is not None
                delays.append((state.next_poll_at - clock()).total_seconds())
                # a poll before next_poll_at is skipped, without a request
                hits = server.hits("/feed.xml")
                assert (await app.pipeline.poll(job)).outcome == "skipped"
                assert server.hits("/feed.xml") == hits
                clock.now = state.next_poll_at
        failing = [r for r in caplog.records if "is failing" in r.getMessage()]
        assert len(failing) == 1
        assert delays[-1] > delays[0]  # exponential backoff
        state = await app.store.feeds.load(job.id)
        assert state is not None and state.consecutive_errors == 6 and state.last_status == 500
    finally:
        await app.close()


async def test_storage_failure_mid_poll_loses_nothing(
    tmp_path: Path,
    server: FeedServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    feed = ConditionalFeed(rss(OLD_ITEM))
    server.route("/feed.xml", feed)
    clock = Clock(NOW)
    app = make_app(tmp_path, server.url("/feed.xml"), clock)
    await app.open()
    assert app.store is not None and app.pipeline is not None
    try:
        await app.run_once()
        feed.update(rss(OLD_ITEM, ANNOUNCE, MOVED))
        real_record = app.store.record_item
        calls = {"n": 0}

        async def flaky(*args: object, **kwargs: object) -> list[object]:
            calls["n"] += 1
            if calls["n"] == 2:  # the database fails on the second new item
                raise OSError("disk I/O error")
            return await real_record(*args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(app.store, "record_item", flaky)
        clock.advance(300)
        report = await app.pipeline.poll(app.jobs[0], force=True)
        assert report.outcome == "failed" and "storage" in (report.error or "")
        monkeypatch.setattr(app.store, "record_item", real_record)

        clock.advance(300)
        report = await app.pipeline.poll(app.jobs[0], force=True)
        assert report.outcome == "fetched" and report.new_items == 1  # only the missed one
        await app.drain()
        heads = alerts(capsys.readouterr().out)
        assert sum("Rescheduled" in h for h in heads) == 1
        assert sum("Announced" in h for h in heads) == 1
    finally:
        await app.close()


@pytest.mark.parametrize(
    ("route", "expected"),
    [
        (
            lambda: static(b"<html><body>Just a moment...</body></html>", content_type="text/html"),
            "not",
        ),
        (lambda: static(b""), "empty"),
        (lambda: sequence(status(429, headers={"Retry-After": "120"})), "rate"),
    ],
)
async def test_bad_responses_are_errors_and_keep_seen_state(
    tmp_path: Path, server: FeedServer, route: Callable[[], object], expected: str
) -> None:
    feed = ConditionalFeed(rss(OLD_ITEM, ANNOUNCE))
    server.route("/feed.xml", feed)
    clock = Clock(NOW)
    app = make_app(tmp_path, server.url("/feed.xml"), clock)
    await app.open()
    assert app.store is not None and app.pipeline is not None
    try:
        await app.run_once()
        server.route("/feed.xml", route())  # type: ignore[arg-type]
        report = await app.pipeline.poll(app.jobs[0], force=True)
        assert report.outcome == "failed"
        assert expected in (report.error or "").lower()
        server.route("/feed.xml", static(rss(OLD_ITEM, ANNOUNCE)))
        report = await app.pipeline.poll(app.jobs[0], force=True)
        assert report.outcome in ("fetched", "unchanged")
        assert report.new_items == 0  # nothing re-alerted
    finally:
        await app.close()


# Moments spread over weekdays, hours and years: the demo is dated relative to the
# moment it is first read, so it must tell the same story at each of them.
DEMO_MOMENTS = [
    datetime(2026, 12, 6, 21, 0, tzinfo=UTC),  # a Sunday evening
    datetime(2027, 6, 7, 0, 10, tzinfo=UTC),  # just after midnight on a Monday
    datetime(2027, 6, 6, 23, 50, tzinfo=UTC),  # just before midnight on a Sunday
    datetime(2028, 2, 29, 12, 0, tzinfo=UTC),  # a leap day
    datetime(2030, 12, 31, 23, 0, tzinfo=UTC),  # across a year's end
]


async def _demo_run(tmp_path: Path, now: datetime, capsys: pytest.CaptureFixture[str]) -> str:
    config = load_config(REPO_CONFIG, env={})
    db = f"sqlite+aiosqlite:///{tmp_path / f'demo-{now:%Y%m%d%H%M}.sqlite3'}"
    app = BotApp(config, RunOptions(database_url=db, clock=lambda: now))
    await app.open()
    try:
        await app.run_once()
    finally:
        await app.close()
    return capsys.readouterr().out


@pytest.mark.parametrize("now", DEMO_MOMENTS, ids=lambda d: d.strftime("%Y-%m-%d_%H%M"))
async def test_run_once_on_shipped_defaults_prints_alerts_offline(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], now: datetime
) -> None:
    out = await _demo_run(tmp_path, now, capsys)
    heads = alerts(out)
    kinds = " ".join(heads)
    for word in ("Announced", "Rescheduled", "Postponed", "Cancelled", "Denied", "Held"):
        assert word in kinds, heads
    # the demo feeds' irrelevant items (sport, markets, weather) raise nothing
    for head in heads:
        assert "Heat" not in head and "Grand Prix" not in head
    # no upcoming meeting is announced for a day already past
    for head, when in re.findall(r"^(\S.*)\n\nWhen: (.*)$", out, flags=re.MULTILINE):
        assert "ago" not in when or head.startswith("📌"), (head, when)
    announced = [h for h in heads if h.startswith(("🆕", "🔁", "✅"))]
    dated = [h for h in announced if re.search(DAY_IN_HEADLINE, h)]
    assert dated and all(_day_in_alert(h, now) > now.date() for h in dated), announced
    # the same moment gives the same alerts, word for word
    again = alerts(await _demo_run(tmp_path / "again", now, capsys))
    assert again == heads


DAY_IN_HEADLINE = r"(\d{1,2}) ([A-Z][a-z]{2})\b"


def _day_in_alert(head: str, now: datetime) -> date:
    """The last day named in an alert headline ('… — 12 Dec → 16 Dec' gives 16 Dec)."""
    day, month = re.findall(DAY_IN_HEADLINE, head)[-1]
    months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    parsed = date(now.year, months.index(month) + 1, int(day))
    return (
        parsed if parsed >= now.date() - timedelta(days=180) else parsed.replace(year=now.year + 1)
    )


async def test_a_scheduled_job_cut_short_by_closing_ends_quietly(tmp_path: Path) -> None:
    """Stopping cancels a scheduled job still under way (upkeep, the status tick): the
    run ends quietly, where the scheduler would log the cancellation with a traceback as
    the job's failure. Outside a shutdown, a cancellation still goes through."""
    app = make_app(tmp_path, "http://127.0.0.1:9/feed", Clock(datetime(2026, 3, 2, tzinfo=UTC)))
    started = asyncio.Event()

    async def long_job() -> None:
        started.set()
        await asyncio.sleep(3600)

    elsewhere = asyncio.create_task(app._scheduled_run(long_job))
    await started.wait()
    elsewhere.cancel()
    with pytest.raises(asyncio.CancelledError):
        await elsewhere

    started.clear()
    at_shutdown = asyncio.create_task(app._scheduled_run(long_job))
    await started.wait()
    await app.close()  # nothing else was started: only the flag that it is stopping
    at_shutdown.cancel()
    await at_shutdown  # ends without raising
    assert at_shutdown.done() and not at_shutdown.cancelled()
