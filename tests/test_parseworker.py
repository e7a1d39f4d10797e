"""The parse worker process: same result as parse_feed, memory and time limits, every
failure a ParseError, a fresh worker after a limit, no chat secrets in its environment."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from bot.ingest import parseworker
from bot.ingest.parse import parse_feed
from bot.ingest.parsed import ParseError
from bot.ingest.parseworker import ParseLimitError, ParseWorker

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def big_feed(items: int = 3_000) -> bytes:
    entries = "".join(
        f"<item><guid>g{n}</guid><title>Witkoff meets Dmitriev, part {n}</title>"
        f"<link>https://n.example/{n}?a=1&amp;b=2</link>"
        f"<description>Talks in Abu Dhabi on December {n % 28 + 1}.</description></item>"
        for n in range(items)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>W</title>'
        f"{entries}</channel></rss>"
    ).encode()


@pytest.fixture
async def worker() -> AsyncIterator[ParseWorker]:
    made = ParseWorker()
    yield made
    await made.close()


async def test_the_worker_returns_what_parse_feed_returns(worker: ParseWorker) -> None:
    body = big_feed()
    assert len(body) > worker.inline_below  # really goes to the process
    got = await worker.parse(body, feed_id="f", now=NOW, lang="en")
    assert got == parse_feed(body, feed_id="f", now=NOW, lang="en")
    assert worker._process is not None and worker._process.returncode is None


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"<html><body>" + b"x" * 40_000 + b"</body></html>", "HTML page"),
        (b"\x00\x01garbage" * 5_000, "not a feed"),
    ],
    ids=["html", "garbage"],
)
async def test_a_bad_document_is_a_plain_parse_error(
    worker: ParseWorker, body: bytes, message: str
) -> None:
    with pytest.raises(ParseError, match=message) as caught:
        await worker.parse(body, feed_id="f", now=NOW)
    assert not isinstance(caught.value, ParseLimitError)
    # the worker stays up for the next feed
    assert len((await worker.parse(big_feed(), feed_id="f", now=NOW)).items) == 1000


async def test_past_the_memory_limit_is_a_parse_error_and_a_fresh_worker() -> None:
    tight = ParseWorker(memory_bytes=2 * 1024 * 1024)
    try:
        with pytest.raises(ParseLimitError, match="memory"):
            await tight.parse(big_feed(), feed_id="f", now=NOW)
        assert tight._process is None  # killed; the next parse starts another
        tight.memory_bytes = parseworker.DEFAULT_MEMORY_BYTES
        assert len((await tight.parse(big_feed(), feed_id="f", now=NOW)).items) == 1000
    finally:
        await tight.close()


async def test_past_the_time_limit_is_a_parse_error() -> None:
    slow = ParseWorker(timeout_seconds=0.001)
    try:
        with pytest.raises(ParseLimitError, match="longer than"):
            await slow.parse(big_feed(), feed_id="f", now=NOW)
    finally:
        await slow.close()


async def test_a_dead_worker_is_a_parse_error_then_replaced(worker: ParseWorker) -> None:
    await worker.parse(big_feed(), feed_id="f", now=NOW)
    assert worker._process is not None
    worker._process.kill()
    await worker._process.wait()
    # the first parse after the death starts a new worker (returncode is set)
    assert len((await worker.parse(big_feed(), feed_id="f", now=NOW)).items) == 1000


def test_the_worker_gets_no_chat_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "1:secret")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "secret")
    env = parseworker._worker_env()
    assert "TELEGRAM_BOT_TOKEN" not in env and "SLACK_SIGNING_SECRET" not in env
    assert env.get("PATH") == os.environ.get("PATH")


def test_replies_may_only_hold_parse_results() -> None:
    import io
    import pickle

    class Evil:
        def __reduce__(self) -> tuple[object, tuple[str]]:
            return (print, ("pwned",))

    with pytest.raises(pickle.UnpicklingError):
        parseworker._ReplyUnpickler(io.BytesIO(pickle.dumps((True, Evil())))).load()
