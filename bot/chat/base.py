"""What every chat adapter shares: inbound dedup and the cache of admin answers.

No chat library imports here; each adapter names its own platform's limits. The
command table lives in the core (``bot.commands``); adapters derive from it.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Protocol

# --------------------------------------------------------------------------- inbound dedup


class InboundDedup(Protocol):
    """Remembers inbound update/event ids so a redelivery has one effect.

    ``claim`` returns False when the key was already claimed. A handler that fails
    before its work is done calls ``release`` so a platform retry is processed.
    """

    async def claim(self, key: str) -> bool: ...

    async def release(self, key: str) -> None: ...


class MemoryDedup:
    """Bounded in-process dedup; enough for one process (restarts may re-handle)."""

    def __init__(self, capacity: int = 10_000) -> None:
        self._capacity = capacity
        self._seen: OrderedDict[str, None] = OrderedDict()

    async def claim(self, key: str) -> bool:
        if key in self._seen:
            return False
        self._seen[key] = None
        while len(self._seen) > self._capacity:
            self._seen.popitem(last=False)
        return True

    async def release(self, key: str) -> None:
        self._seen.pop(key, None)


# --------------------------------------------------------------------------- admin status

ADMIN_CACHE_SECONDS = 60.0  # a promotion or demotion takes effect within a minute


class AdminCache:
    """Admin answers per (chat, user) for ``ttl`` seconds, one platform call per key.

    Concurrent checks for one key share a single call, so a burst from one user costs
    one ``getChatMember`` (Telegram) or one ``users.info`` + ``conversations.info``
    (Slack). A failed check is not remembered. ``clock`` is monotonic seconds.
    """

    def __init__(
        self,
        ttl: float = ADMIN_CACHE_SECONDS,
        capacity: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ttl = ttl
        self._capacity = capacity
        self._clock = clock
        self._known: OrderedDict[tuple[str, str], tuple[bool, float]] = OrderedDict()
        self._pending: dict[tuple[str, str], asyncio.Future[bool]] = {}

    async def is_admin(
        self, chat_id: str, user_id: str, ask: Callable[[], Awaitable[bool | None]]
    ) -> bool:
        """The cached answer, or ``ask()``'s (None: could not tell, treated as not admin)."""
        key = (chat_id, user_id)
        known = self._known.get(key)
        if known is not None and self._clock() - known[1] < self._ttl:
            return known[0]
        pending = self._pending.get(key)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._pending[key] = future
        answer: bool | None = None
        try:
            answer = await ask()
            if answer is not None:
                self._remember(key, answer)
        finally:
            del self._pending[key]
            future.set_result(bool(answer))  # waiters of a failed check: not admin
        return bool(answer)

    def _remember(self, key: tuple[str, str], answer: bool) -> None:
        self._known.pop(key, None)
        self._known[key] = (answer, self._clock())
        while len(self._known) > self._capacity:
            self._known.popitem(last=False)
