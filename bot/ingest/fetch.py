"""Fetching feeds: one bounded, policy-checked GET (or local file read) per call.

Public API
----------
``FetchPolicy``  limits for one fetch (timeouts, deadline, body cap, redirects,
    address policy); ``FetchPolicy.from_settings(settings.polling)``.
``await fetch_feed(client, url, state, policy, now) -> FetchResult``
    Never raises for network or content problems (only for programming errors
    and cancellation). ``FetchResult`` (``bot.ingest.results``) is one of:

    * ``Fetched``      new body (decoded, ≤ ``max_body_bytes``) to parse
    * ``NotModified``  304 for our ``If-None-Match``/``If-Modified-Since``: do not parse
    * ``Unchanged``    200 with the same sha256 as last time: do not parse
    * ``Failed``       ``kind`` (``FetchErrorKind``), ``message``, ``status``, ``retry_after``
``make_client(policy, per_host=None, keepalive_seconds=5) -> httpx.AsyncClient``
    a client with ``trust_env=False`` and the connect-time address guard of
    ``bot.ingest.netguard``; ``per_host`` pools connections per host.

Every redirect hop is checked with ``netguard.check_url_resolved`` before it is
requested; the guarded transport checks the address actually dialled as well.
"""

from __future__ import annotations

import asyncio
import hashlib
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urljoin, urlsplit

import brotli
import httpx

from bot.backoff import retry_after_seconds
from bot.ingest import netguard
from bot.ingest.decoders import UnsupportedEncodingError, decoder_for
from bot.ingest.feedtemplate import FeedTemplateError, is_feed_template, render_feed_template
from bot.ingest.results import Failed, Fetched, FetchErrorKind, FetchResult, NotModified, Unchanged
from bot.ingest.sniff import not_a_feed
from bot.ingest.state import FetchState

if TYPE_CHECKING:  # config imports pydantic; fetching only needs the attribute names
    from bot.config import PollingSettings

FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, "
    "application/json;q=0.9, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.1"
)
# We decode these ourselves, with a bound on the output of every step.
ACCEPT_ENCODING = "gzip, deflate, br"
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
PERMANENT_REDIRECTS = frozenset({301, 308})
# An unread response body up to this size is read to its end so the connection can be
# reused; a longer or slower one gets the connection closed.
DRAIN_BYTES = 64 * 1024
DRAIN_SECONDS = 0.5


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


def make_client(
    policy: FetchPolicy,
    *,
    max_connections: int = 100,
    per_host: int | None = None,
    keepalive_seconds: float = 5.0,
    max_hosts: int = 512,
) -> httpx.AsyncClient:
    """The client ``fetch_feed`` expects: no proxies from the environment, guarded dials.

    With ``per_host``, connections are pooled per host (at most ``per_host`` each, for
    the ``max_hosts`` hosts used last) and kept alive ``keepalive_seconds``: the poller
    sets that beyond its polling interval so a host's next poll reuses the connection.
    """
    transport = netguard.guarded_transport(
        allow_private=policy.allow_private,
        resolver=policy.resolver,
        limits=httpx.Limits(
            max_connections=max_connections,
            max_keepalive_connections=max_connections // 2,
            keepalive_expiry=keepalive_seconds,
        ),
        per_host=per_host,
        max_hosts=max_hosts,
    )
    return httpx.AsyncClient(
        transport=transport,
        trust_env=False,
        follow_redirects=False,
        headers={"User-Agent": policy.user_agent},
    )


class _FetchError(Exception):
    def __init__(self, kind: FetchErrorKind, message: str) -> None:
        super().__init__(message)
        self.kind = kind


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
    try:
        decoder = decoder_for(encoding)
    except UnsupportedEncodingError as exc:
        raise _FetchError(FetchErrorKind.BAD_ENCODING, str(exc)) from None
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


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """``Retry-After`` as seconds from ``now`` (``bot.backoff.retry_after_seconds``).

    Garbage, negative values and dates in the past give None (use default backoff).
    """
    seconds = retry_after_seconds(value, now)
    return None if seconds is None or seconds < 0 else min(seconds, 1e9)


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
    reason = not_a_feed(body, headers)
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


async def _release(response: httpx.Response) -> None:
    """Close the response, first reading a short unread body (a 304's, an error page's,
    a redirect's) to its end: httpcore closes a connection whose response was not read
    to the end, and then a host's next poll pays a new TCP (and TLS) connection."""
    if not response.is_stream_consumed:
        try:
            async with asyncio.timeout(DRAIN_SECONDS):
                drained = 0
                async for chunk in response.aiter_raw():
                    drained += len(chunk)
                    if drained > DRAIN_BYTES:
                        break  # a long body: closing the connection is cheaper
        except (TimeoutError, httpx.HTTPError, httpx.StreamError):
            pass  # the connection is closed below instead of reused
    await response.aclose()


def _redirect_target(response: httpx.Response, current: str) -> str | Failed:
    """Where a redirect points, or why it is not followed (no Location, https → http)."""
    status = response.status_code
    location = response.headers.get("location")
    if not location:
        return Failed(
            FetchErrorKind.HTTP_STATUS, f"HTTP {status} without Location", status, url=current
        )
    target: str = urljoin(current, location.strip())
    if current.lower().startswith("https:") and target.lower().startswith("http:"):
        return Failed(
            FetchErrorKind.BLOCKED, f"redirect from https to http ({target})", status, url=current
        )
    return target


def _without_body(
    status: int, headers: Mapping[str, str], current: str, now: datetime
) -> NotModified | Failed | None:
    """The outcome of a final response whose body is not read: 304, rate limits, errors."""
    if status == 304:
        return NotModified(current, headers.get("etag"), headers.get("last-modified"))
    if status == 429 or (status == 503 and "retry-after" in headers):
        retry = parse_retry_after(headers.get("retry-after"), now)
        return Failed(FetchErrorKind.RATE_LIMITED, f"HTTP {status}", status, retry, url=current)
    if status >= 400 or status < 200 or status == 204:
        retry = parse_retry_after(headers.get("retry-after"), now)
        kind = FetchErrorKind.HTTP_STATUS
        if headers.get("cf-mitigated", "").lower() == "challenge":
            kind = FetchErrorKind.NOT_A_FEED
        return Failed(kind, f"HTTP {status}", status, retry, url=current)
    return None


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
                target = _redirect_target(response, current)
                if isinstance(target, Failed):
                    return target
                permanent = permanent and status in PERMANENT_REDIRECTS
                current = target
                continue
            headers = _headers(response)
            answered = _without_body(status, headers, current, now)
            if answered is not None:
                return answered
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
            await _release(response)
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
