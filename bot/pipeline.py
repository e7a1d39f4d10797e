"""The one place that chains the stages: fetch → parse → extract → timeline/store.

``Pipeline.poll(feed)`` polls one feed once. The body is parsed in a worker process
(``bot.ingest.parseworker``); any parse failure is a failed poll. New items, and known items
whose text changed, go through language detection, matching and extraction; each
item, its meeting reports, the timeline changes they cause and the outbox rows for
subscribed chats are written in one transaction by the store, so a crash anywhere
loses nothing and sends nothing twice.
Delivery happens elsewhere (``bot.delivery``), driven by the outbox.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Protocol

import httpx

from bot.config import AppConfig, FeedConfig
from bot.extract import Extractor
from bot.ingest.fetch import FetchPolicy, fetch_feed
from bot.ingest.limiter import FetchLimiter
from bot.ingest.parsed import ParsedFeed, ParseError
from bot.ingest.parseworker import ParseWorker
from bot.ingest.results import Failed, Fetched, FetchErrorKind, FetchResult
from bot.ingest.state import (
    BackoffPolicy,
    FetchState,
    HealthSignal,
    Transition,
    backing_off,
    first_poll,
    next_state,
)
from bot.models import Article, Change, Extraction, FeedItem
from bot.ports import Clock
from bot.store import Store

log = logging.getLogger(__name__)

# New items extracted at once: batches run faster (see Extractor.extract_many), and one
# of this size takes a few tens of milliseconds, so chat handlers are not held up.
EXTRACT_BATCH = 16
DATABASE_CONCURRENCY = 4  # well under the connection pool (5 + 10 overflow)


class ItemExtractor(Protocol):
    """What ``record_arrival`` needs of an extractor (``bot.extract.Extractor`` or a stand-in)."""

    def extract(
        self, title: str, text: str, published: date | datetime | None, lang_hint: str | None = None
    ) -> Extraction: ...


async def record_new_item(
    store: Store, extractor: ItemExtractor, item: FeedItem, now: datetime
) -> list[Change]:
    """One new item extracted and recorded at ``now``, alerts included (the poller's
    last two stages, one item at a time). Returns the timeline changes it caused."""
    extraction = extractor.extract(item.title, item.text, item.published.date(), item.lang_hint)
    return await store.record_item(
        item.feed_id, item, extraction.lang, list(extraction.meetings), now
    )


async def record_arrival(
    store: Store, extractor: ItemExtractor, item: FeedItem, now: datetime
) -> list[Change]:
    """One item arriving at ``now`` on a simulated clock (``bot.replay``): the timeline is
    aged to ``now``, then the item is recorded by ``record_new_item``."""
    await store.record_ageing(now)
    return await record_new_item(store, extractor, item, now)


@dataclass(frozen=True)
class FeedJob:
    """A feed as the poller sees it: resolved location and effective options."""

    id: str
    url: str
    interval: float
    lang: str | None = None
    outlet: str | None = None
    alert_backlog: bool = False

    @classmethod
    def from_config(
        cls, config: AppConfig, feed: FeedConfig, interval: float | None = None
    ) -> FeedJob:
        return cls(
            id=feed.id,
            url=config.feed_location(feed),
            interval=interval or config.feed_interval(feed),
            lang=feed.lang,
            outlet=feed.outlet,
            alert_backlog=config.feed_alerts_backlog(feed),
        )

    @classmethod
    def from_url(cls, url: str, interval: float, alert_backlog: bool) -> FeedJob:
        """A feed given on the command line (``--feed URL``): id derived from the URL."""
        digest = hashlib.sha256(url.encode("utf-8")).hexdigest()[:10]
        return cls(id=f"url-{digest}", url=url, interval=interval, alert_backlog=alert_backlog)


@dataclass
class PollReport:
    feed_id: str
    outcome: str  # "fetched", "not_modified", "unchanged", "failed", "skipped"
    new_items: int = 0
    changes: list[Change] = field(default_factory=list)
    error: str | None = None
    updated_items: int = 0  # known items whose text changed, examined again


@dataclass
class _Fetch:
    """One feed's pass between fetching and saving its state."""

    feed: FeedJob
    state: FetchState
    now: datetime
    result: FetchResult
    outcome: FetchResult  # the result, or a Failed when parsing or storing failed
    items: list[FeedItem] = field(default_factory=list)  # new items to record
    recorded: int = 0  # new items recorded
    updated: set[str] = field(default_factory=set)  # keys of known items whose text changed
    reexamined: int = 0
    changes: list[Change] = field(default_factory=list)
    storage_error: str | None = None


class Pipeline:
    def __init__(
        self,
        store: Store,
        extractor: Extractor,
        client: httpx.AsyncClient,
        policy: FetchPolicy,
        backoff: BackoffPolicy,
        limiter: FetchLimiter,
        *,
        clock: Clock,
        rng: random.Random | None = None,
        backlog_hours: float = 0.0,
        on_changes: Callable[[Sequence[Change]], None] | None = None,
        on_feed_health: Callable[[str, HealthSignal, FetchState], None] | None = None,
        parser: ParseWorker | None = None,
    ) -> None:
        self.store = store
        self.extractor = extractor
        self.client = client
        self.policy = policy
        self.backoff = backoff
        self.limiter = limiter
        self.clock = clock
        self.rng = rng or random.Random()
        self.backlog = timedelta(hours=backlog_hours)
        self.on_changes = on_changes
        # told once when a feed starts failing and once when it works again
        self.on_feed_health = on_feed_health
        # Parsing runs in a worker process with memory and time limits (see
        # bot.ingest.parseworker), never on the event loop.
        self.parser = parser or ParseWorker()
        # Guards against two overlapping polls of one feed in this process.
        self._polling: set[str] = set()
        self._idle = asyncio.Event()  # set while no poll is under way
        self._idle.set()
        # Each feed's state as this process last saved it. Only the pipeline writes feed
        # state, so the copy stays true and a poll need not read it back first (a
        # database round trip that was a third of a 304 poll's CPU time).
        self._states: dict[str, FetchState] = {}
        self._states_loaded = False  # every stored state read once, in one query
        self._loading = asyncio.Lock()
        # Database calls of polls under way at once: a round of thousands of feeds would
        # otherwise ask the connection pool for thousands of connections and time out
        # (QueuePool limit) instead of waiting its turn; chats and delivery need some too.
        self._database = asyncio.Semaphore(DATABASE_CONCURRENCY)
        self._reload: set[str] = set()  # feeds whose state failed to save: read it back
        # States of polls done with save_state=False, written together by flush_states.
        self._unsaved: dict[str, tuple[FetchState, datetime]] = {}

    async def poll(
        self,
        feed: FeedJob,
        *,
        force: bool = False,
        save_state: bool = True,
        on_fetched: Callable[[], None] | None = None,
    ) -> PollReport:
        """Poll one feed once; never raises for feed or storage trouble (logs it).

        With ``save_state=False`` the feed's new state is kept for ``flush_states``,
        which writes the states of many polls in one transaction (the scheduler's
        way: a 304 then costs no write transaction of its own). ``on_fetched`` is called
        once the fetch is over, before new items are recorded.
        """
        reports = await self.poll_many(
            [feed], force=force, save_state=save_state, on_fetched=on_fetched
        )
        return reports[0]

    async def poll_many(
        self,
        feeds: Sequence[FeedJob],
        *,
        force: bool = False,
        save_state: bool = True,
        on_fetched: Callable[[], None] | None = None,
    ) -> list[PollReport]:
        """Fetch feeds concurrently, then record their new items in publication order.

        One global order makes the timeline independent of which server answered
        first: "announced" is recorded before "moved" even when they come from
        different feeds in the same pass. The feeds' states are saved in one write
        transaction at the end (or left for ``flush_states``).
        """
        busy = [feed for feed in feeds if feed.id in self._polling]
        mine = [feed for feed in feeds if feed.id not in self._polling]
        self._polling.update(feed.id for feed in mine)
        if self._polling:
            self._idle.clear()
        try:
            reports = {
                feed.id: PollReport(feed.id, "skipped", error="previous poll still running")
                for feed in busy
            }
            fetches = await asyncio.gather(
                *(self._fetch(feed, force=force) for feed in mine), return_exceptions=True
            )
            if on_fetched is not None:
                on_fetched()
            ready: list[_Fetch] = []
            for feed, fetched in zip(mine, fetches, strict=True):
                if isinstance(fetched, BaseException):
                    log.error("poll of feed %s failed", feed.id, exc_info=fetched)
                    reports[feed.id] = PollReport(feed.id, "failed", error=repr(fetched))
                elif isinstance(fetched, PollReport):
                    reports[feed.id] = fetched
                else:
                    ready.append(fetched)
            await self._ingest(ready)
            reports.update(await self._finish_all(ready, save_state=save_state))
            return [reports[feed.id] for feed in feeds]
        finally:
            self._polling.difference_update(feed.id for feed in mine)
            if not self._polling:
                self._idle.set()

    async def wait_idle(self) -> None:
        """Return once no poll is under way (for a clean stop)."""
        await self._idle.wait()

    async def flush_states(self) -> int:
        """Write the states kept by polls with ``save_state=False``, in one transaction.

        Returns how many were written; on a storage error they are kept for the next
        flush (the copy in memory stays what the next poll uses) and 0 is returned.
        """
        if not self._unsaved:
            return 0
        pending, self._unsaved = self._unsaved, {}
        try:
            await self.store.feeds.save_many(pending)
        except Exception:
            log.exception("saving the state of %d feeds failed; retrying later", len(pending))
            for feed_id, saved in pending.items():
                self._unsaved.setdefault(feed_id, saved)  # a newer state wins
            return 0
        return len(pending)

    async def _state_of(self, feed_id: str) -> FetchState:
        """The feed's state: from memory, else every stored state read in one query."""
        state = self._states.get(feed_id)
        if state is not None:
            return state
        async with self._loading:  # a round of thousands of feeds reads them once
            if not self._states_loaded or feed_id in self._reload:
                stored = await self.store.feeds.all()
                for known, saved in stored.items():
                    if known not in self._states or known in self._reload:
                        self._states[known] = saved
                self._states_loaded = True
                self._reload.clear()
        return self._states.get(feed_id) or FetchState()

    async def _fetch(self, feed: FeedJob, *, force: bool) -> _Fetch | PollReport:
        now = self.clock()
        state = await self._state_of(feed.id)
        if not force and backing_off(state, now):
            return PollReport(feed.id, "skipped", error="backing off")
        async with self.limiter.slot(feed.url):
            result = await fetch_feed(self.client, feed.url, state, self.policy, now)
        fetched = _Fetch(feed, state, now, result, result)
        if isinstance(result, Fetched):
            parsed = await self._parse(feed, result, now)
            if isinstance(parsed, Failed):
                fetched.outcome = parsed
            else:
                async with self._database:
                    fetched.items = await self._unseen(feed, parsed.items, fetched.updated)
        return fetched

    async def _parse(self, feed: FeedJob, result: Fetched, now: datetime) -> ParsedFeed | Failed:
        """The parsed body, or a PARSE failure (backoff, reported once) for any error."""
        try:
            return await self.parser.parse(
                result.body,
                feed_id=feed.id,
                now=now,
                headers=dict(result.headers),
                url=result.final_url,
                outlet=feed.outlet,
                lang=feed.lang,
                max_bytes=self.policy.max_body_bytes,
            )
        except ParseError as exc:
            message = str(exc)
        except Exception as exc:  # MemoryError included: a failed poll, never a crash
            message = f"{type(exc).__name__}: {exc}".rstrip(": ")[:300]
        return Failed(FetchErrorKind.PARSE, message, result.status, None, feed.url)

    async def close(self) -> None:
        """Save the states not yet written, stop the parser process."""
        await self.flush_states()
        await self.parser.close()

    async def _unseen(
        self, feed: FeedJob, items: Sequence[FeedItem], updated: set[str]
    ) -> list[FeedItem]:
        """New items, and known ones updated in place (their keys added to ``updated``)."""
        if not items:
            return []
        hashes, seen_links = await self.store.items.lookup(
            feed.id,
            [item.key for item in items],
            {item.key: item.link_key for item in items if item.link_key},
        )
        unhashed = {
            item.key: item.content_hash
            for item in items
            if item.key in hashes and hashes[item.key] is None and item.content_hash
        }
        if unhashed:  # rows from before hashes were kept: remember them, no re-examining
            await self.store.items.store_hashes(feed.id, unhashed)
        updated.update(item.key for item in items if _updated_in_place(item, hashes.get(item.key)))
        return [
            item
            for item in items
            if (item.key not in hashes and not (item.link_key and item.link_key in seen_links))
            or item.key in updated
        ]

    async def _ingest(self, ready: Sequence[_Fetch]) -> None:
        """Extract and record every new item of every feed, oldest first."""
        queue = sorted(
            (
                (item.published, index, position, item)
                for index, fetched in enumerate(ready)
                for position, item in enumerate(fetched.items)
            ),
            key=lambda entry: entry[:3],
        )
        for offset in range(0, len(queue), EXTRACT_BATCH):
            chunk = [
                (ready[index], item)
                for _, index, _, item in queue[offset : offset + EXTRACT_BATCH]
                if ready[index].storage_error is None
            ]
            extractions = self.extractor.extract_many(
                [
                    Article(
                        item.title, item.text, item.published, fetched.feed.lang or item.lang_hint
                    )
                    for fetched, item in chunk
                ]
            )
            for (fetched, item), extraction in zip(chunk, extractions, strict=True):
                await self._record(fetched, item, extraction)
            await asyncio.sleep(0)  # let chat handlers run between CPU-bound batches

    async def _record(self, fetched: _Fetch, item: FeedItem, extraction: Extraction) -> None:
        if fetched.storage_error is not None:
            return  # this feed's remaining items wait for its next poll
        feed = fetched.feed
        alert = (
            not first_poll(fetched.state)
            or feed.alert_backlog
            or (self.backlog > timedelta(0) and item.published >= fetched.now - self.backlog)
        )
        try:
            async with self._database:
                changes = await self.store.record_item(
                    feed.id, item, extraction.lang, extraction.meetings, fetched.now, alert=alert
                )
        except Exception as exc:
            # Storage failed part-way: the feed's validators are forgotten (PARSE
            # does that) so the next poll re-reads the body; what was recorded is
            # deduplicated then, so nothing is lost and nothing is sent twice.
            log.exception("storing items of feed %s failed", feed.id)
            fetched.storage_error = f"storage: {type(exc).__name__}: {exc}"
            return
        if item.key in fetched.updated:
            fetched.reexamined += 1
        else:
            fetched.recorded += 1
        fetched.changes.extend(changes)

    async def _finish_all(
        self, ready: Sequence[_Fetch], *, save_state: bool
    ) -> dict[str, PollReport]:
        """Each feed's new state and report; the states saved in one transaction."""
        concluded = [(fetched, self._conclude(fetched)) for fetched in ready]
        states = {
            fetched.feed.id: (transition.state, fetched.now)
            for fetched, (_, transition) in concluded
        }
        self._states.update((feed_id, state) for feed_id, (state, _) in states.items())
        if not save_state:
            self._unsaved.update(states)
        elif states:
            try:
                await self.store.feeds.save_many(states)
            except Exception as exc:  # a storage outage must not kill the scheduler
                log.exception("saving the state of %d feeds failed", len(states))
                self._reload.update(states)  # read back from the store next time
                for feed_id in states:
                    self._states.pop(feed_id, None)
                error = f"{type(exc).__name__}: {exc}"
                return {feed_id: PollReport(feed_id, "failed", error=error) for feed_id in states}
        for fetched, (report, transition) in concluded:
            self._announce(fetched.feed, report, transition)
        return {report.feed_id: report for _, (report, _) in concluded}

    def _conclude(self, fetched: _Fetch) -> tuple[PollReport, Transition]:
        """The feed's next state after this poll, and the poll's report."""
        feed, state, now = fetched.feed, fetched.state, fetched.now
        outcome = fetched.outcome
        if fetched.storage_error is not None:
            outcome = Failed(FetchErrorKind.PARSE, fetched.storage_error, None, None, feed.url)
        if first_poll(state) and not feed.alert_backlog and fetched.recorded:
            log.info(
                "feed %s: first poll, %d existing items recorded without alerts",
                feed.id,
                fetched.recorded,
            )
        transition = next_state(
            state,
            outcome,
            now,
            interval=feed.interval,
            backoff=self.backoff,
            rand=self.rng.random(),
            items_seen=state.items_seen + fetched.recorded,
        )
        report = PollReport(feed.id, _outcome_name(outcome), fetched.recorded, fetched.changes)
        report.updated_items = fetched.reexamined
        if isinstance(outcome, Failed):
            report.error = f"{outcome.kind}: {outcome.message}"
        return report, transition

    def _announce(self, feed: FeedJob, report: PollReport, transition: Transition) -> None:
        """Log the outcome; tell the health listener (failing once, recovered once)."""
        if report.error is not None:
            if transition.signal is HealthSignal.FAILING:
                log.error(
                    "feed %s is failing (%d errors in a row, last: %s); retrying in %.0fs, "
                    "reported once",
                    feed.id,
                    transition.state.consecutive_errors,
                    report.error,
                    transition.delay_seconds,
                )
            else:
                log.info(
                    "feed %s: %s (retry in %.0fs)", feed.id, report.error, transition.delay_seconds
                )
        elif transition.signal is HealthSignal.RECOVERED:
            log.warning("feed %s recovered", feed.id)
        if transition.signal is not None and self.on_feed_health is not None:
            self.on_feed_health(feed.id, transition.signal, transition.state)
        if report.changes and self.on_changes is not None:
            self.on_changes(report.changes)

    async def age(self) -> list[Change]:
        """Turn meetings whose day has passed into 'presumed held' (an alertable change)."""
        try:
            changes = await self.store.record_ageing(self.clock())
        except Exception:
            log.exception("ageing the timeline failed")
            return []
        if changes and self.on_changes is not None:
            self.on_changes(changes)
        return changes


def _updated_in_place(item: FeedItem, stored_hash: str | None) -> bool:
    """A known item whose title or text changed (its facts are examined again)."""
    return stored_hash is not None and item.content_hash not in (None, stored_hash)


def _outcome_name(result: FetchResult) -> str:
    return {
        "Fetched": "fetched",
        "NotModified": "not_modified",
        "Unchanged": "unchanged",
        "Failed": "failed",
    }[type(result).__name__]
