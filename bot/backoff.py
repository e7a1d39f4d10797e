"""When to try again: exponential backoff with jitter, and a server's ``Retry-After``.

Pure functions shared by the feed poller (``bot.ingest.state``, ``bot.ingest.fetch``),
the outbox sender (``bot.delivery``) and the chat adapters; each caller applies its own
limits and defaults around them.
"""

from __future__ import annotations

import math
from datetime import datetime
from email.utils import parsedate_to_datetime


def exponential_backoff(attempt: int, base: float, cap: float, rand: float) -> float:
    """Seconds to wait after the ``attempt``-th failure in a row (1 for the first).

    d = min(cap, base · 2^(attempt−1)), then "equal jitter": d/2 + d/2 · rand, so the
    wait lies in [d/2, d). ``rand`` in [0, 1) is injected so tests are deterministic.
    """
    exponent = min(max(attempt - 1, 0), 30)
    full = min(cap, base * (2.0**exponent))
    rand = min(max(rand, 0.0), 1.0)
    return full / 2 + (full / 2) * rand


def retry_after_seconds(value: str | None, now: datetime) -> float | None:
    """A ``Retry-After`` value as seconds from ``now``: delay-seconds, or an HTTP date
    (negative once it has passed). None when absent or unreadable: neither a finite
    non-negative number nor a date with a zone."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    if math.isfinite(seconds) and seconds >= 0:
        return seconds
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when is None or when.tzinfo is None:
        return None
    return (when - now).total_seconds()
