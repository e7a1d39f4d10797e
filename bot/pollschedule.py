"""When each feed is polled: one loop over an in-memory schedule, bounded concurrency.

``PollSchedule`` (no I/O, time passed in) keeps every feed's next due time in a heap.
``PollDispatcher`` is the loop of the running bot: it starts the polls that are due, at
most ``max_in_flight`` at once, and writes the feed states those polls kept
(``Pipeline.flush_states``) in one transaction every ``flush_seconds``.

Overload is graceful by construction: a due feed that finds no free slot stays in the
heap, ordered by when it was due, so when the due polls exceed what the process can
do every feed is polled later by about the same lag, the rate settles at what the
process can do, and nothing is skipped, piled up or run twice at once (a feed is out
of the heap while its poll runs). ``lag`` says how late polls start.
"""

from __future__ import annotations

import asyncio
import heapq
import logging
import random
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from bot.pipeline import FeedJob

log = logging.getLogger(__name__)

Monotonic = Callable[[], float]
LAG_WINDOW = 1000  # recent poll starts kept for the lag figures
LATE_WARNING_EVERY = 600.0  # seconds between two "polls are running late" warnings
LATE_CHECK_EVERY = 10.0  # seconds between two looks at the lag


def period_of(interval: float, jitter: float, rand: float) -> float:
    """One period of a feed: ``interval`` spread by up to ``jitter`` (mean: ``interval``)."""
    spread = min(max(jitter, 0.0), interval)
    return max(1.0, interval - spread / 2 + spread * min(max(rand, 0.0), 1.0))


def next_due_time(due: float, started: float, period: float) -> float:
    """A poll's next due time: one period after it was due (the cadence holds through
    small delays), but at least half a period after it actually started, so a feed
    that ran late is not polled again at once and an overloaded schedule stretches
    every feed's period evenly instead of piling up."""
    return max(due + period, started + period / 2)


@dataclass(order=True)
class _Due:
    due: float
    seq: int
    job: FeedJob = field(compare=False)


@dataclass
class PollSchedule:
    """Every feed's next due time; ``take`` what is due, ``done`` to put it back."""

    jobs: Sequence[FeedJob]
    start: float
    jitter: float = 0.0
    rand: Callable[[], float] = field(default_factory=lambda: random.Random().random)
    lags: deque[float] = field(default_factory=lambda: deque(maxlen=LAG_WINDOW))
    started: int = 0
    _heap: list[_Due] = field(default_factory=list)
    _seq: int = 0

    def __post_init__(self) -> None:
        count = max(len(self.jobs), 1)
        for index, job in enumerate(self.jobs):
            # Spread evenly over the first interval: started together, every feed would
            # fire in the same few seconds of each round, a burst that queues in the
            # fetch limiter and the database and delays alerts by seconds.
            self._push(job, self.start + job.interval * index / count)

    def __len__(self) -> int:
        return len(self._heap)

    def _push(self, job: FeedJob, due: float) -> None:
        self._seq += 1
        heapq.heappush(self._heap, _Due(due, self._seq, job))

    def next_due(self) -> float | None:
        return self._heap[0].due if self._heap else None

    def take(self, now: float, limit: int) -> list[tuple[FeedJob, float]]:
        """Up to ``limit`` feeds due at ``now``, the longest overdue first, with their
        due times; they are out of the schedule until ``done``."""
        taken: list[tuple[FeedJob, float]] = []
        while self._heap and len(taken) < limit and self._heap[0].due <= now:
            entry = heapq.heappop(self._heap)
            taken.append((entry.job, entry.due))
            self.lags.append(now - entry.due)
        self.started += len(taken)
        return taken

    def done(self, job: FeedJob, due: float, started: float) -> None:
        """Put a polled feed back, due one period later (see ``next_due_time``)."""
        period = period_of(job.interval, self.jitter, self.rand())
        self._push(job, next_due_time(due, started, period))

    def lag(self) -> tuple[float, float]:
        """(p95, max) seconds by which recent polls started after they were due."""
        if not self.lags:
            return 0.0, 0.0
        ordered = sorted(self.lags)
        return ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))], ordered[-1]


class PollDispatcher:
    """Runs the schedule: starts due polls, at most ``max_in_flight`` fetching at once.

    ``poll(job, fetched)`` polls one feed and calls ``fetched()`` once its fetch is over
    (before recording new items); a feed is never polled twice at once."""

    def __init__(
        self,
        schedule: PollSchedule,
        poll: Callable[[FeedJob, Callable[[], None]], Awaitable[object]],
        *,
        max_in_flight: int,
        flush: Callable[[], Awaitable[object]] | None = None,
        flush_seconds: float = 1.0,
        monotonic: Monotonic = time.monotonic,
        late_after: float = 30.0,
    ) -> None:
        self.schedule = schedule
        self.poll = poll
        self.max_in_flight = max(1, max_in_flight)
        self.flush = flush
        self.flush_seconds = flush_seconds
        self.monotonic = monotonic
        self.late_after = late_after  # lag (s) worth a warning: more feeds than capacity
        self.running: set[asyncio.Task[None]] = set()  # polls under way
        self.fetching = 0  # of which still fetching (bounded by max_in_flight)
        self._wake = asyncio.Event()
        self._stopping = False
        self._warned_at: float | None = None
        self._check_late_at = 0.0
        self._flushing: asyncio.Task[None] | None = None

    async def run(self) -> None:
        """Dispatch until ``stop``; then wait for the polls under way and flush."""
        next_flush = self.monotonic() + self.flush_seconds
        while not self._stopping:
            now = self.monotonic()
            self._start_due(now)
            if now >= next_flush:
                self._start_flush()
                next_flush = now + self.flush_seconds
            due = self.schedule.next_due()
            wait = next_flush - now if due is None else min(due - now, next_flush - now)
            self._wake.clear()
            if wait > 0:
                try:
                    async with asyncio.timeout(wait):
                        await self._wake.wait()
                except TimeoutError:
                    pass
            else:
                await self._wake.wait()  # due feeds wait for a free slot
        if self.running:
            await asyncio.wait(set(self.running))
        if self._flushing is not None:
            await self._flushing
        await self._flush()

    def stop(self) -> None:
        """Start no new poll; ``run`` returns once the polls under way are done."""
        self._stopping = True
        self._wake.set()

    def _start_due(self, now: float) -> None:
        free = self.max_in_flight - self.fetching
        if free <= 0:
            return
        for job, due in self.schedule.take(now, free):
            task = asyncio.create_task(self._poll_one(job, due, now), name=f"poll {job.id}")
            self.running.add(task)
            task.add_done_callback(self._finished)
        self._warn_if_late(now)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self.running.discard(task)
        self._wake.set()

    async def _poll_one(self, job: FeedJob, due: float, started: float) -> None:
        self.fetching += 1
        released = False

        def fetched() -> None:
            """The fetch is over: its slot may start another poll while this one waits
            its turn to record new items (so a busy database delays only the feeds with
            news, never the cadence of the others)."""
            nonlocal released
            if not released:
                released = True
                self.fetching -= 1
                self._wake.set()

        try:
            await self.poll(job, fetched)
        except Exception:  # the pipeline logs feed trouble; anything else must not stop us
            log.exception("poll of feed %s failed", job.id)
        finally:
            fetched()
            self.schedule.done(job, due, started)

    def _start_flush(self) -> None:
        """Flush beside the dispatching (a write may wait its turn), one at a time."""
        if self.flush is not None and (self._flushing is None or self._flushing.done()):
            self._flushing = asyncio.create_task(self._flush(), name="flush feed states")

    async def _flush(self) -> None:
        if self.flush is None:
            return
        try:
            await self.flush()
        except Exception:
            log.exception("saving feed states failed")

    def _warn_if_late(self, now: float) -> None:
        """One warning now and then while polls start ``late_after`` seconds late."""
        if now < self._check_late_at:
            return
        self._check_late_at = now + LATE_CHECK_EVERY
        p95, _ = self.schedule.lag()
        if p95 < self.late_after:
            return
        if self._warned_at is not None and now - self._warned_at < LATE_WARNING_EVERY:
            return
        self._warned_at = now
        log.warning(
            "polls are starting %.0fs late (p95): more feeds than this process can poll at "
            "their intervals; each feed is polled less often, evenly",
            p95,
        )
