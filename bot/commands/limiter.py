"""The per-user command rate limit, applied before anything else a command does."""

from __future__ import annotations

from collections import OrderedDict
from datetime import datetime


class CommandRateLimiter:
    """Token bucket per user: a burst of ``burst`` commands, refilled at ``rate`` per second.

    Keyed per user, so one user flooding cannot use up anyone else's allowance. Time is
    passed in (``now``), never read here.
    """

    def __init__(self, rate: float = 0.5, burst: int = 5, max_keys: int = 10_000) -> None:
        self.rate = rate
        self.burst = float(burst)
        self.max_keys = max_keys
        self._buckets: OrderedDict[str, tuple[float, datetime]] = OrderedDict()
        self._warned: set[str] = set()

    def allow(self, key: str, now: datetime) -> bool:
        tokens, last = self._buckets.pop(key, (self.burst, now))
        elapsed = max((now - last).total_seconds(), 0.0)
        tokens = min(self.burst, tokens + elapsed * self.rate)
        allowed = tokens >= 1.0
        if allowed:
            tokens -= 1.0
            self._warned.discard(key)
        self._buckets[key] = (tokens, now)
        while len(self._buckets) > self.max_keys:
            old, _ = self._buckets.popitem(last=False)
            self._warned.discard(old)
        return allowed

    def first_refusal(self, key: str) -> bool:
        """True once per run of refusals: warn the user once, then stay quiet."""
        if key in self._warned:
            return False
        self._warned.add(key)
        return True
