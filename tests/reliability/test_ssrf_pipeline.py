"""SSRF through the real pipeline with ``allow_private_addresses = false`` (the default):
feed URLs from the config that are, resolve to, or redirect to loopback, private or
cloud-metadata addresses are refused on every hop, before any connection is made;
nothing is stored and the feed URL is never rewritten."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from feedserver import FeedServer, static
from relkit import Rig, meeting_item, rss

from bot.ingest.fetch import make_client

GOOD = rss(meeting_item("s1"))
PRIVATE_ENV = {"BOT_POLLING_ALLOW_PRIVATE_ADDRESSES": "false"}


@pytest.fixture
async def server() -> AsyncIterator[FeedServer]:
    async with FeedServer() as srv:
        srv.route("/feed", static(GOOD))
        yield srv


def names(port: int) -> dict[str, list[str]]:
    return {
        "intranet.test": ["10.1.2.3"],
        "loop.test": ["127.0.0.1"],
        "meta.test": ["169.254.169.254"],
        "mixed.test": ["93.184.216.34", "192.168.1.10"],
        "v6loop.test": ["::1"],
        "mapped.test": ["::ffff:127.0.0.1"],
    }


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:{port}/feed",
        "http://localhost:{port}/feed",
        "http://2130706433:{port}/feed",
        "http://0x7f.1:{port}/feed",
        "http://127.1:{port}/feed",
        "http://[::1]:{port}/feed",
        "http://[::ffff:127.0.0.1]:{port}/feed",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.8/feed",
        "http://100.64.0.1/feed",
        "http://0.0.0.0:{port}/feed",
        "http://loop.test:{port}/feed",
        "http://intranet.test/feed",
        "http://meta.test/feed",
        "http://mixed.test/feed",
        "http://v6loop.test:{port}/feed",
        "http://mapped.test:{port}/feed",
    ],
)
async def test_private_feed_urls_refused_without_connecting(
    tmp_path: Path, server: FeedServer, url: str
) -> None:
    url = url.format(port=server.port)
    async with Rig(tmp_path, {"inside": url}, env=PRIVATE_ENV) as rig:
        pipeline = rig.app.pipeline
        assert pipeline is not None and rig.app.store is not None
        table = names(server.port)

        async def resolve(host: str, port: int) -> list[str]:
            return table.get(host, ["93.184.216.34"])

        # The real guarded client, with a resolver we control (no real DNS offline).
        pipeline.policy = replace(pipeline.policy, resolver=resolve)
        await pipeline.client.aclose()
        pipeline.client = make_client(pipeline.policy)
        report = await pipeline.poll(rig.app.jobs[0], force=True)
        assert report.outcome == "failed"
        assert (report.error or "").startswith("blocked"), report.error
        assert server.requests == []  # refused before any connection
        state = await rig.app.store.feeds.load("inside")
        assert state is not None and state.items_seen == 0 and state.moved_to is None


async def test_dns_rebinding_refused_at_connect_time(tmp_path: Path, server: FeedServer) -> None:
    """Public on the pre-flight lookup, loopback when the socket is dialled: refused."""
    answers = iter([["93.184.216.34"], ["127.0.0.1"], ["127.0.0.1"]])

    async def rebinding(host: str, port: int) -> list[str]:
        return next(answers, ["127.0.0.1"])

    url = f"http://rebind.test:{server.port}/feed"
    async with Rig(tmp_path, {"rebind": url}, env=PRIVATE_ENV) as rig:
        pipeline = rig.app.pipeline
        assert pipeline is not None
        pipeline.policy = replace(pipeline.policy, resolver=rebinding)
        await pipeline.client.aclose()
        pipeline.client = make_client(pipeline.policy)
        report = await pipeline.poll(rig.app.jobs[0], force=True)
        assert report.outcome == "failed" and (report.error or "").startswith("blocked")
        assert server.requests == []


@pytest.mark.parametrize(
    "location",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://127.0.0.1/admin",
        "http://[::1]/",
        "https://intranet.test/feed",
        "http://2130706433/",
        "file:///etc/passwd",
        "gopher://feeds.example/1",
        "http://feeds.example/plain",  # https → http downgrade
    ],
)
async def test_every_redirect_hop_is_checked(tmp_path: Path, location: str) -> None:
    """A public feed whose 2nd or 3rd hop points inside: refused at that hop; nothing
    stored, the stored URL not rewritten, and no request to the private target."""
    requested: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requested.append(str(request.url))
        if request.url.path == "/start":
            return httpx.Response(301, headers={"Location": "https://feeds.example/middle"})
        if request.url.path == "/middle":
            return httpx.Response(302, headers={"Location": location})
        return httpx.Response(200, content=GOOD, headers={"Content-Type": "application/rss+xml"})

    async def resolve(host: str, port: int) -> list[str]:
        return {"intranet.test": ["10.9.9.9"]}.get(host, ["93.184.216.34"])

    async with Rig(tmp_path, {"pub": "https://feeds.example/start"}, env=PRIVATE_ENV) as rig:
        pipeline = rig.app.pipeline
        assert pipeline is not None and rig.app.store is not None
        pipeline.policy = replace(pipeline.policy, resolver=resolve)
        await pipeline.client.aclose()
        pipeline.client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
        report = await pipeline.poll(rig.app.jobs[0], force=True)
        assert report.outcome == "failed" and (report.error or "").startswith("blocked")
        assert requested == ["https://feeds.example/start", "https://feeds.example/middle"]
        state = await rig.app.store.feeds.load("pub")
        assert state is not None and state.moved_to is None and state.items_seen == 0
        assert report.new_items == 0
