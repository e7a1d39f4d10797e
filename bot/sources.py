"""Fetching feeds: one bounded, policy-checked GET per call, and per-feed backoff.

Public API
----------
``FetchPolicy``  limits for one fetch (timeouts, deadline, body cap, redirects,
    address policy); ``FetchPolicy.from_settings(settings.polling)``.
``FetchState``   what we remember about a feed between polls (validators, body
    hash, error streak, next poll time). Frozen; persist it with ``to_dict`` /
    ``FetchState.from_dict``.
``await fetch_feed(client, url, state, policy, now) -> FetchResult``
    Never raises for network or content problems (only for programming errors
    and cancellation). ``FetchResult`` is one of:

    * ``Fetched``      new body (decoded, ≤ ``max_body_bytes``) to parse
    * ``NotModified``  304 for our ``If-None-Match``/``If-Modified-Since``: do not parse
    * ``Unchanged``    200 with the same sha256 as last time: do not parse
    * ``Failed``       ``kind`` (``FetchErrorKind``), ``message``, ``status``, ``retry_after``

``next_state(state, outcome, now, *, interval, backoff, rand, items_seen=None) -> Transition``
    Pure. The state after an outcome plus an optional ``HealthSignal``
    (``FAILING`` once after ``failing_after_errors`` errors in a row, ``RECOVERED``
    on the first success after that). Call it with ``Fetched`` only once the body
    parsed; if parsing failed pass ``Failed(FetchErrorKind.PARSE, ...)`` instead, so
    the body hash is not remembered and the next poll parses again.
``BackoffPolicy``  base/max delay, jitter and the failing threshold;
    ``BackoffPolicy.from_settings(settings.polling)``.
``FetchLimiter(max_concurrency, max_per_host)``  ``async with limiter.slot(url):``
``make_client(policy) -> httpx.AsyncClient``  a client with ``trust_env=False``
    and the connect-time address guard of ``bot.netguard``.

Every redirect hop is checked with ``netguard.check_url_resolved`` before it is
requested; the guarded transport checks the address actually dialled as well.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import zlib
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import unquote, urljoin, urlsplit

import brotli
import httpx

from bot import netguard
from bot.feedtemplate import FeedTemplateError, is_feed_template, render_feed_template

if TYPE_CHECKING:  # config imports pydantic; sources only needs the attribute names
    from bot.config import PollingSettings

FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, "
    "application/json;q=0.9, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.1"
)
# We decode these ourselves, with a bound on the output of every step.
ACCEPT_ENCODING = "gzip, deflate, br"
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
PERMANENT_REDIRECTS = frozenset({301, 308})


# --------------------------------------------------------------------------- policy


@dataclass(frozen=True)
class FetchPolicy:
    connect_timeout: float = 10.0
    read_timeout: float = 10.0
    deadline: float = 20.0  # whole fetch, all hops and the body (slowloris guard)
    max_body_bytes: int = 15 * 1024 * 1024  # after decompression
    max_redirects: int = 5
    allow_private: bool = False  # loopback/private hosts (demo, tests)
    allow_file: bool = True  # file: URLs (operator-configured demo feeds only)
    preflight_dns: bool = True  # resolve and check each hop's host before requesting it
    user_agent: str = "talkwatch-bot/0.1"
    resolver: netguard.Resolver | None = None  # None: the system resolver

    @classmethod
    def from_settings(cls, polling: PollingSettings, **overrides: Any) -> FetchPolicy:
        values: dict[str, Any] = {
            "connect_timeout": polling.connect_timeout_seconds,
            "read_timeout": polling.read_timeout_seconds,
            "deadline": polling.fetch_deadline_seconds,
            "max_body_bytes": polling.max_body_bytes,
            "max_redirects": polling.max_redirects,
            "allow_private": polling.allow_private_addresses,
            "user_agent": polling.user_agent,
        }
        values.update(overrides)
        return cls(**values)


def make_client(policy: FetchPolicy, *, max_connections: int = 100) -> httpx.AsyncClient:
    """The client ``fetch_feed`` expects: no proxies from the environment, guarded dials."""
    transport = netguard.guarded_transport(
        allow_private=policy.allow_private,
        resolver=policy.resolver,
        limits=httpx.Limits(
            max_connections=max_connections, max_keepalive_connections=max_connections // 2
        ),
    )
    return httpx.AsyncClient(
        transport=transport,
        trust_env=False,
        follow_redirects=False,
        headers={"User-Agent": policy.user_agent},
    )


# --------------------------------------------------------------------------- results


class FetchErrorKind(StrEnum):
    TIMEOUT = "timeout"  # connect/read timeout or the overall deadline
    CONNECT = "connect"  # DNS failure, refused, reset, TLS
    BLOCKED = "blocked"  # refused by the address/URL policy (incl. https→http)
    TOO_MANY_REDIRECTS = "too_many_redirects"
    HTTP_STATUS = "http_status"  # 4xx/5xx other than rate limiting
    RATE_LIMITED = "rate_limited"  # 429, or 503 with Retry-After
    TOO_LARGE = "too_large"  # response too large (decoded)
    BAD_ENCODING = "bad_encoding"  # corrupt gzip/deflate/br, unknown Content-Encoding
    NOT_A_FEED = "not_a_feed"  # HTML page, challenge page, login wall
    EMPTY = "empty"  # empty response body
    FILE = "file"  # local file missing or unreadable
    PROTOCOL = "protocol"  # malformed HTTP, truncated body
    PARSE = "parse"  # set by the caller when bot.parse raised ParseError


@dataclass(frozen=True)
class Fetched:
    body: bytes
    headers: Mapping[str, str]  # lowercased names, for parse_feed(response_headers)
    status: int
    final_url: str
    etag: str | None
    last_modified: str | None
    body_hash: str  # sha256 hex of the decoded body
    permanent_redirect: bool = False  # every hop was 301/308: final_url may replace url


@dataclass(frozen=True)
class NotModified:
    final_url: str
    etag: str | None = None
    last_modified: str | None = None
    status: int = 304


@dataclass(frozen=True)
class Unchanged:
    final_url: str
    body_hash: str
    etag: str | None = None
    last_modified: str | None = None
    status: int = 200


@dataclass(frozen=True)
class Failed:
    kind: FetchErrorKind
    message: str
    status: int | None = None
    retry_after: float | None = None  # seconds from the fetch, when the server said so
    url: str | None = None  # the hop that failed


FetchResult = Fetched | NotModified | Unchanged | Failed


class _FetchError(Exception):
    def __init__(self, kind: FetchErrorKind, message: str) -> None:
        super().__init__(message)
        self.kind = kind


# --------------------------------------------------------------------------- state


_DATETIME_FIELDS = ("last_fetch_at", "next_poll_at", "first_fetch_at")


@dataclass(frozen=True)
class FetchState:
    """Per-feed memory between polls (what ``next_state`` computes)."""

    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None
    consecutive_errors: int = 0
    last_status: int | None = None
    last_fetch_at: datetime | None = None
    next_poll_at: datetime | None = None
    last_error: str | None = None
    failing_reported: bool = False
    items_seen: int = 0
    # A permanent redirect seen on consecutive successful polls; the caller may
    # rewrite the stored URL once ``moved_count`` reaches its threshold.
    moved_to: str | None = None
    moved_count: int = 0
    # When the feed was first fetched: the anchor of a dated feed template.
    first_fetch_at: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for key in _DATETIME_FIELDS:
            value = data[key]
            data[key] = value.isoformat() if value is not None else None
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FetchState:
        known = {f for f in cls.__dataclass_fields__}
        values = {k: v for k, v in data.items() if k in known}
        for key in _DATETIME_FIELDS:
            value = values.get(key)
            if isinstance(value, str):
                parsed = datetime.fromisoformat(value)
                values[key] = parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
        return cls(**values)


@dataclass(frozen=True)
class BackoffPolicy:
    base_seconds: float = 60.0
    max_seconds: float = 6 * 3600.0
    jitter_seconds: float = 15.0  # spread added to the normal interval after a success
    failing_after_errors: int = 3

    @classmethod
    def from_settings(cls, polling: PollingSettings) -> BackoffPolicy:
        return cls(
            base_seconds=polling.backoff_base_seconds,
            max_seconds=polling.backoff_max_seconds,
            jitter_seconds=polling.jitter_seconds,
            failing_after_errors=polling.failing_after_errors,
        )


class HealthSignal(StrEnum):
    FAILING = "failing"  # report once: the feed has failed N polls in a row
    RECOVERED = "recovered"  # report once: a failing feed works again


@dataclass(frozen=True)
class Transition:
    state: FetchState
    signal: HealthSignal | None = None
    delay_seconds: float = 0.0  # next_poll_at - now


def backoff_delay(errors: int, backoff: BackoffPolicy, rand: float) -> float:
    """Exponential delay for the ``errors``-th consecutive error, with equal jitter.

    ``rand`` in [0, 1) is injected so tests are deterministic; the delay lies in
    [d/2, d) where d = min(max, base * 2**(errors-1)).
    """
    exponent = min(max(errors - 1, 0), 30)
    full = min(backoff.max_seconds, backoff.base_seconds * (2.0**exponent))
    rand = min(max(rand, 0.0), 1.0)
    return full / 2 + (full / 2) * rand


def next_state(
    state: FetchState,
    outcome: FetchResult,
    now: datetime,
    *,
    interval: float,
    backoff: BackoffPolicy,
    rand: float,
    items_seen: int | None = None,
) -> Transition:
    """The feed's state after ``outcome`` (pure; ``rand`` in [0, 1) is the jitter)."""
    if isinstance(outcome, Failed):
        errors = state.consecutive_errors + 1
        delay = max(interval, backoff_delay(errors, backoff, rand))
        if outcome.retry_after is not None:
            delay = max(delay, outcome.retry_after)
        delay = min(delay, max(backoff.max_seconds, interval))
        signal = None
        failing_reported = state.failing_reported
        if errors >= backoff.failing_after_errors and not failing_reported:
            signal = HealthSignal.FAILING
            failing_reported = True
        new = replace(
            state,
            consecutive_errors=errors,
            last_status=outcome.status,
            last_fetch_at=now,
            first_fetch_at=state.first_fetch_at or now,
            next_poll_at=now + timedelta(seconds=delay),
            last_error=f"{outcome.kind}: {outcome.message}",
            failing_reported=failing_reported,
        )
        if outcome.kind is FetchErrorKind.PARSE:
            # Forget the validators so the next poll fetches and parses again.
            new = replace(new, etag=None, last_modified=None, body_hash=None)
        return Transition(new, signal, delay)

    delay = interval + backoff.jitter_seconds * min(max(rand, 0.0), 1.0)
    signal = HealthSignal.RECOVERED if state.failing_reported else None
    new = replace(
        state,
        consecutive_errors=0,
        last_status=outcome.status,
        last_fetch_at=now,
        first_fetch_at=state.first_fetch_at or now,
        next_poll_at=now + timedelta(seconds=delay),
        last_error=None,
        failing_reported=False,
        etag=outcome.etag or state.etag,
        last_modified=outcome.last_modified or state.last_modified,
    )
    if isinstance(outcome, Fetched):
        moved_to, moved_count = None, 0
        if outcome.permanent_redirect:
            moved_to = outcome.final_url
            moved_count = state.moved_count + 1 if state.moved_to == moved_to else 1
        new = replace(
            new,
            etag=outcome.etag,
            last_modified=outcome.last_modified,
            body_hash=outcome.body_hash,
            items_seen=items_seen if items_seen is not None else state.items_seen,
            moved_to=moved_to,
            moved_count=moved_count,
        )
    return Transition(new, signal, delay)


# --------------------------------------------------------------------------- limiter


class FetchLimiter:
    """Bounded concurrency: at most ``max_concurrency`` fetches, ``max_per_host`` per host.

    The per-host slot is taken first, so a slow host queues its own feeds
    without holding global slots the other hosts could use.
    """

    def __init__(self, max_concurrency: int, max_per_host: int) -> None:
        self._global = asyncio.Semaphore(max_concurrency)
        self._per_host = max_per_host
        self._hosts: dict[str, tuple[asyncio.Semaphore, int]] = {}

    @staticmethod
    def host_key(url: str) -> str:
        try:
            parts = urlsplit(url)
            return (parts.hostname or parts.scheme or "").lower()
        except ValueError:
            return ""

    @asynccontextmanager
    async def slot(self, url: str) -> AsyncIterator[None]:
        key = self.host_key(url)
        sem, users = self._hosts.get(key) or (asyncio.Semaphore(self._per_host), 0)
        self._hosts[key] = (sem, users + 1)
        try:
            async with sem, self._global:
                yield
        finally:
            sem, users = self._hosts[key]
            if users <= 1:
                del self._hosts[key]  # keep the map small with thousands of hosts
            else:
                self._hosts[key] = (sem, users - 1)


# --------------------------------------------------------------------------- decoding


class _Decoder(Protocol):
    def feed(self, data: bytes, limit: int) -> bytes: ...

    def flush(self, limit: int) -> bytes: ...


class _ZlibDecoder:
    """gzip/deflate with bounded output per call (``max_length``)."""

    def __init__(self, encoding: str) -> None:
        self._gzip = encoding in ("gzip", "x-gzip")
        # deflate: the RFC says zlib-wrapped, but many servers send raw deflate;
        # start with zlib and fall back to raw on the first chunk (as browsers do).
        self._obj = zlib.decompressobj(zlib.MAX_WBITS | 16 if self._gzip else zlib.MAX_WBITS)
        self._first = True

    def feed(self, data: bytes, limit: int) -> bytes:
        out = bytearray()
        try:
            out += self._obj.decompress(data, limit + 1)
        except zlib.error:
            if self._gzip or not self._first:
                raise
            self._first = False
            self._obj = zlib.decompressobj(-zlib.MAX_WBITS)
            out += self._obj.decompress(data, limit + 1)
        self._first = False
        while len(out) <= limit:
            if self._obj.unconsumed_tail:
                more = self._obj.decompress(self._obj.unconsumed_tail, limit + 1 - len(out))
            elif self._obj.eof and self._obj.unused_data and self._gzip:
                # concatenated gzip members
                rest = self._obj.unused_data
                self._obj = zlib.decompressobj(zlib.MAX_WBITS | 16)
                more = self._obj.decompress(rest, limit + 1 - len(out))
            else:
                break
            if not more and not self._obj.unconsumed_tail:
                break
            out += more
        return bytes(out)

    def flush(self, limit: int) -> bytes:
        return bytes(self._obj.flush()) if not self._obj.eof else b""


class _BrotliDecoder:
    def __init__(self) -> None:
        self._obj = brotli.Decompressor()

    def feed(self, data: bytes, limit: int) -> bytes:
        out = bytearray(self._obj.process(data, output_buffer_limit=limit + 1))
        # The decoder holds back output past the limit; drain it while under the cap.
        while len(out) <= limit and not self._obj.can_accept_more_data():
            more = self._obj.process(b"", output_buffer_limit=limit + 1 - len(out))
            if not more:
                break
            out += more
        return bytes(out)

    def flush(self, limit: int) -> bytes:
        return b""


class _Chain:
    """Content-Encoding may list several codings; undo them in reverse order."""

    def __init__(self, decoders: list[_Decoder]) -> None:
        self._decoders = decoders

    def feed(self, data: bytes, limit: int) -> bytes:
        for dec in self._decoders:
            data = dec.feed(data, limit)
        return data

    def flush(self, limit: int) -> bytes:
        data = b""
        for dec in self._decoders:
            data = (dec.feed(data, limit) if data else b"") + dec.flush(limit)
        return data


def _decoder_for(content_encoding: str) -> _Decoder | None:
    codings = [c.strip().lower() for c in content_encoding.split(",") if c.strip()]
    decoders: list[_Decoder] = []
    for coding in reversed(codings):
        if coding in ("identity", ""):
            continue
        if coding in ("gzip", "x-gzip", "deflate"):
            decoders.append(_ZlibDecoder(coding))
        elif coding == "br":
            decoders.append(_BrotliDecoder())
        else:
            raise _FetchError(FetchErrorKind.BAD_ENCODING, f"unsupported Content-Encoding {coding}")
    if not decoders:
        return None
    return decoders[0] if len(decoders) == 1 else _Chain(decoders)


async def _read_body(response: httpx.Response, cap: int) -> bytes:
    """The decoded body, aborting as soon as it would exceed ``cap`` bytes."""
    declared = response.headers.get("content-length")
    encoding = response.headers.get("content-encoding", "")
    if declared and declared.isdigit() and not encoding and int(declared) > cap:
        raise _FetchError(FetchErrorKind.TOO_LARGE, f"response too large ({declared} bytes)")
    try:
        # Responses built in memory (httpx.MockTransport) arrive already read and
        # decoded by httpx; real transports always stream and take the path below.
        preloaded: bytes | None = response.content
    except httpx.ResponseNotRead:
        preloaded = None
    if preloaded is not None:
        if len(preloaded) > cap:
            raise _FetchError(FetchErrorKind.TOO_LARGE, f"response too large (> {cap} bytes)")
        return preloaded
    decoder = _decoder_for(encoding)
    body = bytearray()
    try:
        async for raw in response.aiter_raw():
            chunk = decoder.feed(raw, cap - len(body)) if decoder else raw
            body += chunk
            if len(body) > cap:
                raise _FetchError(FetchErrorKind.TOO_LARGE, f"response too large (> {cap} bytes)")
        if decoder:
            body += decoder.flush(cap - len(body))
    except (zlib.error, brotli.error) as exc:
        raise _FetchError(FetchErrorKind.BAD_ENCODING, f"corrupt {encoding} body: {exc}") from exc
    if len(body) > cap:
        raise _FetchError(FetchErrorKind.TOO_LARGE, f"response too large (> {cap} bytes)")
    return bytes(body)


# --------------------------------------------------------------------------- content checks

_HTML_START = re.compile(
    rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html[\s>]|head[\s>])", re.I | re.S
)
_CHALLENGE_MARKERS = (
    b"cf-challenge",
    b"challenge-platform",
    b"cf_chl_",
    b"just a moment...",
    b"attention required! | cloudflare",
    b"ddos-guard",
)


def _not_a_feed(body: bytes, headers: Mapping[str, str]) -> str | None:
    """Why the body is a web page rather than a feed, or None."""
    if headers.get("cf-mitigated", "").lower() == "challenge":
        return "anti-bot challenge page (cf-mitigated)"
    head = body[:4096]
    lowered = head.lower()
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    if _HTML_START.match(head):
        if any(marker in lowered for marker in _CHALLENGE_MARKERS):
            return "anti-bot challenge page"
        return "HTML page instead of a feed"
    return None


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """``Retry-After`` as seconds from ``now``: delta-seconds or an HTTP date.

    Garbage, negative values and dates in the past give None (use default backoff).
    """
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(min(int(value), 10**9))
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    seconds = (when - now).total_seconds()
    return seconds if seconds > 0 else None


def body_hash(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


# --------------------------------------------------------------------------- fetching


def _is_local(url: str) -> bool:
    return url.lower().startswith("file:") or "://" not in url


def _local_path(url: str) -> Path:
    if url.lower().startswith("file:"):
        parts = urlsplit(url)
        return Path(unquote(parts.path))
    return Path(url)


async def _fetch_file(
    url: str, state: FetchState, policy: FetchPolicy, now: datetime
) -> FetchResult:
    if not policy.allow_file:
        return Failed(FetchErrorKind.BLOCKED, "local files are not allowed", url=url)
    if url.lower().startswith("file:"):
        try:
            netguard.check_url(url, allow_file=True)
        except netguard.UnsafeURLError as exc:
            return Failed(FetchErrorKind.BLOCKED, str(exc), url=url)
    path = _local_path(url)
    cap = policy.max_body_bytes

    def read() -> bytes:
        with path.open("rb") as fh:
            return fh.read(cap + 1)

    try:
        body = await asyncio.to_thread(read)
    except OSError as exc:
        return Failed(FetchErrorKind.FILE, f"cannot read {path}: {exc.strerror or exc}", url=url)
    if is_feed_template(path.name):
        try:
            text = render_feed_template(body.decode("utf-8"), state.first_fetch_at or now)
        except (UnicodeDecodeError, FeedTemplateError) as exc:
            return Failed(FetchErrorKind.FILE, f"bad feed template {path}: {exc}", url=url)
        body = text.encode("utf-8")
    return _finish(body, {}, 200, url, state, permanent=False, cap=cap)


def _finish(
    body: bytes,
    headers: Mapping[str, str],
    status: int,
    url: str,
    state: FetchState,
    *,
    permanent: bool,
    cap: int,
) -> FetchResult:
    etag = headers.get("etag")
    last_modified = headers.get("last-modified")
    if len(body) > cap:
        return Failed(
            FetchErrorKind.TOO_LARGE, f"response too large (> {cap} bytes)", status, url=url
        )
    if not body.strip():
        return Failed(FetchErrorKind.EMPTY, "empty response body", status, url=url)
    reason = _not_a_feed(body, headers)
    if reason:
        return Failed(FetchErrorKind.NOT_A_FEED, reason, status, url=url)
    digest = body_hash(body)
    if state.body_hash is not None and digest == state.body_hash:
        return Unchanged(url, digest, etag, last_modified, status)
    return Fetched(body, headers, status, url, etag, last_modified, digest, permanent)


def _headers(response: httpx.Response) -> dict[str, str]:
    merged: dict[str, str] = {}
    for name, value in response.headers.multi_items():
        key = name.lower()
        merged[key] = f"{merged[key]}, {value}" if key in merged else value
    return merged


async def _fetch_http(
    client: httpx.AsyncClient, url: str, state: FetchState, policy: FetchPolicy, now: datetime
) -> FetchResult:
    timeout = httpx.Timeout(
        connect=policy.connect_timeout,
        read=policy.read_timeout,
        write=policy.read_timeout,
        pool=policy.deadline,
    )
    base_headers = {
        "User-Agent": policy.user_agent,
        "Accept": FEED_ACCEPT,
        "Accept-Encoding": ACCEPT_ENCODING,
    }
    if state.etag:
        base_headers["If-None-Match"] = state.etag
    if state.last_modified:
        base_headers["If-Modified-Since"] = state.last_modified
    current = url
    permanent = True
    for _hop in range(policy.max_redirects + 1):
        try:
            if policy.preflight_dns:
                await netguard.check_url_resolved(
                    current, allow_private=policy.allow_private, resolver=policy.resolver
                )
            else:
                netguard.check_url(current, allow_private=policy.allow_private)
        except netguard.UnsafeURLError as exc:
            return Failed(FetchErrorKind.BLOCKED, str(exc), url=current)
        except OSError as exc:
            return Failed(FetchErrorKind.CONNECT, str(exc), url=current)
        request = client.build_request("GET", current, headers=base_headers, timeout=timeout)
        response = await client.send(request, stream=True, follow_redirects=False)
        try:
            status = response.status_code
            if status in REDIRECT_STATUSES:
                location = response.headers.get("location")
                if not location:
                    return Failed(
                        FetchErrorKind.HTTP_STATUS,
                        f"HTTP {status} without Location",
                        status,
                        url=current,
                    )
                target = urljoin(current, location.strip())
                if current.lower().startswith("https:") and target.lower().startswith("http:"):
                    return Failed(
                        FetchErrorKind.BLOCKED,
                        f"redirect from https to http ({target})",
                        status,
                        url=current,
                    )
                permanent = permanent and status in PERMANENT_REDIRECTS
                current = target
                continue
            headers = _headers(response)
            if status == 304:
                return NotModified(current, headers.get("etag"), headers.get("last-modified"))
            if status == 429 or (status == 503 and "retry-after" in headers):
                retry = parse_retry_after(headers.get("retry-after"), now)
                return Failed(
                    FetchErrorKind.RATE_LIMITED, f"HTTP {status}", status, retry, url=current
                )
            if status >= 400 or status < 200 or status == 204:
                retry = parse_retry_after(headers.get("retry-after"), now)
                kind = FetchErrorKind.HTTP_STATUS
                if headers.get("cf-mitigated", "").lower() == "challenge":
                    kind = FetchErrorKind.NOT_A_FEED
                return Failed(kind, f"HTTP {status}", status, retry, url=current)
            try:
                body = await _read_body(response, policy.max_body_bytes)
            except _FetchError as exc:
                return Failed(exc.kind, str(exc), status, url=current)
            return _finish(
                body,
                headers,
                status,
                current,
                state,
                permanent=permanent and current != url,
                cap=policy.max_body_bytes,
            )
        finally:
            await response.aclose()
    return Failed(
        FetchErrorKind.TOO_MANY_REDIRECTS,
        f"too many redirects (more than {policy.max_redirects})",
        url=current,
    )


async def fetch_feed(
    client: httpx.AsyncClient,
    url: str,
    state: FetchState,
    policy: FetchPolicy,
    now: datetime,
) -> FetchResult:
    """Fetch one feed once. See the module docstring; never raises for I/O problems."""
    try:
        async with asyncio.timeout(policy.deadline):
            if _is_local(url):
                return await _fetch_file(url, state, policy, now)
            return await _fetch_http(client, url, state, policy, now)
    except TimeoutError:
        return Failed(
            FetchErrorKind.TIMEOUT, f"no complete response within {policy.deadline:g} s", url=url
        )
    except _FetchError as exc:
        return Failed(exc.kind, str(exc), url=url)
    except netguard.UnsafeURLError as exc:  # from the guarded transport, at dial time
        return Failed(FetchErrorKind.BLOCKED, str(exc), url=url)
    except httpx.TimeoutException as exc:
        return Failed(FetchErrorKind.TIMEOUT, f"{type(exc).__name__}: {exc}", url=url)
    except (httpx.ConnectError, httpx.ProxyError) as exc:
        return Failed(FetchErrorKind.CONNECT, f"cannot connect: {exc}", url=url)
    except (httpx.RemoteProtocolError, httpx.LocalProtocolError, httpx.DecodingError) as exc:
        return Failed(FetchErrorKind.PROTOCOL, str(exc) or type(exc).__name__, url=url)
    except (httpx.TransportError, httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
        return Failed(FetchErrorKind.CONNECT, str(exc) or type(exc).__name__, url=url)


__all__ = [
    "BackoffPolicy",
    "Failed",
    "FetchErrorKind",
    "FetchLimiter",
    "FetchPolicy",
    "FetchResult",
    "FetchState",
    "Fetched",
    "HealthSignal",
    "NotModified",
    "Transition",
    "Unchanged",
    "backoff_delay",
    "body_hash",
    "fetch_feed",
    "make_client",
    "next_state",
    "parse_retry_after",
]
