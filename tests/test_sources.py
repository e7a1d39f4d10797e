"""Fetching against a real local HTTP server (and MockTransport for unit cases).

Caps and timeouts are small so every case finishes well under 3 s.
"""

from __future__ import annotations

import asyncio
import time
import tracemalloc
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from feedserver import (
    ConditionalFeed,
    FeedServer,
    brotli_bomb,
    compressed,
    empty,
    endless,
    gzip_bomb,
    html_page,
    oversized,
    redirect,
    retry_after,
    sequence,
    slow,
    static,
    status,
)

from bot.config import PollingSettings
from bot.ingest.fetch import FetchPolicy, fetch_feed, make_client, parse_retry_after
from bot.ingest.limiter import FetchLimiter
from bot.ingest.results import Failed, Fetched, FetchErrorKind, NotModified, Unchanged
from bot.ingest.state import (
    BackoffPolicy,
    FetchState,
    HealthSignal,
    backing_off,
    backoff_delay,
    first_poll,
    forget_validators,
    next_state,
)

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
RSS = (
    b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Demo</title>'
    b"<item><title>Talks in Geneva</title><guid>1</guid></item></channel></rss>"
)
CAP = 64 * 1024
POLICY = FetchPolicy(
    allow_private=True,
    max_body_bytes=CAP,
    connect_timeout=0.5,
    read_timeout=0.4,
    deadline=1.0,
    max_redirects=5,
)


@pytest.fixture
async def server() -> AsyncIterator[FeedServer]:
    async with FeedServer() as srv:
        yield srv


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with make_client(POLICY) as c:
        yield c


async def fetch(
    client: httpx.AsyncClient, url: str, state: FetchState | None = None, **policy: object
) -> object:
    return await fetch_feed(client, url, state or FetchState(), replace(POLICY, **policy), NOW)


def assert_failed(result: object, kind: FetchErrorKind) -> Failed:
    assert isinstance(result, Failed), result
    assert result.kind is kind, result
    return result


# --------------------------------------------------------------------------- success paths


async def test_fetched_then_304_then_unchanged(
    server: FeedServer, client: httpx.AsyncClient
) -> None:
    """Test 8: validators are sent, 304 is NotModified, same body is Unchanged."""
    feed = ConditionalFeed(RSS)
    server.route("/feed.xml", feed)
    first = await fetch(client, server.url("/feed.xml"))
    assert isinstance(first, Fetched)
    assert first.body == RSS and first.status == 200
    assert first.etag == feed.etag and first.last_modified == feed.modified
    assert first.headers["content-type"].startswith("application/rss+xml")

    state = FetchState(
        etag=first.etag, last_modified=first.last_modified, body_hash=first.body_hash
    )
    second = await fetch(client, server.url("/feed.xml"), state)
    assert isinstance(second, NotModified)
    sent = server.last_request("/feed.xml").headers
    assert sent["If-None-Match"] == feed.etag
    assert sent["If-Modified-Since"] == feed.modified

    # A server without validators that returns the same bytes: skipped by hash.
    server.route("/plain.xml", static(RSS))
    third = await fetch(client, server.url("/plain.xml"), FetchState(body_hash=first.body_hash))
    assert isinstance(third, Unchanged)
    assert third.body_hash == first.body_hash

    feed.update(RSS.replace(b"Geneva", b"Abu Dhabi"))
    fourth = await fetch(client, server.url("/feed.xml"), state)
    assert isinstance(fourth, Fetched) and b"Abu Dhabi" in fourth.body


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "br"])
async def test_compressed_bodies_are_decoded(
    server: FeedServer, client: httpx.AsyncClient, encoding: str
) -> None:
    server.route("/c", compressed(RSS * 20, encoding))
    result = await fetch(client, server.url("/c"))
    assert isinstance(result, Fetched)
    assert result.body == RSS * 20


async def test_request_headers(server: FeedServer, client: httpx.AsyncClient) -> None:
    server.route("/f", static(RSS))
    await fetch(client, server.url("/f"), user_agent="talkwatch-test/1")
    headers = server.last_request("/f").headers
    assert headers["User-Agent"] == "talkwatch-test/1"
    assert "br" in headers["Accept-Encoding"] and "gzip" in headers["Accept-Encoding"]
    assert "application/rss+xml" in headers["Accept"]


# --------------------------------------------------------------------------- size caps


@pytest.mark.parametrize(
    ("route", "path"),
    [
        (oversized(2 * 1024 * 1024), "/chunked-no-length"),
        (oversized(2 * 1024 * 1024, content_length=2 * 1024 * 1024 + 14), "/honest-length"),
        (endless(), "/endless"),
    ],
)
async def test_oversized_bodies_abort_at_cap(
    server: FeedServer, client: httpx.AsyncClient, route: object, path: str
) -> None:
    """Test 1 (and 3 with a fast endless stream): aborted at the cap, memory bounded."""
    server.route(path, route)  # type: ignore[arg-type]
    tracemalloc.start()
    try:
        result = await fetch(client, server.url(path))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    failed = assert_failed(result, FetchErrorKind.TOO_LARGE)
    assert "too large" in failed.message
    assert peak < 4 * CAP + 512 * 1024, peak


async def test_lying_content_length_cannot_push_past_it(
    server: FeedServer, client: httpx.AsyncClient
) -> None:
    """A Content-Length smaller than the stream: we never read beyond the header's length."""
    server.route("/lie", oversized(5 * 1024 * 1024, content_length=1000))
    result = await fetch(client, server.url("/lie"))
    assert isinstance(result, Fetched)
    assert len(result.body) == 1000


async def test_content_length_longer_than_body_times_out(
    server: FeedServer, client: httpx.AsyncClient
) -> None:
    server.route("/short", oversized(100, content_length=50_000))
    result = await fetch(client, server.url("/short"))
    assert isinstance(result, Failed)
    assert result.kind in {FetchErrorKind.TIMEOUT, FetchErrorKind.PROTOCOL}


@pytest.mark.parametrize("bomb", [gzip_bomb, brotli_bomb], ids=["gzip", "brotli"])
async def test_compression_bombs_abort_at_decoded_cap(
    server: FeedServer, client: httpx.AsyncClient, bomb: object
) -> None:
    """Test 2: ~50 KB on the wire, 64 MiB decoded; stopped at the 64 KiB cap."""
    server.route("/bomb", bomb(64 * 1024 * 1024))  # type: ignore[operator]
    tracemalloc.start()
    try:
        result = await fetch(client, server.url("/bomb"))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert_failed(result, FetchErrorKind.TOO_LARGE)
    assert peak < 4 * 1024 * 1024, peak  # far below the 64 MiB the bomb expands to


async def test_corrupt_gzip_is_an_encoding_error(
    server: FeedServer, client: httpx.AsyncClient
) -> None:
    server.route("/bad", static(b"this is not gzip at all", headers={"Content-Encoding": "gzip"}))
    assert_failed(await fetch(client, server.url("/bad")), FetchErrorKind.BAD_ENCODING)


# --------------------------------------------------------------------------- time limits


async def test_slowloris_stopped_by_overall_deadline(
    server: FeedServer, client: httpx.AsyncClient
) -> None:
    """Test 4: each byte arrives within the read timeout; the deadline still ends it."""
    server.route("/slow", slow(RSS * 4, delay=0.25))
    started = time.monotonic()
    result = await fetch(client, server.url("/slow"), read_timeout=0.4, deadline=1.0)
    elapsed = time.monotonic() - started
    failed = assert_failed(result, FetchErrorKind.TIMEOUT)
    assert "1 s" in failed.message
    assert 0.9 <= elapsed < 1.8


async def test_slow_endless_stream_stopped_by_deadline(
    server: FeedServer, client: httpx.AsyncClient
) -> None:
    """Test 3: a trickling endless stream that never reaches the cap."""
    server.route("/trickle", endless(chunk=b"<item/>", delay=0.05))
    started = time.monotonic()
    assert_failed(await fetch(client, server.url("/trickle")), FetchErrorKind.TIMEOUT)
    assert time.monotonic() - started < 1.8


async def test_connect_timeout_maps_to_timeout_and_other_feeds_finish() -> None:
    """Test 5: a host that never answers does not hold up the others."""

    async def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "blackhole.example":
            raise httpx.ConnectTimeout("timed out", request=request)
        return httpx.Response(200, content=RSS)

    async def resolve(host: str, port: int) -> list[str]:
        return ["93.184.216.34"]

    policy = replace(POLICY, allow_private=False, resolver=resolve)
    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as mock:
        results = await asyncio.gather(
            fetch_feed(mock, "http://blackhole.example/rss", FetchState(), policy, NOW),
            fetch_feed(mock, "http://ok.example/rss", FetchState(), policy, NOW),
        )
    assert_failed(results[0], FetchErrorKind.TIMEOUT)
    assert isinstance(results[1], Fetched)


async def test_connection_refused(client: httpx.AsyncClient) -> None:
    async with FeedServer() as gone:
        port = gone.port
    result = await fetch(client, f"http://127.0.0.1:{port}/feed.xml")
    assert_failed(result, FetchErrorKind.CONNECT)


# --------------------------------------------------------------------------- redirects


async def test_redirects_followed_and_permanent_flag(
    server: FeedServer, client: httpx.AsyncClient
) -> None:
    """Test 7: a 301 is followed; Fetched says the move is permanent."""
    server.route("/old", redirect("/new", 301))
    server.route("/new", static(RSS))
    server.route("/temp", redirect("/new", 302))
    moved = await fetch(client, server.url("/old"))
    assert isinstance(moved, Fetched)
    assert moved.final_url == server.url("/new") and moved.permanent_redirect
    temp = await fetch(client, server.url("/temp"))
    assert isinstance(temp, Fetched) and not temp.permanent_redirect
    direct = await fetch(client, server.url("/new"))
    assert isinstance(direct, Fetched) and not direct.permanent_redirect


async def test_redirect_loop_and_long_chain(server: FeedServer, client: httpx.AsyncClient) -> None:
    """Test 6: A→B→A and a 10-hop chain stop at 5 hops."""
    server.route("/a", redirect("/b"))
    server.route("/b", redirect("/a"))
    for i in range(10):
        server.route(f"/hop{i}", redirect(f"/hop{i + 1}", 301))
    server.route("/hop10", static(RSS))
    assert_failed(await fetch(client, server.url("/a")), FetchErrorKind.TOO_MANY_REDIRECTS)
    assert server.hits("/a") + server.hits("/b") == 6
    assert_failed(await fetch(client, server.url("/hop0")), FetchErrorKind.TOO_MANY_REDIRECTS)
    assert server.hits("/hop6") == 0


async def test_redirect_to_private_address_is_refused() -> None:
    """Test 31: each hop is checked; https→http downgrades are refused."""
    requested: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requested.append(str(request.url))
        if request.url.path == "/to-metadata":
            return httpx.Response(302, headers={"Location": "http://169.254.169.254/latest/"})
        if request.url.path == "/to-private-name":
            return httpx.Response(301, headers={"Location": "https://intranet.example/feed"})
        if request.url.path == "/downgrade":
            return httpx.Response(301, headers={"Location": "http://feeds.example/rss"})
        return httpx.Response(200, content=RSS)

    async def resolve(host: str, port: int) -> list[str]:
        return {"intranet.example": ["10.0.0.5"]}.get(host, ["93.184.216.34"])

    policy = replace(POLICY, allow_private=False, resolver=resolve)
    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as mock:
        for path in ("/to-metadata", "/to-private-name", "/downgrade"):
            result = await fetch_feed(
                mock, f"https://feeds.example{path}", FetchState(), policy, NOW
            )
            failed = assert_failed(result, FetchErrorKind.BLOCKED)
            assert failed.message
    assert requested == [
        "https://feeds.example/to-metadata",
        "https://feeds.example/to-private-name",
        "https://feeds.example/downgrade",
    ]


async def test_redirect_to_file_scheme_is_refused(
    server: FeedServer, client: httpx.AsyncClient
) -> None:
    server.route("/f", redirect("file:///etc/passwd"))
    assert_failed(await fetch(client, server.url("/f")), FetchErrorKind.BLOCKED)


# --------------------------------------------------------------------------- HTTP errors


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("120", 120.0),
        ("Sun, 22 Nov 2026 12:10:00 GMT", 600.0),
        ("soon", None),
        ("-5", None),
        ("Sun, 22 Nov 2026 11:00:00 GMT", None),  # already past
        ("", None),
    ],
)
def test_parse_retry_after(header: str, expected: float | None) -> None:
    assert parse_retry_after(header, NOW) == expected


@pytest.mark.parametrize(
    ("value", "retry"),
    [("120", 120.0), ("Sun, 22 Nov 2026 12:05:00 GMT", 300.0), ("garbage!", None)],
)
async def test_429_retry_after(
    server: FeedServer, client: httpx.AsyncClient, value: str, retry: float | None
) -> None:
    """Test 9: the feed is not polled again before Retry-After; garbage → default backoff."""
    server.route("/limited", retry_after(value))
    failed = assert_failed(await fetch(client, server.url("/limited")), FetchErrorKind.RATE_LIMITED)
    assert failed.status == 429 and failed.retry_after == retry
    step = next_state(FetchState(), failed, NOW, interval=60, backoff=BackoffPolicy(), rand=0.0)
    assert step.state.next_poll_at is not None
    floor = retry if retry is not None else 60.0
    assert step.state.next_poll_at >= NOW + timedelta(seconds=floor)


async def test_503_with_retry_after_is_rate_limited(
    server: FeedServer, client: httpx.AsyncClient
) -> None:
    server.route("/busy", retry_after("30", code=503))
    failed = assert_failed(await fetch(client, server.url("/busy")), FetchErrorKind.RATE_LIMITED)
    assert failed.retry_after == 30.0


async def test_repeated_500s_back_off_and_report_once(
    server: FeedServer, client: httpx.AsyncClient
) -> None:
    """Test 10: five 500s → growing delays, 'failing' reported once, 'recovered' once."""
    server.route("/feed", sequence(*[status(500)] * 5, static(RSS)))
    backoff = BackoffPolicy(base_seconds=60, max_seconds=3600, failing_after_errors=3)
    state = FetchState()
    signals: list[HealthSignal | None] = []
    delays: list[float] = []
    now = NOW
    for _ in range(6):
        result = await fetch_feed(client, server.url("/feed"), state, POLICY, now)
        step = next_state(state, result, now, interval=30, backoff=backoff, rand=0.5, items_seen=1)
        state, now = step.state, now + timedelta(seconds=step.delay_seconds)
        signals.append(step.signal)
        delays.append(step.delay_seconds)
    assert signals == [None, None, HealthSignal.FAILING, None, None, HealthSignal.RECOVERED]
    assert delays[:5] == sorted(delays[:5]) and delays[4] > delays[0] * 8
    assert state.consecutive_errors == 0 and not state.failing_reported
    assert state.last_error is None and state.items_seen == 1


@pytest.mark.parametrize(
    ("route", "kind"),
    [
        (html_page(), FetchErrorKind.NOT_A_FEED),
        (html_page(challenge=True), FetchErrorKind.NOT_A_FEED),
        (html_page(challenge=True, code=200), FetchErrorKind.NOT_A_FEED),
        (empty(), FetchErrorKind.EMPTY),
        (static(b"  \n\t "), FetchErrorKind.EMPTY),
        (status(404), FetchErrorKind.HTTP_STATUS),
        (status(204), FetchErrorKind.HTTP_STATUS),
    ],
)
async def test_non_feed_responses_fail(
    server: FeedServer, client: httpx.AsyncClient, route: object, kind: FetchErrorKind
) -> None:
    """Test 11: HTML/challenge pages and empty bodies are errors, not empty feeds."""
    server.route("/x", route)  # type: ignore[arg-type]
    assert_failed(await fetch(client, server.url("/x")), kind)


async def test_feed_served_as_text_html_is_still_a_feed(
    server: FeedServer, client: httpx.AsyncClient
) -> None:
    server.route("/x", static(RSS, content_type="text/html"))
    assert isinstance(await fetch(client, server.url("/x")), Fetched)


async def test_failure_keeps_validators(server: FeedServer, client: httpx.AsyncClient) -> None:
    """An error must not erase what we know (the next good fetch is still conditional)."""
    server.route("/x", html_page())
    state = FetchState(etag='"v1"', body_hash="abc", items_seen=7)
    result = await fetch(client, server.url("/x"), state)
    step = next_state(state, result, NOW, interval=60, backoff=BackoffPolicy(), rand=0.0)  # type: ignore[arg-type]
    assert step.state.etag == '"v1"' and step.state.body_hash == "abc"
    assert step.state.items_seen == 7


# --------------------------------------------------------------------------- local files


async def test_file_urls_and_paths(tmp_path: Path, client: httpx.AsyncClient) -> None:
    path = tmp_path / "demo.xml"
    path.write_bytes(RSS)
    by_uri = await fetch(client, path.as_uri())
    by_path = await fetch(client, str(path))
    assert isinstance(by_uri, Fetched) and isinstance(by_path, Fetched)
    assert by_uri.body == RSS and by_path.body_hash == by_uri.body_hash
    unchanged = await fetch(client, path.as_uri(), FetchState(body_hash=by_uri.body_hash))
    assert isinstance(unchanged, Unchanged)


async def test_file_limits(tmp_path: Path, client: httpx.AsyncClient) -> None:
    big = tmp_path / "big.xml"
    big.write_bytes(b"<rss>" + b"x" * (CAP + 10))
    assert_failed(await fetch(client, big.as_uri()), FetchErrorKind.TOO_LARGE)
    assert_failed(await fetch(client, (tmp_path / "missing.xml").as_uri()), FetchErrorKind.FILE)
    blocked = await fetch(client, big.as_uri(), allow_file=False)
    assert_failed(blocked, FetchErrorKind.BLOCKED)


TEMPLATE = (
    "<rss><channel><title>T</title>{{locale en}}<item><guid>g</guid>"
    "<title>Talks on {{date +12 MMMM d}}</title>"
    "<pubDate>{{rfc822 -3 10:00 +0100}}</pubDate></item></channel></rss>"
)


async def test_feed_template_is_dated_from_the_first_fetch(
    tmp_path: Path, client: httpx.AsyncClient
) -> None:
    path = tmp_path / "story.xml.tmpl"
    path.write_text(TEMPLATE, encoding="utf-8")
    first = await fetch(client, str(path))
    assert isinstance(first, Fetched)
    # NOW is Sunday 22 Nov 2026: day 0 is Monday 16 Nov
    assert b"Talks on November 28" in first.body
    assert b"Fri, 13 Nov 2026 10:00:00 +0100" in first.body
    # a later poll (and a restart, which reloads the state) reads the same story
    state = next_state(
        FetchState(), first, NOW, interval=60, backoff=BackoffPolicy(), rand=0.0
    ).state
    later = await fetch_feed(client, str(path), state, POLICY, NOW + timedelta(days=40))
    assert isinstance(later, Unchanged) and later.body_hash == first.body_hash


async def test_broken_feed_template_fails_with_its_placeholder(
    tmp_path: Path, client: httpx.AsyncClient
) -> None:
    path = tmp_path / "broken.xml.tmpl"
    path.write_text("<rss>{{when +3}}</rss>", encoding="utf-8")
    failed = assert_failed(await fetch(client, str(path)), FetchErrorKind.FILE)
    assert "{{when +3}}" in failed.message


# --------------------------------------------------------------------------- pure backoff


def test_backoff_delay_grows_and_caps() -> None:
    backoff = BackoffPolicy(base_seconds=60, max_seconds=600)
    assert backoff_delay(1, backoff, 0.0) == 30
    assert backoff_delay(1, backoff, 1.0) == 60
    assert backoff_delay(3, backoff, 1.0) == 240
    assert backoff_delay(10, backoff, 1.0) == 600
    assert backoff_delay(1000, backoff, 0.5) == 450


@pytest.mark.parametrize(
    ("errors_before", "retry_after", "interval", "expected"),
    [
        (0, None, 30, 60.0),  # first error: base 60 (rand=1)
        (0, None, 300, 300.0),  # errors never poll faster than the normal interval
        (2, None, 30, 240.0),
        (0, 900.0, 30, 900.0),  # Retry-After honoured
        (0, 10**9, 30, 3600.0),  # ... but capped at backoff_max
    ],
)
def test_error_delay(
    errors_before: int, retry_after: float | None, interval: float, expected: float
) -> None:
    backoff = BackoffPolicy(base_seconds=60, max_seconds=3600)
    state = FetchState(consecutive_errors=errors_before)
    failed = Failed(FetchErrorKind.HTTP_STATUS, "HTTP 500", 500, retry_after)
    step = next_state(state, failed, NOW, interval=interval, backoff=backoff, rand=1.0)
    assert step.delay_seconds == expected
    assert step.state.next_poll_at == NOW + timedelta(seconds=expected)
    assert step.state.consecutive_errors == errors_before + 1
    assert step.state.last_status == 500 and "HTTP 500" in (step.state.last_error or "")


def test_success_interval_jitter_and_state() -> None:
    backoff = BackoffPolicy(jitter_seconds=20)
    fetched = Fetched(b"x", {}, 200, "https://a.example/f", '"e"', "lm", "hash")
    step = next_state(
        FetchState(), fetched, NOW, interval=300, backoff=backoff, rand=0.5, items_seen=4
    )
    assert step.delay_seconds == 310
    assert step.signal is None
    s = step.state
    assert (s.etag, s.last_modified, s.body_hash, s.items_seen) == ('"e"', "lm", "hash", 4)
    assert s.last_fetch_at == NOW and s.last_status == 200


def test_not_modified_keeps_hash_and_counts() -> None:
    state = FetchState(etag='"e"', body_hash="h", items_seen=9, consecutive_errors=2)
    step = next_state(state, NotModified("u"), NOW, interval=60, backoff=BackoffPolicy(), rand=0)
    assert step.state.body_hash == "h" and step.state.items_seen == 9
    assert step.state.etag == '"e"' and step.state.consecutive_errors == 0


def test_parse_failure_forgets_validators() -> None:
    """After a parse error the next poll must fetch and parse again, not skip as unchanged."""
    state = FetchState(etag='"e"', last_modified="lm", body_hash="h")
    failed = Failed(FetchErrorKind.PARSE, "not a feed")
    step = next_state(state, failed, NOW, interval=60, backoff=BackoffPolicy(), rand=0)
    assert (step.state.etag, step.state.last_modified, step.state.body_hash) == (None, None, None)


def test_failing_reported_once_then_recovered() -> None:
    backoff = BackoffPolicy(failing_after_errors=2)
    failed = Failed(FetchErrorKind.TIMEOUT, "slow")
    state = FetchState()
    signals = []
    for _ in range(4):
        step = next_state(state, failed, NOW, interval=60, backoff=backoff, rand=0)
        state = step.state
        signals.append(step.signal)
    assert signals == [None, HealthSignal.FAILING, None, None]
    ok = next_state(state, Unchanged("u", "h"), NOW, interval=60, backoff=backoff, rand=0)
    assert ok.signal is HealthSignal.RECOVERED
    again = next_state(ok.state, Unchanged("u", "h"), NOW, interval=60, backoff=backoff, rand=0)
    assert again.signal is None


def test_permanent_redirect_counted_across_polls() -> None:
    moved = Fetched(b"x", {}, 200, "https://new.example/f", None, None, "h", True)
    state = FetchState()
    for expected in (1, 2, 3):
        state = next_state(state, moved, NOW, interval=60, backoff=BackoffPolicy(), rand=0).state
        assert (state.moved_to, state.moved_count) == ("https://new.example/f", expected)
    plain = replace(moved, permanent_redirect=False)
    state = next_state(state, plain, NOW, interval=60, backoff=BackoffPolicy(), rand=0).state
    assert (state.moved_to, state.moved_count) == (None, 0)


@pytest.mark.parametrize(
    ("errors", "next_poll_in", "skipped"),
    [
        (0, 60.0, False),  # a healthy feed keeps the scheduler's cadence
        (1, 60.0, True),  # failed and its backoff has not run out
        (1, 0.0, False),  # the backoff ends now
        (1, -1.0, False),
        (3, None, False),  # no time was set
    ],
)
def test_backing_off_skips_only_failed_feeds_still_waiting(
    errors: int, next_poll_in: float | None, skipped: bool
) -> None:
    when = NOW + timedelta(seconds=next_poll_in) if next_poll_in is not None else None
    state = FetchState(consecutive_errors=errors, next_poll_at=when)
    assert backing_off(state, NOW) is skipped


@pytest.mark.parametrize(
    ("items_seen", "body_hash", "first"),
    [(0, None, True), (0, "abc", False), (4, None, False), (4, "abc", False)],
)
def test_first_poll_is_a_feed_never_recorded(
    items_seen: int, body_hash: str | None, first: bool
) -> None:
    assert first_poll(FetchState(items_seen=items_seen, body_hash=body_hash)) is first


def test_forget_validators_keeps_the_rest() -> None:
    state = FetchState(etag='"1"', last_modified="x", body_hash="h", items_seen=7)
    assert forget_validators(state) == FetchState(items_seen=7)


def test_state_round_trips_through_dict() -> None:
    state = FetchState(
        etag='"e"', body_hash="h", consecutive_errors=2, last_fetch_at=NOW,
        next_poll_at=NOW + timedelta(minutes=5), failing_reported=True, items_seen=3,
        first_fetch_at=NOW - timedelta(days=9),
    )  # fmt: skip
    assert FetchState.from_dict(state.to_dict()) == state
    assert FetchState.from_dict({"etag": "x", "unknown_future_key": 1}).etag == "x"


def test_policies_from_settings() -> None:
    polling = PollingSettings(
        connect_timeout_seconds=3, max_body_bytes=4096, allow_private_addresses=True,
        backoff_base_seconds=5, failing_after_errors=7,
    )  # fmt: skip
    policy = FetchPolicy.from_settings(polling)
    assert (policy.connect_timeout, policy.max_body_bytes, policy.allow_private) == (3, 4096, True)
    assert BackoffPolicy.from_settings(polling).failing_after_errors == 7


# --------------------------------------------------------------------------- limiter


async def test_limiter_bounds_global_and_per_host() -> None:
    limiter = FetchLimiter(max_concurrency=3, max_per_host=2)
    active: dict[str, int] = {}
    peak_host: dict[str, int] = {}
    peak_total = 0

    async def job(url: str) -> None:
        nonlocal peak_total
        host = FetchLimiter.host_key(url)
        async with limiter.slot(url):
            active[host] = active.get(host, 0) + 1
            peak_host[host] = max(peak_host.get(host, 0), active[host])
            peak_total = max(peak_total, sum(active.values()))
            await asyncio.sleep(0.01)
            active[host] -= 1

    urls = [f"https://a.example/{i}" for i in range(6)] + [
        f"https://b{i}.example/" for i in range(6)
    ]
    await asyncio.gather(*(job(u) for u in urls))
    assert peak_total == 3
    assert peak_host["a.example"] == 2
    assert limiter._hosts == {}  # per-host semaphores are dropped when idle
