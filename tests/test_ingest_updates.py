"""Ingest over real parts (loopback feed server, real SQLite, real extraction, console):
updates in place, parse failures of any kind, invalid bytes, links with '&lt;'."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from feedserver import ConditionalFeed, FeedServer
from test_pipeline import ANNOUNCE, NOW, OLD_ITEM, Clock, alerts, make_app, rss

from bot.ingest.parsed import ParsedFeed, ParseError

POSTPONED = (
    ANNOUNCE[0],  # the same GUID: the article was edited
    "Witkoff-Dmitriev meeting in Abu Dhabi on December 3 postponed",
    "The meeting between Steve Witkoff and Kirill Dmitriev in Abu Dhabi planned for "
    "December 3 has been postponed, officials said on Saturday.",
    ANNOUNCE[3],
)
RETOUCHED = (
    ANNOUNCE[0],
    ANNOUNCE[1],
    ANNOUNCE[2] + " Both sides declined to comment further.",
    ANNOUNCE[3],
)


@pytest.fixture
async def server() -> Any:
    async with FeedServer() as srv:
        yield srv


async def test_an_article_updated_in_place_is_examined_again_and_alerts_only_its_change(
    tmp_path: Path, server: FeedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    feed = ConditionalFeed(rss(OLD_ITEM))
    server.route("/feed.xml", feed)
    clock = Clock(NOW)
    app = make_app(tmp_path, server.url("/feed.xml"), clock)
    await app.open()
    try:
        await app.run_once()  # backlog, silent
        steps = [
            (rss(OLD_ITEM, ANNOUNCE), ["Announced"], (1, 0)),
            (rss(OLD_ITEM, RETOUCHED), [], (0, 1)),  # new wording, same facts: no alert
            (rss(OLD_ITEM, POSTPONED), ["Postponed"], (0, 1)),  # same GUID, now postponed
            (rss(OLD_ITEM, POSTPONED), [], (0, 0)),  # unchanged body: 304
        ]
        assert app.pipeline is not None
        for body, expected, (new, updated) in steps:
            feed.update(body)
            clock.advance(300)
            report = await app.pipeline.poll(app.jobs[0], force=True)
            assert (report.new_items, report.updated_items) == (new, updated)
            await app.drain()
            heads = alerts(capsys.readouterr().out)
            assert [h for h in heads if any(word in h for word in expected)] == heads
            assert len(heads) == len(expected), heads
    finally:
        await app.close()


class _FailingParser:
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc
        self.calls = 0

    async def parse(self, body: bytes, **options: Any) -> ParsedFeed:
        self.calls += 1
        raise self.exc

    async def close(self) -> None:
        return None


@pytest.mark.parametrize(
    "exc",
    [MemoryError(), RecursionError("deep"), ParseError("not a feed"), ValueError("bug")],
    ids=["memory", "recursion", "parse", "bug"],
)
async def test_any_parse_failure_is_a_failed_poll_with_backoff_reported_once(
    tmp_path: Path, server: FeedServer, caplog: pytest.LogCaptureFixture, exc: BaseException
) -> None:
    server.route("/feed.xml", ConditionalFeed(rss(OLD_ITEM, ANNOUNCE)))
    clock = Clock(NOW)
    app = make_app(tmp_path, server.url("/feed.xml"), clock)
    await app.open()
    assert app.pipeline is not None
    failing = _FailingParser(exc)
    app.pipeline.parser = failing  # type: ignore[assignment]
    job = app.jobs[0]
    try:
        with caplog.at_level(logging.INFO, logger="bot.pipeline"):
            outcomes = []
            for attempt in range(5):
                if attempt:
                    clock.advance(3600)  # past any backoff
                report = await app.pipeline.poll(job)
                outcomes.append(report.outcome)
                if report.outcome == "failed":
                    assert report.error and report.error.startswith("parse:")
            skipped = await app.pipeline.poll(job)  # right after a failure: backing off
        assert outcomes == ["failed"] * 5
        assert skipped.outcome == "skipped" and skipped.error == "backing off"
        assert failing.calls == 5  # validators forgotten: every poll parsed again
        failing_lines = [r for r in caplog.records if "is failing" in r.getMessage()]
        assert len(failing_lines) == 1
    finally:
        await app.close()


def _rss_bytes(*items: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>W</title>'
        + "".join(items)
        + "</channel></rss>"
    ).encode()


async def test_one_invalid_byte_spoils_one_character_not_the_feed(
    tmp_path: Path, server: FeedServer
) -> None:
    items = [
        f"<item><guid>pl-{n}</guid><title>Spotkanie Witkoffa z Dmitrijewem {n}</title>"
        f"<link>https://news.example/pl/{n}</link>"
        "<description>Rozmowy w Abu Zabi — żółć, źdźbło</description></item>"
        for n in range(3)
    ]
    body = _rss_bytes(*items).replace(b"Rozmowy w", b"Rozmowy \xff w", 1)
    server.route("/feed.xml", ConditionalFeed(body))
    app = make_app(tmp_path, server.url("/feed.xml"), Clock(NOW))
    await app.open()
    assert app.pipeline is not None
    try:
        parsed = await app.pipeline.parser.parse(body, feed_id="wire", now=NOW)
        texts = [item.text for item in parsed.items]
        assert texts[0] == "Rozmowy \ufffd w Abu Zabi — żółć, źdźbło"
        assert texts[1:] == ["Rozmowy w Abu Zabi — żółć, źdźbło"] * 2
        report = await app.pipeline.poll(app.jobs[0])
        assert report.outcome == "fetched" and report.new_items == 3
    finally:
        await app.close()


async def test_items_stored_before_hashes_are_hashed_silently_then_watched(
    tmp_path: Path, server: FeedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    feed = ConditionalFeed(rss(OLD_ITEM))
    server.route("/feed.xml", feed)
    clock = Clock(NOW)
    app = make_app(tmp_path, server.url("/feed.xml"), clock)
    await app.open()
    try:
        await app.run_once()
        feed.update(rss(OLD_ITEM, ANNOUNCE))
        clock.advance(300)
        await app.run_once()
        assert len(alerts(capsys.readouterr().out)) == 1
        con = sqlite3.connect(tmp_path / "bot.sqlite3")
        con.execute("update items set content_hash = null")  # as migrated from 0002
        con.commit()
        con.close()
        edited = (POSTPONED[0], POSTPONED[1] + " (updated)", *POSTPONED[2:])
        for body, expected in ((rss(OLD_ITEM, POSTPONED), 0), (rss(OLD_ITEM, edited), 1)):
            feed.update(body)
            clock.advance(300)
            await app.run_once()
            assert len(alerts(capsys.readouterr().out)) == expected
        con = sqlite3.connect(tmp_path / "bot.sqlite3")
        hashes = [row[0] for row in con.execute("select content_hash from items")]
        con.close()
        assert all(hashes) and len(hashes) == 2
    finally:
        await app.close()
