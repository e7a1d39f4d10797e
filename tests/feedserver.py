"""A real HTTP server on 127.0.0.1 (ephemeral port) with scriptable feed routes.

For tests and benchmarks of fetching and polling: everything goes over a real
socket, so timeouts, streaming, compression and redirects behave as in production.

    async with FeedServer() as server:
        feed = ConditionalFeed(b"<rss>...</rss>")      # ETag/Last-Modified, 304s
        server.route("/feed.xml", feed)
        server.route("/broken", status(500))
        server.route("/bomb", gzip_bomb(50 * 2**20))
        url = server.url("/feed.xml")
        ...
        assert server.hits("/feed.xml") == 2
        feed.update(b"<rss>...new...</rss>")           # next GET returns 200 again

A route is any ``async (aiohttp.web.Request) -> aiohttp.web.StreamResponse``; the
factories below build the common ones. Routes can be replaced at any time.
Every request is recorded in ``server.requests`` (path, headers, time).

Factories
---------
``static(body, content_type=..., status=200, headers=None)``
``ConditionalFeed(body, content_type=...)``   honours If-None-Match/If-Modified-Since
``status(code, body=b"", headers=None)``      e.g. ``status(500)``
``retry_after(value, code=429)``              ``Retry-After`` seconds / date / garbage
``sequence(*routes)``                          one route per request, the last repeats
``slow(body, delay, chunk=1)``                 ``chunk`` bytes every ``delay`` seconds
``endless(chunk=..., delay=0.0)``              a body that never ends
``oversized(size, content_length=None)``       ``size`` bytes; ``content_length`` is
                                               the header to send (may lie), None = chunked
``gzip_bomb(decoded_size)`` / ``brotli_bomb(decoded_size)``
``redirect(location, code=302)``               relative or absolute ``location``
``html_page(challenge=False)``                 a web page / Cloudflare-like challenge
``empty()``                                    200 with an empty body
"""

from __future__ import annotations

import asyncio
import email.utils
import functools
import hashlib
import time
import zlib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from types import TracebackType

import brotli
from aiohttp import web

Route = Callable[[web.Request], Awaitable[web.StreamResponse]]

RSS_TYPE = "application/rss+xml; charset=utf-8"


@dataclass(frozen=True)
class RecordedRequest:
    path: str
    method: str
    headers: Mapping[str, str]
    at: float = field(default_factory=time.monotonic)


class FeedServer:
    """An aiohttp server on 127.0.0.1 with routes set per test (see module doc)."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.port = 0
        self.requests: list[RecordedRequest] = []
        self._routes: dict[str, Route] = {}
        self._runner: web.AppRunner | None = None

    async def start(self) -> FeedServer:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._dispatch)
        # No access log (noise) and a short shutdown: tests close with streams open.
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, 0)
        await site.start()
        server = site._server  # aiohttp has no public accessor for the bound port
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        return self

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FeedServer:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def route(self, path: str, handler: Route) -> None:
        self._routes[path] = handler

    def hits(self, path: str) -> int:
        return sum(1 for r in self.requests if r.path == path)

    def last_request(self, path: str) -> RecordedRequest:
        return [r for r in self.requests if r.path == path][-1]

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        self.requests.append(RecordedRequest(request.path, request.method, dict(request.headers)))
        handler = self._routes.get(request.path)
        if handler is None:
            return web.Response(status=404, text="no such route")
        return await handler(request)


# --------------------------------------------------------------------------- routes


def static(
    body: bytes,
    *,
    content_type: str = RSS_TYPE,
    code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> Route:
    async def handler(request: web.Request) -> web.StreamResponse:
        hdrs = {"Content-Type": content_type, **(headers or {})}
        return web.Response(body=body, status=code, headers=hdrs)

    return handler


def status(code: int, body: bytes = b"", headers: Mapping[str, str] | None = None) -> Route:
    return static(body, content_type="text/plain", code=code, headers=headers)


def empty() -> Route:
    return static(b"")


def retry_after(value: str, code: int = 429) -> Route:
    return status(code, b"slow down", {"Retry-After": value})


class ConditionalFeed:
    """A feed body with a strong ETag and Last-Modified; answers 304 when they match.

    ``update(body)`` changes the body (new ETag, Last-Modified = now).
    ``etags=False`` / ``last_modified=False`` turn a validator off.
    """

    def __init__(
        self,
        body: bytes,
        *,
        content_type: str = RSS_TYPE,
        etags: bool = True,
        last_modified: bool = True,
    ) -> None:
        self.content_type = content_type
        self.use_etag = etags
        self.use_last_modified = last_modified
        self.not_modified_count = 0
        self.update(body)

    def update(self, body: bytes) -> None:
        self.body = body
        self.etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        self.modified = email.utils.formatdate(time.time(), usegmt=True)

    async def __call__(self, request: web.Request) -> web.StreamResponse:
        headers = {"Content-Type": self.content_type}
        if self.use_etag:
            headers["ETag"] = self.etag
        if self.use_last_modified:
            headers["Last-Modified"] = self.modified
        inm = request.headers.get("If-None-Match")
        ims = request.headers.get("If-Modified-Since")
        if (self.use_etag and inm == self.etag) or (
            inm is None and self.use_last_modified and ims == self.modified
        ):
            self.not_modified_count += 1
            return web.Response(status=304, headers=headers)
        return web.Response(body=self.body, headers=headers)


def sequence(*routes: Route) -> Route:
    """The n-th request gets ``routes[n]``; once exhausted, the last one repeats."""
    calls = 0

    async def handler(request: web.Request) -> web.StreamResponse:
        nonlocal calls
        route = routes[min(calls, len(routes) - 1)]
        calls += 1
        return await route(request)

    return handler


def slow(body: bytes, delay: float, chunk: int = 1) -> Route:
    """Send ``chunk`` bytes every ``delay`` seconds (slowloris)."""

    async def handler(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": RSS_TYPE})
        response.content_length = len(body)
        await response.prepare(request)
        try:
            for i in range(0, len(body), chunk):
                await response.write(body[i : i + chunk])
                await asyncio.sleep(delay)
        except ConnectionError:
            pass
        return response

    return handler


def endless(chunk: bytes = b"<item><title>x</title></item>" * 32, delay: float = 0.0) -> Route:
    """A chunked body that never ends."""

    async def handler(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": RSS_TYPE})
        await response.prepare(request)
        try:
            while True:
                await response.write(chunk)
                await asyncio.sleep(delay)
        except ConnectionError:
            pass
        return response

    return handler


def oversized(size: int, content_length: int | None = None, chunk: int = 64 * 1024) -> Route:
    """``size`` bytes of an RSS-looking body. ``content_length`` is sent as-is (lies too)."""
    block = (b"<item><title>filler</title></item>\n" * (chunk // 36 + 1))[:chunk]

    async def handler(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": RSS_TYPE})
        if content_length is not None:
            response.content_length = content_length
        await response.prepare(request)
        sent = 0
        try:
            await response.write(b"<rss><channel>")
            while sent < size:
                piece = block[: min(chunk, size - sent)]
                await response.write(piece)
                sent += len(piece)
        except (ConnectionError, RuntimeError):
            pass  # client closed, or aiohttp refused to exceed the declared length
        return response

    return handler


@functools.lru_cache(maxsize=4)
def gzip_bomb_bytes(decoded_size: int) -> bytes:
    """A gzip stream of ``decoded_size`` zero bytes (about 1000:1)."""
    comp = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = bytes(1 << 20)
    parts = [comp.compress(block) for _ in range(decoded_size >> 20)]
    parts.append(comp.compress(bytes(decoded_size & ((1 << 20) - 1))))
    parts.append(comp.flush())
    return b"".join(parts)


@functools.lru_cache(maxsize=4)
def brotli_bomb_bytes(decoded_size: int) -> bytes:
    """A brotli stream of ``decoded_size`` zero bytes (far above 1000:1)."""
    comp = brotli.Compressor(quality=5)
    block = bytes(1 << 20)
    parts = [comp.process(block) for _ in range(decoded_size >> 20)]
    parts.append(comp.process(bytes(decoded_size & ((1 << 20) - 1))))
    parts.append(comp.finish())
    return b"".join(parts)


def _bomb(payload: bytes, encoding: str) -> Route:
    async def handler(request: web.Request) -> web.StreamResponse:
        headers = {"Content-Type": RSS_TYPE, "Content-Encoding": encoding}
        response = web.Response(body=payload, headers=headers)
        return response

    return handler


def gzip_bomb(decoded_size: int) -> Route:
    return _bomb(gzip_bomb_bytes(decoded_size), "gzip")


def brotli_bomb(decoded_size: int) -> Route:
    return _bomb(brotli_bomb_bytes(decoded_size), "br")


def compressed(body: bytes, encoding: str) -> Route:
    """``body`` sent with ``Content-Encoding: encoding`` (gzip, deflate, br)."""
    if encoding == "gzip":
        comp = zlib.compressobj(6, zlib.DEFLATED, 31)
        payload = comp.compress(body) + comp.flush()
    elif encoding == "deflate":
        payload = zlib.compress(body)
    elif encoding == "br":
        payload = brotli.compress(body)
    else:
        raise ValueError(encoding)
    return _bomb(payload, encoding)


def redirect(location: str, code: int = 302) -> Route:
    async def handler(request: web.Request) -> web.StreamResponse:
        return web.Response(status=code, headers={"Location": location})

    return handler


CHALLENGE_PAGE = (
    b'<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title>'
    b'<meta http-equiv="refresh" content="390"></head><body>'
    b'<div id="challenge-running">Checking your browser before accessing the site.</div>'
    b'<script src="/cdn-cgi/challenge-platform/h/b/orchestrate/chl_page/v1"></script>'
    b"</body></html>"
)
PLAIN_PAGE = (
    b"<!doctype html>\n<html><head><title>Welcome</title></head>"
    b"<body><h1>Domain parked</h1><p>This domain is for sale.</p></body></html>"
)


def html_page(*, challenge: bool = False, code: int | None = None) -> Route:
    """A web page where a feed was expected; ``challenge`` mimics Cloudflare."""
    if challenge:
        return static(
            CHALLENGE_PAGE,
            content_type="text/html; charset=UTF-8",
            code=code or 403,
            headers={"cf-mitigated": "challenge", "Server": "cloudflare"},
        )
    return static(PLAIN_PAGE, content_type="text/html; charset=utf-8", code=code or 200)
