"""SSRF policy: refused URLs and addresses, DNS answers, and the connect-time guard."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime

import httpx
import pytest
from feedserver import FeedServer, static

from bot.ingest import netguard
from bot.ingest.fetch import FetchPolicy, fetch_feed
from bot.ingest.netguard import UnsafeURLError, check_url, check_url_resolved, is_public_address
from bot.ingest.results import Failed, Fetched, FetchErrorKind
from bot.ingest.state import FetchState

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
RSS = b'<rss version="2.0"><channel><title>t</title><item><title>a</title></item></channel></rss>'


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/feed",
        "http://localhost/feed",
        "http://[::1]/feed",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.1.2.3/",
        "http://192.168.0.10/",
        "http://172.16.5.4/",
        "http://100.64.0.1/",
        "http://0.0.0.0/",
        "http://2130706433/",
        "http://0x7f.1/",
        "http://127.1/",
        "http://0177.0.0.1/",
        "http://[::ffff:127.0.0.1]/",
        "http://[::ffff:7f00:1]/",
        "http://[fe80::1]/",
        "http://[fd00:ec2::254]/",
        "http://[2002:7f00:1::]/",  # 6to4 wrapping 127.0.0.1
        "http://[64:ff9b::a9fe:a9fe]/",  # NAT64 wrapping 169.254.169.254
        "http://224.0.0.1/",
        "http://255.255.255.255/",
        "http://printer.local/",
        "file:///etc/passwd",
        "gopher://example.com/",
        "ftp://example.com/feed.xml",
        "feed.xml",
        "javascript:alert(1)",
        "http://user:pass@example.com/feed",
        "http://@example.com/",
        "http://example.com:99999/",
        "http:///nohost",
        "http://exa mple.com/",
        "",
    ],
)
def test_refused_urls(url: str) -> None:
    with pytest.raises(UnsafeURLError) as info:
        check_url(url)
    assert str(info.value)  # a message for the person who typed it


@pytest.mark.parametrize(
    "url",
    [
        "https://feeds.bbci.co.uk/news/world/rss.xml",
        "http://93.184.216.34/feed",
        "HTTPS://Example.COM/rss",
        "http://[2606:4700:4700::1111]/",
    ],
)
def test_allowed_urls(url: str) -> None:
    target = check_url(url)
    assert target.scheme in {"http", "https"}
    assert target.host == target.host.lower()


def test_allow_private_lets_loopback_through_but_not_other_schemes() -> None:
    assert check_url("http://127.0.0.1:8080/f", allow_private=True).ip == ipaddress.ip_address(
        "127.0.0.1"
    )
    with pytest.raises(UnsafeURLError):
        check_url("gopher://127.0.0.1/", allow_private=True)
    with pytest.raises(UnsafeURLError):
        check_url("http://u:p@127.0.0.1/", allow_private=True)


def test_file_urls_only_when_allowed() -> None:
    assert check_url("file:///srv/feeds/demo.xml", allow_file=True).scheme == "file"
    with pytest.raises(UnsafeURLError):
        check_url("file://remote-host/share/feed.xml", allow_file=True)


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("8.8.8.8", True),
        ("93.184.216.34", True),
        ("2606:4700:4700::1111", True),
        ("127.0.0.1", False),
        ("10.0.0.1", False),
        ("172.31.255.255", False),
        ("192.168.1.1", False),
        ("100.64.0.1", False),
        ("100.127.255.254", False),
        ("169.254.169.254", False),
        ("0.0.0.0", False),
        ("224.0.0.251", False),
        ("239.255.255.250", False),
        ("198.18.0.1", False),
        ("::", False),
        ("::1", False),
        ("fe80::1", False),
        ("fc00::1", False),
        ("ff02::1", False),
        ("::ffff:10.0.0.1", False),
        ("::ffff:8.8.8.8", True),
        ("2001:0:4136:e378:8000:63bf:3fff:fdd2", False),  # Teredo tunnels: refused
    ],
)
def test_is_public_address(address: str, public: bool) -> None:
    assert is_public_address(ipaddress.ip_address(address)) is public


def fake_resolver(table: dict[str, list[str]]) -> netguard.Resolver:
    async def resolve(host: str, port: int) -> list[str]:
        if host not in table:
            raise OSError(f"unknown host {host}")
        return table[host]

    return resolve


async def test_resolved_name_pointing_inside_is_refused() -> None:
    resolver = fake_resolver(
        {
            "feeds.example.org": ["93.184.216.34"],
            "evil.example.org": ["127.0.0.1"],
            "mixed.example.org": ["93.184.216.34", "10.0.0.7"],
        }
    )
    await check_url_resolved("https://feeds.example.org/rss", resolver=resolver)
    for host in ("evil.example.org", "mixed.example.org"):
        with pytest.raises(UnsafeURLError, match="non-public"):
            await check_url_resolved(f"https://{host}/rss", resolver=resolver)
    with pytest.raises(OSError, match="unknown host"):
        await check_url_resolved("https://nowhere.example.org/", resolver=resolver)


async def test_ssrf_refused_before_any_connection() -> None:
    """Test 28: no request reaches the transport for refused addresses."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=RSS)

    policy = FetchPolicy(resolver=fake_resolver({"localhost": ["127.0.0.1"]}))
    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
        for url in ("http://127.0.0.1/", "http://localhost/", "http://[::1]/", "http://0x7f.1/"):
            result = await fetch_feed(client, url, FetchState(), policy, NOW)
            assert isinstance(result, Failed)
            assert result.kind is FetchErrorKind.BLOCKED
    assert seen == []


async def test_connect_time_check_defeats_rebinding() -> None:
    """Test 30: the preflight lookup says public, the dial-time lookup says loopback."""
    async with FeedServer() as server:
        server.route("/feed.xml", static(RSS))
        preflight = fake_resolver({"news.example.org": ["93.184.216.34"]})
        at_dial = fake_resolver({"news.example.org": ["127.0.0.1"]})
        policy = FetchPolicy(resolver=preflight, connect_timeout=1, deadline=2)
        transport = netguard.guarded_transport(resolver=at_dial)
        async with httpx.AsyncClient(transport=transport, trust_env=False) as client:
            url = f"http://news.example.org:{server.port}/feed.xml"
            result = await fetch_feed(client, url, FetchState(), policy, NOW)
        assert isinstance(result, Failed)
        assert result.kind is FetchErrorKind.BLOCKED
        assert "127.0.0.1" in result.message
        assert server.requests == []


async def test_guarded_transport_connects_to_checked_ip_keeping_host_header() -> None:
    async with FeedServer() as server:
        server.route("/feed.xml", static(RSS))
        resolver = fake_resolver({"news.example.org": ["127.0.0.1"]})
        transport = netguard.guarded_transport(allow_private=True, resolver=resolver)
        policy = FetchPolicy(allow_private=True, resolver=resolver, deadline=2)
        async with httpx.AsyncClient(transport=transport, trust_env=False) as client:
            url = f"http://news.example.org:{server.port}/feed.xml"
            result = await fetch_feed(client, url, FetchState(), policy, NOW)
        assert isinstance(result, Fetched)
        assert server.last_request("/feed.xml").headers["Host"] == f"news.example.org:{server.port}"


async def test_guarded_transport_refuses_literal_loopback() -> None:
    async with FeedServer() as server:
        server.route("/feed.xml", static(RSS))
        transport = netguard.guarded_transport()
        async with httpx.AsyncClient(transport=transport, trust_env=False) as client:
            with pytest.raises(UnsafeURLError):
                await client.get(server.url("/feed.xml"))
        assert server.requests == []
