"""Connection reuse across polls: with connections pooled per host and kept alive past
the polling interval, a host's next poll reuses its connection, whatever the answer
was (a 304, an error page, a feed), over real loopback servers on three addresses."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime

import pytest
from aiohttp import web
from feedserver import ConditionalFeed, FeedServer, status

from bot.ingest.fetch import FetchPolicy, fetch_feed, make_client
from bot.ingest.results import Fetched
from bot.ingest.state import FetchState

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
HOSTS = ("127.0.0.1", "127.0.0.2", "127.0.0.3")
POLICY = FetchPolicy(allow_private=True, preflight_dns=False)
BODY = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'

Route = Callable[[web.Request], Awaitable[web.StreamResponse]]


def peer_recording(route: Route, peers: set[object]) -> Route:
    """The route, noting the client's (address, port): one port = one connection."""

    async def handler(request: web.Request) -> web.StreamResponse:
        assert request.transport is not None
        peers.add(request.transport.get_extra_info("peername"))
        return await route(request)

    return handler


@pytest.fixture
async def servers() -> AsyncIterator[list[FeedServer]]:
    started = [await FeedServer(host).start() for host in HOSTS]
    try:
        yield started
    finally:
        for server in started:
            await server.close()


@pytest.mark.parametrize(
    ("answer", "client_options", "connections_per_host"),
    [
        ("304", {"per_host": 1, "keepalive_seconds": 60.0}, 1),
        ("500", {"per_host": 1, "keepalive_seconds": 60.0}, 1),
        ("feed", {"per_host": 1, "keepalive_seconds": 60.0}, 1),
        # only two hosts' connections kept: alternating over three, each poll reconnects
        ("304", {"per_host": 1, "keepalive_seconds": 60.0, "max_hosts": 2}, 4),
        # one pool for every host, at most 2 connections (a single shared httpcore pool)
        ("304", {"max_connections": 2}, 4),
    ],
)
async def test_a_hosts_next_poll_reuses_its_connection(
    servers: list[FeedServer],
    answer: str,
    client_options: dict[str, object],
    connections_per_host: int,
) -> None:
    peers: list[set[object]] = [set() for _ in servers]
    states: list[FetchState] = []
    for server, seen in zip(servers, peers, strict=True):
        route: Route = ConditionalFeed(BODY) if answer != "500" else status(500, b"oops")
        server.route("/feed.xml", peer_recording(route, seen))
        states.append(FetchState())
    async with make_client(POLICY, **client_options) as client:  # type: ignore[arg-type]
        for _ in range(4):
            for index, server in enumerate(servers):
                result = await fetch_feed(
                    client, server.url("/feed.xml"), states[index], POLICY, NOW
                )
                if isinstance(result, Fetched) and answer == "304":
                    states[index] = FetchState(etag=result.etag)
    assert [len(seen) for seen in peers] == [connections_per_host] * len(servers)
