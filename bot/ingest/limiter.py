"""How many fetches run at once, overall and per host."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit


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
