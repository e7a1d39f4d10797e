"""Which URLs and addresses the bot may fetch feeds from (SSRF policy).

Public API
----------
``UnsafeURLError(reason)``
    Raised for every refusal; ``str(exc)`` is a message fit for a chat reply.
``check_url(url, *, allow_private=False, allow_file=False) -> Target``
    Syntax-only check, no I/O: scheme (``http``/``https``, ``file:`` only when
    ``allow_file``), no userinfo, a host present, and, when the host is an IP
    literal in any spelling (``2130706433``, ``0x7f.1``, ``127.1``,
    ``[::ffff:127.0.0.1]``), a public address unless ``allow_private``.
``await check_url_resolved(url, *, allow_private=False, allow_file=False, resolver=None)``
    ``check_url`` plus a DNS lookup: every address the name resolves to must be
    public. Run it on every redirect hop (``bot.ingest.fetch`` does).
``is_public_address(ip) -> bool``
    The address test itself (loopback, RFC 1918, link-local incl. the cloud
    metadata address, CGNAT 100.64/10, multicast, unspecified, reserved,
    IPv6 ULA/site-local, and IPv4 embedded in IPv6 mapped/6to4/NAT64/Teredo).
``guarded_transport(*, allow_private=False, resolver=None, ...) -> httpx.AsyncBaseTransport``
    An httpx transport that resolves host names itself and connects only to
    addresses that pass ``is_public_address``: the check applies to the address
    actually connected to, which defeats DNS rebinding. TLS SNI and the ``Host``
    header keep the original name because only the socket's peer is changed.
    Refusals surface from ``client.send`` as ``UnsafeURLError``.
``Resolver``
    ``async (host, port) -> list[str]`` of IP strings; injectable for tests.

Chat-supplied URLs (``/addfeed``) should go through ``check_url_resolved`` with
``allow_file=False``; only the operator's ``feeds.toml`` may name local files.
"""

from __future__ import annotations

import asyncio
import ipaddress
import itertools
import re
import socket
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpcore
import httpx

Resolver = Callable[[str, int], Awaitable[list[str]]]
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

HTTP_SCHEMES = frozenset({"http", "https"})

# Networks refused on top of what ``ipaddress`` flags as private/reserved. Listed
# explicitly so the policy does not silently depend on the Python version's tables.
_EXTRA_BLOCKED: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = (
    ipaddress.ip_network("0.0.0.0/8"),  # "this network"; 0.0.0.0 reaches localhost on Linux
    ipaddress.ip_network("100.64.0.0/10"),  # RFC 6598 carrier-grade NAT (cloud metadata too)
    ipaddress.ip_network("169.254.0.0/16"),  # link-local, 169.254.169.254 metadata
    ipaddress.ip_network("192.0.0.0/24"),  # IETF protocol assignments
    ipaddress.ip_network("198.18.0.0/15"),  # benchmarking
    ipaddress.ip_network("224.0.0.0/4"),  # multicast
    ipaddress.ip_network("240.0.0.0/4"),  # reserved, broadcast
    ipaddress.ip_network("fc00::/7"),  # unique local (AWS IPv6 metadata fd00:ec2::254)
    ipaddress.ip_network("fe80::/10"),  # link-local
    ipaddress.ip_network("fec0::/10"),  # deprecated site-local
    ipaddress.ip_network("ff00::/8"),  # multicast
    ipaddress.ip_network("100::/64"),  # discard-only
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")

# A host made only of numeric parts the way inet_aton(3) reads them: "127.1",
# "0x7f.1", "2130706433", "0177.0.0.1". Browsers and libc resolve these to IPs.
_NUMERIC_HOST = re.compile(r"^(?:0x[0-9a-f]*|[0-9]+)(?:\.(?:0x[0-9a-f]*|[0-9]+)){0,3}\.?$", re.I)


class UnsafeURLError(ValueError):
    """A URL or address the policy refuses. The message is safe to show users."""


@dataclass(frozen=True)
class Target:
    """A URL that passed the syntax check."""

    url: str
    scheme: str  # "http", "https" or "file"
    host: str  # lowercased host name or IP text ("" for file:)
    port: int | None
    ip: IPAddress | None  # set when the host is an IP literal (any spelling)


def is_public_address(ip: IPAddress) -> bool:
    """True when ``ip`` is a globally routable unicast address."""
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            return is_public_address(embedded)
    if (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_unspecified
        or ip.is_reserved
        or not ip.is_global
    ):
        return False
    return not any(ip in net for net in _EXTRA_BLOCKED if net.version == ip.version)


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address forwards to, if it embeds one."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    # IPv4-compatible ::a.b.c.d (deprecated, still routed by some stacks)
    if int(ip) >> 32 == 0 and int(ip) > 1:
        return ipaddress.IPv4Address(int(ip))
    return None


def parse_ip(host: str) -> IPAddress | None:
    """The IP address a host string denotes, including inet_aton spellings."""
    host = host.strip("[]")
    if "%" in host:  # IPv6 zone id: fe80::1%eth0
        host = host.split("%", 1)[0]
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if _NUMERIC_HOST.match(host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host.rstrip(".")))
        except OSError:
            # Looks numeric but libc would not read it: refuse rather than guess.
            raise UnsafeURLError(f"host {host!r} is not a valid address") from None
    return None


def _check_ip(ip: IPAddress, allow_private: bool, shown: str) -> None:
    if not allow_private and not is_public_address(ip):
        raise UnsafeURLError(f"{shown} is not a public address ({ip})")


def check_url(url: str, *, allow_private: bool = False, allow_file: bool = False) -> Target:
    """Check a URL's syntax and any literal address; raise ``UnsafeURLError``."""
    if not isinstance(url, str) or not url.strip():
        raise UnsafeURLError("empty URL")
    url = url.strip()
    if any(ord(ch) < 0x21 or ord(ch) == 0x7F for ch in url):
        raise UnsafeURLError("URL contains spaces or control characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UnsafeURLError(f"malformed URL: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme == "file":
        if not allow_file:
            raise UnsafeURLError("local files are not allowed as feed sources")
        if parts.netloc not in ("", "localhost"):
            raise UnsafeURLError("file: URLs must name a local path")
        return Target(url=url, scheme="file", host="", port=None, ip=None)
    if scheme not in HTTP_SCHEMES:
        shown = scheme or "(none)"
        raise UnsafeURLError(f"only http and https URLs are allowed, not {shown}")
    if "@" in parts.netloc:
        raise UnsafeURLError("URLs with a user name or password are not allowed")
    host = (parts.hostname or "").lower()
    if not host:
        raise UnsafeURLError("URL has no host")
    ip = parse_ip(host)
    if ip is not None:
        _check_ip(ip, allow_private, f"host {host}")
    elif not allow_private and (host == "localhost" or host.endswith((".localhost", ".local"))):
        raise UnsafeURLError(f"host {host} is a local name")
    return Target(url=url, scheme=scheme, host=host, port=port, ip=ip)


async def system_resolver(host: str, port: int) -> list[str]:
    """Resolve with the operating system (getaddrinfo in the loop's executor)."""
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    seen: dict[str, None] = {}
    for _family, _type, _proto, _canon, sockaddr in infos:
        seen.setdefault(str(sockaddr[0]), None)
    return list(seen)


async def _resolve_checked(
    host: str, port: int, allow_private: bool, resolver: Resolver | None
) -> list[str]:
    """Addresses for ``host`` that pass the policy; raise if there are none."""
    ip = parse_ip(host)
    if ip is not None:
        _check_ip(ip, allow_private, f"host {host}")
        return [str(ip)]
    try:
        addresses = await (resolver or system_resolver)(host, port)
    except (OSError, UnicodeError) as exc:
        raise OSError(f"cannot resolve {host}: {exc}") from exc
    if not addresses:
        raise OSError(f"cannot resolve {host}: no addresses")
    allowed: list[str] = []
    refused: list[str] = []
    for text in addresses:
        addr = parse_ip(text)
        if addr is None:
            refused.append(text)
        elif allow_private or is_public_address(addr):
            allowed.append(str(addr))
        else:
            refused.append(str(addr))
    if refused and not allow_private:
        # One private answer is enough to refuse: a name that mixes public and
        # private records is either misconfigured or an attack.
        raise UnsafeURLError(f"host {host} resolves to a non-public address ({refused[0]})")
    return allowed


async def check_url_resolved(
    url: str,
    *,
    allow_private: bool = False,
    allow_file: bool = False,
    resolver: Resolver | None = None,
) -> Target:
    """``check_url`` plus DNS: every address of the host must be public.

    Raises ``UnsafeURLError`` for a refusal and ``OSError`` when the name does not
    resolve. With ``allow_private`` no lookup is made.
    """
    target = check_url(url, allow_private=allow_private, allow_file=allow_file)
    if target.scheme == "file" or allow_private or target.ip is not None:
        return target
    port = target.port or (443 if target.scheme == "https" else 80)
    await _resolve_checked(target.host, port, allow_private, resolver)
    return target


# --------------------------------------------------------------------------- transport


class GuardedNetworkBackend(httpcore.AsyncNetworkBackend):
    """An httpcore backend that dials only policy-approved addresses.

    httpcore passes the URL's host here; we resolve it, check every address and
    connect to an approved IP. TLS is started later by httpcore with the original
    host name as SNI, so certificates are verified against the name, not the IP.
    """

    def __init__(
        self,
        *,
        allow_private: bool = False,
        resolver: Resolver | None = None,
        inner: httpcore.AsyncNetworkBackend | None = None,
    ) -> None:
        self._allow_private = allow_private
        self._resolver = resolver
        self._inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore signature
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            addresses = await _resolve_checked(host, port, self._allow_private, self._resolver)
        except OSError as exc:
            raise httpcore.ConnectError(str(exc)) from exc
        last: Exception | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    address, port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
        assert last is not None  # addresses is never empty here
        raise last

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore signature
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise UnsafeURLError("unix sockets are not allowed")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


Origin = tuple[bytes, bytes, int | None]  # scheme, host, port


class HostPools:
    """One small keep-alive pool per origin, the least recently used closed beyond
    ``max_hosts``.

    A single httpcore pool scans every connection it holds on each request and closes
    idle ones once it holds more than its keep-alive limit, so with feeds spread over
    many hosts nearly every poll paid a new TCP (and TLS) connection, however long the
    keep-alive expiry. Per-host pools keep that scan to a host's own few connections,
    and a connection can stay open from one poll of its host to the next.
    """

    def __init__(
        self, make_pool: Callable[[], httpcore.AsyncConnectionPool], max_hosts: int
    ) -> None:
        self._make_pool = make_pool
        self._max_hosts = max(1, max_hosts)
        self._pools: OrderedDict[Origin, httpcore.AsyncConnectionPool] = OrderedDict()

    def __len__(self) -> int:
        return len(self._pools)

    async def handle_async_request(self, request: httpcore.Request) -> httpcore.Response:
        url = request.url
        origin: Origin = (url.scheme.lower(), url.host.lower(), url.port)
        pool = self._pools.get(origin)
        if pool is None:
            pool = self._pools[origin] = self._make_pool()
            await self._close_surplus()
        else:
            self._pools.move_to_end(origin)
        return await pool.handle_async_request(request)

    async def _close_surplus(self) -> None:
        """Close the least recently used pools with nothing under way, over the cap."""
        surplus = len(self._pools) - self._max_hosts
        if surplus <= 0:
            return
        idle = [
            origin
            for origin, pool in itertools.islice(self._pools.items(), len(self._pools) - 1)
            if all(c.is_idle() or c.is_closed() for c in pool.connections)
        ][:surplus]
        closing = [self._pools.pop(origin) for origin in idle]
        for pool in closing:
            await pool.aclose()

    async def aclose(self) -> None:
        pools = list(self._pools.values())
        self._pools.clear()
        for pool in pools:
            await pool.aclose()

    async def __aenter__(self) -> HostPools:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


class _GuardedTransport(httpx.AsyncHTTPTransport):
    def __init__(
        self,
        *,
        allow_private: bool,
        resolver: Resolver | None,
        limits: httpx.Limits,
        verify: bool,
        http2: bool,
        per_host: int | None = None,
        max_hosts: int = 512,
    ) -> None:
        super().__init__(verify=verify, trust_env=False, limits=limits, http2=http2)
        ssl_context = httpx.create_ssl_context(verify=verify, trust_env=False)
        backend = GuardedNetworkBackend(allow_private=allow_private, resolver=resolver)

        def make_pool(
            connections: int | None, keepalive: int | None
        ) -> httpcore.AsyncConnectionPool:
            return httpcore.AsyncConnectionPool(
                ssl_context=ssl_context,
                max_connections=connections,
                max_keepalive_connections=keepalive,
                keepalive_expiry=limits.keepalive_expiry,
                http1=True,
                http2=http2,
                network_backend=backend,
            )

        # httpx has no public hook for the network backend; replacing the pool is
        # the documented httpcore way to supply one (httpx pinned <0.29).
        if per_host is None:
            self._pool = make_pool(limits.max_connections, limits.max_keepalive_connections)
        else:
            # httpx calls only handle_async_request and aclose on its pool
            self._pool = HostPools(  # type: ignore[assignment]
                lambda: make_pool(per_host, per_host), max_hosts
            )


def guarded_transport(
    *,
    allow_private: bool = False,
    resolver: Resolver | None = None,
    limits: httpx.Limits | None = None,
    verify: bool = True,
    http2: bool = False,
    per_host: int | None = None,
    max_hosts: int = 512,
) -> httpx.AsyncBaseTransport:
    """An httpx transport whose every connection passes the address policy.

    Use it as ``httpx.AsyncClient(transport=guarded_transport(...), trust_env=False)``;
    no proxy is ever used (a proxy would hide the real peer from the check).
    With ``per_host``, connections are pooled per host (see ``HostPools``): at most
    ``per_host`` to one host, kept alive for ``limits.keepalive_expiry`` seconds, for
    the ``max_hosts`` hosts used last.
    """
    return _GuardedTransport(
        allow_private=allow_private,
        resolver=resolver,
        limits=limits or httpx.Limits(max_connections=100, max_keepalive_connections=20),
        verify=verify,
        http2=http2,
        per_host=per_host,
        max_hosts=max_hosts,
    )
