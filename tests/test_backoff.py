"""bot.backoff: one backoff formula and one Retry-After reader for feeds, sends and chats."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.backoff import exponential_backoff, retry_after_seconds

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("attempt", "rand", "seconds"),
    [
        (1, 0.0, 30.0),  # d = 60: half of it at least
        (1, 0.5, 45.0),
        (2, 0.0, 60.0),  # d doubles
        (3, 0.999, 239.88),  # d = 240
        (10, 0.0, 500.0),  # d capped at 1000
        (0, 0.0, 30.0),  # attempts before the first count as the first
        (500, 2.0, 1000.0),  # rand clamped, no overflow
    ],
)
def test_exponential_backoff(attempt: int, rand: float, seconds: float) -> None:
    assert exponential_backoff(attempt, 60.0, 1000.0, rand) == pytest.approx(seconds)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("120", 120.0),
        (" 0 ", 0.0),
        ("2.5", 2.5),
        ("Sun, 22 Nov 2026 12:10:00 GMT", 600.0),
        ("Sun, 22 Nov 2026 11:59:00 GMT", -60.0),  # passed: the caller decides
        ("Sun, 22 Nov 2026 12:10:00", None),  # no zone
        ("-5", None),
        ("nan", None),
        ("inf", None),
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_retry_after_seconds(value: str | None, seconds: float | None) -> None:
    assert retry_after_seconds(value, NOW) == seconds
