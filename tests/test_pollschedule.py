"""The poll schedule: every feed on its own period from one heap, and overload that
spreads polls later and evenly instead of skipping or piling them up (simulated time;
the real loop over HTTP and SQLite is in tests/test_poll_dispatch.py)."""

from __future__ import annotations

from collections import Counter

import pytest

from bot.pipeline import FeedJob
from bot.pollschedule import PollSchedule, next_due_time, period_of


def jobs(count: int, interval: float = 60.0) -> list[FeedJob]:
    return [FeedJob(f"f{i}", f"http://h{i % 7}.example/{i}", interval) for i in range(count)]


@pytest.mark.parametrize(
    ("due", "started", "period", "expected", "why"),
    [
        (100.0, 100.0, 60.0, 160.0, "on time: one period later"),
        (100.0, 103.0, 60.0, 160.0, "a little late: the cadence holds"),
        (100.0, 129.0, 60.0, 160.0, "late by under half a period: still the cadence"),
        (100.0, 150.0, 60.0, 180.0, "late by more: half a period after it started"),
        (100.0, 400.0, 60.0, 430.0, "far behind: never a burst of catch-up polls"),
    ],
)
def test_next_due_time(
    due: float, started: float, period: float, expected: float, why: str
) -> None:
    assert next_due_time(due, started, period) == expected, why


@pytest.mark.parametrize(
    ("interval", "jitter", "rand", "expected"),
    [
        (60.0, 0.0, 0.7, 60.0),
        (60.0, 15.0, 0.0, 52.5),
        (60.0, 15.0, 0.5, 60.0),  # the mean period is the interval
        (60.0, 15.0, 1.0, 67.5),
        (10.0, 30.0, 0.0, 5.0),  # jitter is capped at the interval
        (1.0, 0.0, 0.0, 1.0),
    ],
)
def test_period_of(interval: float, jitter: float, rand: float, expected: float) -> None:
    assert period_of(interval, jitter, rand) == pytest.approx(expected)


def test_first_polls_are_spread_evenly_over_the_first_interval() -> None:
    schedule = PollSchedule(jobs(6), start=1000.0)
    taken = schedule.take(now=1000.0 + 60.0, limit=100)
    assert [due for _, due in taken] == [1000.0, 1010.0, 1020.0, 1030.0, 1040.0, 1050.0]
    assert len(schedule) == 0  # out of the schedule while polled


def test_take_gives_the_longest_overdue_first_up_to_the_limit() -> None:
    schedule = PollSchedule(jobs(4), start=0.0)
    assert [job.id for job, _ in schedule.take(now=50.0, limit=2)] == ["f0", "f1"]
    assert [job.id for job, _ in schedule.take(now=50.0, limit=5)] == ["f2", "f3"]
    assert schedule.take(now=50.0, limit=5) == []


def simulate(
    feeds: int, interval: float, capacity_per_second: int, seconds: int
) -> tuple[Counter[str], list[int], PollSchedule]:
    """Polls taking one second each, ``capacity_per_second`` at once."""
    schedule = PollSchedule(jobs(feeds, interval), start=0.0)
    polled: Counter[str] = Counter()
    per_second: list[int] = []
    in_flight: list[tuple[FeedJob, float, float]] = []
    for now in range(seconds):
        for job, due, started in in_flight:  # last second's polls are done
            schedule.done(job, due, started)
        taken = schedule.take(float(now), capacity_per_second)
        in_flight = [(job, due, float(now)) for job, due in taken]
        polled.update(job.id for job, _ in taken)
        per_second.append(len(taken))
    return polled, per_second, schedule


def test_within_capacity_every_feed_is_polled_once_per_interval() -> None:
    polled, _, schedule = simulate(feeds=60, interval=60, capacity_per_second=10, seconds=600)
    assert set(polled.values()) == {10}
    assert schedule.lag()[1] <= 1.0


def test_overload_polls_every_feed_later_and_evenly_at_a_steady_rate() -> None:
    # 1,200 feeds a minute due, room for 600: half the rate, nothing skipped or piled.
    polled, per_second, schedule = simulate(
        feeds=1200, interval=60, capacity_per_second=10, seconds=1200
    )
    assert len(polled) == 1200  # nobody starves
    assert max(polled.values()) - min(polled.values()) <= 1  # evenly later
    steady = per_second[120:]
    assert min(steady) == max(steady) == 10  # the rate settles at capacity
    p95, worst = schedule.lag()
    assert 30 <= p95 <= worst <= 130  # about a period late, not growing without bound
    assert len(schedule) + 10 == 1200  # every feed is either scheduled or being polled
