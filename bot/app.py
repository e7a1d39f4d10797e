"""Composition root: settings → store → platforms → scheduler.

The only module that knows every part. ``BotApp`` owns the long-lived resources
(database, HTTP client, chat platforms, scheduler) and the two ways to run:
``run_once`` (poll every feed once, deliver, exit) and ``run_forever`` (until
SIGINT/SIGTERM or the stop event).

Failures that must show: ``run_once`` exits 1 when every feed failed; a chat platform
that refuses its token stops the bot (exit 1, one line); while running, a status tick
re-checks the database identity (a deleted or replaced database stops the bot), probes
each chat connection and writes a heartbeat and one row per connection for
``bot health``; one INFO line sums up each full poll cycle.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import math
import os
import random
import signal
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, timedelta

import httpx
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot import commands
from bot.admin import (
    AdminNotifier,
    chat_lost_notice,
    feed_failing_notice,
    feed_recovered_notice,
    parse_admin_chat,
)
from bot.chat.console import ConsolePlatform
from bot.config import AppConfig
from bot.delivery import Delivery, undelivered_notice
from bot.extract import Extractor
from bot.failures import FatalError
from bot.ingest.fetch import FetchPolicy, make_client
from bot.ingest.limiter import FetchLimiter
from bot.ingest.state import BackoffPolicy, FetchState, HealthSignal
from bot.match import Matcher
from bot.models import ChatTarget, IncomingCommand, Message, Platform
from bot.pipeline import FeedJob, Pipeline, PollReport
from bot.pollschedule import PollDispatcher, PollSchedule
from bot.ports import ChatPlatform, Clock, FatalPlatformError, OutboxEntry, utc_now
from bot.store import OpenMode, StorageError, Store
from bot.store.engine import is_busy
from bot.store.errors import describe_storage_error, redacted_url
from bot.store.feeds import StoredDedup
from bot.store.identity import IdentityWatch
from bot.store.status import HEARTBEAT
from bot.timeline import TimelineRules

log = logging.getLogger(__name__)

CONSOLE_TARGET = ChatTarget(Platform.CONSOLE, "stdout")
AGEING_INTERVAL_SECONDS = 600.0
# Platforms redeliver within minutes (Slack retries for ~5 min); a week is ample.
UPDATE_ID_RETENTION = timedelta(days=7)
PROBE_TIMEOUT_SECONDS = 10.0
# A host's connection is kept open this long past the longest polling interval, so the
# host's next poll reuses it (servers may still close it sooner: then a new one is made).
KEEPALIVE_MARGIN_SECONDS = 30.0
STATE_FLUSH_SECONDS = 1.0  # feed states of the polls of the last second: one transaction


@dataclass
class RunOptions:
    database_url: str
    feed_urls: Sequence[str] = ()
    poll_interval: float | None = None
    clock: Clock = utc_now
    rng: random.Random = field(default_factory=random.Random)


class BotApp:
    def __init__(self, config: AppConfig, options: RunOptions) -> None:
        self.config = config
        self.options = options
        self.clock = options.clock
        self.store: Store | None = None
        self.client: httpx.AsyncClient | None = None
        self.pipeline: Pipeline | None = None
        self.delivery: Delivery | None = None
        self.admin: AdminNotifier | None = None
        self.platforms: dict[str, ChatPlatform] = {}
        self.scheduler: AsyncIOScheduler | None = None
        self.dispatcher: PollDispatcher | None = None
        self._polling: asyncio.Task[None] | None = None
        self._polling_stopped = False
        self.jobs: list[FeedJob] = self._feed_jobs()
        self.command_limiter = commands.CommandRateLimiter()
        self.identity_watch: IdentityWatch | None = None
        self.failure: Exception | None = None  # set by a running job that must stop the bot
        self._stop: asyncio.Event | None = None
        self._cycle = PollCycle()
        self.started: dict[str, str] = {}  # platform → "" when started, else the error
        self._status_lock = asyncio.Lock()  # close() waits for a tick under way
        self._closing = False

    # ----------------------------------------------------------------- wiring

    def _feed_jobs(self) -> list[FeedJob]:
        interval = self.options.poll_interval
        if self.options.feed_urls:
            default = interval or self.config.settings.polling.default_interval_seconds
            backlog = self.config.settings.polling.alert_backlog_on_first_poll
            return [FeedJob.from_url(url, default, backlog) for url in self.options.feed_urls]
        jobs: dict[str, FeedJob] = {}
        for feed in self.config.feeds:
            job = FeedJob.from_config(self.config, feed, interval)
            if job.url in jobs:  # one fetch per URL per interval, however it is listed
                log.warning(
                    "feed %s repeats the URL of feed %s; polled once", job.id, jobs[job.url].id
                )
                continue
            jobs[job.url] = job
        return list(jobs.values())

    async def open(self) -> None:
        settings = self.config.settings
        rules = TimelineRules(presumed_held_after_days=settings.timeline.presumed_held_after_days)
        self.store, identity = await Store.open_checked(
            self.options.database_url,
            OpenMode.RUN,
            rules=rules,
            default_timezone=settings.general.timezone,
        )
        self.identity_watch = IdentityWatch.start(
            self.store.db, self.options.database_url, identity
        )
        policy = FetchPolicy.from_settings(settings.polling)
        longest = max((job.interval for job in self.jobs), default=0.0)
        self.client = make_client(
            policy,
            per_host=settings.polling.max_per_host,
            keepalive_seconds=longest + settings.polling.jitter_seconds + KEEPALIVE_MARGIN_SECONDS,
        )
        matcher = Matcher(self.config.watchlist)
        extractor = Extractor(self.config.watchlist, matcher)
        self.pipeline = Pipeline(
            self.store,
            extractor,
            self.client,
            policy,
            BackoffPolicy.from_settings(settings.polling),
            FetchLimiter(settings.polling.max_concurrency, settings.polling.max_per_host),
            clock=self.clock,
            rng=self.options.rng,
            backlog_hours=settings.polling.backlog_hours,
        )
        self.platforms = self._build_platforms()
        # Console output is a subscription like any other (to everything).
        if (
            Platform.CONSOLE in self.platforms
            and await self.store.subscriptions.get(CONSOLE_TARGET) is None
        ):
            await self.store.subscriptions.subscribe(CONSOLE_TARGET, frozenset())
        self.delivery = Delivery(
            self.platforms,
            self.store.outbox,
            self.store.subscriptions,
            self.config.watchlist,
            settings.delivery,
            clock=self.clock,
            rng=self.options.rng,
        )
        self.admin = self._admin_notifier()
        # Everything built so far (automata, lexicons, models) lives as long as the
        # process: keep it out of the garbage collector's scans on the hot path.
        gc.freeze()

    def _admin_notifier(self) -> AdminNotifier | None:
        """Hook the admin chat (when one is set) to feed health, lost chats and parked
        alerts."""
        target = parse_admin_chat(self.config.settings.general.admin_chat)
        if target is None or self.pipeline is None or self.delivery is None:
            return None
        notifier = AdminNotifier(target, self.platforms, self.clock)
        watchlist = self.config.watchlist

        def feed_health(feed_id: str, signal: HealthSignal, state: FetchState) -> None:
            if signal is HealthSignal.FAILING:
                notifier.notify_soon(
                    feed_failing_notice(
                        feed_id, state.consecutive_errors, state.last_error or "unknown"
                    )
                )
            elif signal is HealthSignal.RECOVERED:
                notifier.notify_soon(feed_recovered_notice(feed_id))

        async def chat_lost(lost: ChatTarget, reason: str) -> None:
            if lost != target:  # the admin chat itself cannot be told
                await notifier.notify(chat_lost_notice(lost, reason))

        async def undelivered(entry: OutboxEntry, reason: str) -> None:
            await notifier.notify(undelivered_notice(entry, reason, watchlist))

        self.pipeline.on_feed_health = feed_health
        self.delivery.add_chat_lost_listener(chat_lost)
        self.delivery.add_undelivered_listener(undelivered)
        log.info("admin chat: %s:%s", target.platform, target.chat_id)
        return notifier

    def _build_platforms(self) -> dict[str, ChatPlatform]:
        assert self.store is not None
        settings, secrets = self.config.settings, self.config.secrets
        platforms: dict[str, ChatPlatform] = {}
        if secrets.telegram_bot_token and settings.telegram.enabled:
            # python-telegram-bot 22 warns on every 429 unless told to use timedeltas.
            os.environ.setdefault("PTB_TIMEDELTA", "true")
            from bot.chat.telegram import TelegramPlatform

            try:
                platforms[Platform.TELEGRAM] = TelegramPlatform(
                    settings.telegram,
                    secrets.telegram_bot_token,
                    self.store.subscriptions,
                    dedup=StoredDedup(self.store.updates, Platform.TELEGRAM, self.clock),
                    webhook_secret=secrets.telegram_webhook_secret,
                    # a late answer still settles a send the sender stopped waiting for
                    read_timeout=settings.delivery.late_answer_seconds,
                )
            except ValueError as exc:
                log.error("Telegram not started: %s", exc)
        if secrets.slack_bot_token and settings.slack.enabled:
            from bot.chat.slack import SlackPlatform

            try:
                platforms[Platform.SLACK] = SlackPlatform(
                    settings.slack,
                    secrets.slack_bot_token,
                    self.store.subscriptions,
                    signing_secret=secrets.slack_signing_secret,
                    app_token=secrets.slack_app_token,
                    dedup=StoredDedup(self.store.updates, Platform.SLACK, self.clock),
                    timeout=math.ceil(settings.delivery.late_answer_seconds),
                )
            except ValueError as exc:
                log.error("Slack not started: %s", exc)
        if not platforms:
            log.info("no chat token set: alerts are printed to the console")
            platforms[Platform.CONSOLE] = ConsolePlatform()
        return platforms

    async def handle_command(self, cmd: IncomingCommand) -> Message:
        assert self.store is not None
        ctx = commands.CommandContext(
            meetings=self.store.meetings,
            subscriptions=self.store.subscriptions,
            watchlist=self.config.watchlist,
            now=self.clock(),
            limiter=self.command_limiter,
            default_timezone=self.config.settings.general.timezone,
        )
        return await commands.handle(cmd, ctx)

    async def maintain(self) -> None:
        """Periodic upkeep: age the timeline, forget old inbound update ids."""
        assert self.pipeline is not None and self.store is not None
        await self.pipeline.age()
        try:
            await self.store.updates.prune(self.clock() - UPDATE_ID_RETENTION)
        except Exception:
            log.exception("pruning processed update ids failed")

    async def close(self) -> None:
        self._closing = True
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.pause()
            async with self._status_lock:  # shutdown would cancel a tick mid-probe
                pass
        # After the last status tick, which would otherwise write its heartbeat over this.
        if self.scheduler is not None and self.store is not None and self.failure is None:
            with contextlib.suppress(Exception):  # best effort: health then says "stopped"
                await self.store.status.report(HEARTBEAT, False, "stopped", self.clock())
        # Start no new poll, let the ones under way finish their transactions
        # (cancelling one mid-write would leave its connection half-used), then stop.
        await self._stop_polling()
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        if self.delivery is not None:
            await self.delivery.stop()
        if self.admin is not None:
            await self.admin.drain()
        for name, platform in self.platforms.items():
            try:
                await platform.stop()
            except Exception:
                log.exception("stopping %s failed", name)
        if self.client is not None:
            await self.client.aclose()
        if self.pipeline is not None:
            await self.pipeline.close()
        if self.store is not None:
            await self.store.close()

    # ----------------------------------------------------------------- running

    async def run_once(self) -> int:
        """Poll every feed once (concurrently, within the limits), deliver, return."""
        assert self.pipeline is not None and self.delivery is not None
        reports = await self.pipeline.poll_many(self.jobs, force=True)
        await self.pipeline.age()
        for report in reports:
            log.info(
                "feed %s: %s, %d new items, %d changes%s",
                report.feed_id,
                report.outcome,
                report.new_items,
                len(report.changes),
                f" ({report.error})" if report.error else "",
            )
        await self.drain()
        # A one-off run settles the sends it stopped waiting for before it exits.
        await self.delivery.wait_for_late_answers()
        failed = [r for r in reports if r.outcome == "failed"]
        if reports and len(failed) == len(reports):
            log.error(
                "every feed failed (%d of %d): check the feed URLs and the network "
                "(`bot feeds` shows each feed's last error)",
                len(failed),
                len(reports),
            )
            return 1
        return 0

    async def drain(self, max_rounds: int = 1000) -> None:
        """Deliver everything due now; rows put off (pacing, retry) are left for later."""
        assert self.delivery is not None
        for name in self.platforms:
            for _ in range(max_rounds):
                if await self.delivery.run_once(name) == 0:
                    break

    async def run_forever(self, stop: asyncio.Event) -> int:
        assert self.pipeline is not None and self.delivery is not None
        self._stop = stop
        await self._start_platforms()
        self._schedule()
        await self.status_tick()
        assert self.scheduler is not None
        self.scheduler.start()
        self._polling = asyncio.create_task(self._poll_forever(), name="polling")
        await self.delivery.start()
        log.info(
            "running: %d feeds, outputs: %s", len(self.jobs), ", ".join(sorted(self.platforms))
        )
        await stop.wait()
        if self.failure is not None:
            raise self.failure
        log.info("stopping")
        return 0

    async def _start_platforms(self) -> None:
        """Start receiving; a refused token is fatal, any other failure is reported."""
        for name, platform in self.platforms.items():
            try:
                await platform.start(self.handle_command)
                self.started[name] = ""
            except FatalPlatformError as exc:
                raise FatalError(
                    f"{name} refused the bot's credentials ({exc}): check the token "
                    f"(and, for Slack, the app's scopes) and start again"
                ) from None
            except Exception as exc:
                self.started[name] = f"failed to start: {type(exc).__name__}: {exc}"
                log.exception("%s failed to start; alerts for it stay queued", name)

    def _schedule(self) -> None:
        """Upkeep and the status tick (polling has its own loop: ``_poll_forever``)."""
        self.scheduler = AsyncIOScheduler(timezone=UTC)
        self.scheduler.add_job(
            self._scheduled_run,
            IntervalTrigger(seconds=AGEING_INTERVAL_SECONDS, timezone=UTC),
            args=[self.maintain],
            id="maintenance",
            max_instances=1,
            coalesce=True,
        )
        self.scheduler.add_job(
            self._scheduled_run,
            IntervalTrigger(
                seconds=self.config.settings.general.status_interval_seconds, timezone=UTC
            ),
            args=[self.status_tick],
            id="status",
            # The tick itself skips while one is still running (a slow database or chat
            # API): the scheduler would log a warning for each skipped run.
            max_instances=2,
            coalesce=True,
        )

    async def _scheduled_run(self, job: Callable[[], Awaitable[None]]) -> None:
        """One run of a scheduled job. Shutting down cancels a run still under way
        (``close``), which then ends quietly: the scheduler would otherwise log the
        cancellation, with a traceback, as the job's failure."""
        try:
            await job()
        except asyncio.CancelledError:
            if not self._closing:
                raise

    async def _poll_forever(self) -> None:
        """The first round, then every feed on its interval until ``_stop_polling``.

        One loop dispatches the due polls from an in-memory schedule (see
        ``bot.pollschedule``) rather than one scheduler job per feed: no per-poll job
        bookkeeping, the feed states of many polls written in one transaction, and
        polls that exceed capacity start later instead of being skipped.
        """
        assert self.pipeline is not None
        # Tables extraction would build on the event loop at the first article that
        # needs them are built in a thread first: commands are answered meanwhile.
        await asyncio.to_thread(self.pipeline.extractor.prepare)
        loop = asyncio.get_running_loop()
        round_started = loop.time()
        # Every feed's first poll right away, as one round whose new items are recorded
        # in publication order across feeds (as `bot run --once` does): a backlog read
        # at start tells the story in the order it happened, whichever server answers
        # first ("moved to the 16th" never arrives before "to meet on the 12th").
        try:
            await self.first_round()
        except Exception:
            log.exception("the first poll round failed; polling goes on")
        shortest = min((job.interval for job in self.jobs), default=0.0)
        # Regular polls from one interval after the first round began, spread over
        # that interval; never before the round ended (a long round shifts them later).
        start = max(round_started + shortest, loop.time())
        schedule = PollSchedule(
            self.jobs,
            start=start,
            jitter=self.config.settings.polling.jitter_seconds,
            rand=self.options.rng.random,
        )
        polling = self.config.settings.polling
        self.dispatcher = PollDispatcher(
            schedule,
            self.poll,
            max_in_flight=2 * polling.max_concurrency,
            flush=self.pipeline.flush_states,
            flush_seconds=STATE_FLUSH_SECONDS,
            monotonic=loop.time,
        )
        if self._polling_stopped:
            return
        try:
            await self.dispatcher.run()
        except Exception as exc:  # a broken polling loop must stop the bot, not go quiet
            log.exception("the polling loop failed")
            self._fail(exc)

    async def _stop_polling(self) -> None:
        """Start no new poll; let those under way finish (within a grace period)."""
        self._polling_stopped = True
        if self.dispatcher is not None:
            self.dispatcher.stop()
        if self._polling is None:
            return
        grace = self.config.settings.polling.fetch_deadline_seconds + 10
        try:
            async with asyncio.timeout(grace):
                await asyncio.shield(self._polling)
        except TimeoutError:
            log.warning("polls still running after %.0fs; stopping anyway", grace)
            self._polling.cancel()
        except Exception:
            log.exception("polling stopped with an error")

    # ----------------------------------------------------------------- watching itself

    async def first_round(self) -> list[PollReport]:
        """Every feed's first poll, recorded in one publication order across feeds."""
        assert self.pipeline is not None
        reports = await self.pipeline.poll_many(self.jobs)
        for report in reports:
            summary = self._cycle.add(report, len(self.jobs))
            if summary:
                log.info("%s", summary)
        return reports

    async def poll(self, job: FeedJob, fetched: Callable[[], None] | None = None) -> PollReport:
        """One scheduled poll; a full cycle over every feed is summed up in one line.

        The feed's new state is written with others by the dispatcher's next flush."""
        assert self.pipeline is not None
        report = await self.pipeline.poll(job, save_state=False, on_fetched=fetched)
        summary = self._cycle.add(report, len(self.jobs))
        if summary and self.dispatcher is not None:
            p95, worst = self.dispatcher.schedule.lag()
            summary += f"; polls started late by {p95:.1f}s (p95), {worst:.1f}s at most"
        if summary:
            log.info("%s", summary)
        return report

    async def status_tick(self) -> None:
        """Check the database is still ours, probe the chats, write the heartbeat."""
        assert self.store is not None and self.identity_watch is not None
        if self._status_lock.locked():  # the previous tick is still at it
            return
        async with self._status_lock:
            await self._status_tick(self.store, self.identity_watch)

    async def _status_tick(self, store: Store, watch: IdentityWatch) -> None:
        now = self.clock()
        try:
            await watch.verify()
            for name, platform in self.platforms.items():
                ok, detail = await self._chat_status(name, platform)
                await store.status.report(f"chat:{name}", ok, detail, now)
            await store.status.report(HEARTBEAT, True, f"pid {os.getpid()}", now)
        except StorageError as exc:
            self._fail(exc)
        except Exception as exc:
            if is_busy(exc):  # another writer held the lock too long: try next tick
                log.warning("status check skipped: the database is busy")
                return
            self._fail(StorageError(describe_storage_error(exc, redacted_url(watch.url))))

    async def _chat_status(self, name: str, platform: ChatPlatform) -> tuple[bool, str]:
        """(connected, what is wrong): start-up outcome, delivery pauses, a live probe."""
        error = self.started.get(name, "")
        if error:
            return False, error
        health = self.delivery.health.get(name) if self.delivery else None
        if health is not None and not health.healthy(self.clock()):
            return False, f"sending paused: {health.last_error}"
        try:
            await probe_chat(platform)
        except Exception as exc:
            return False, f"connection check failed: {type(exc).__name__}: {exc}"
        return True, ""

    def _fail(self, exc: Exception) -> None:
        if self.failure is None:
            self.failure = exc
        if self._stop is not None:
            self._stop.set()


async def probe_chat(platform: ChatPlatform) -> None:
    """One cheap authenticated call (Telegram getMe, Slack auth.test); raises when the
    platform cannot be reached or refuses the token. The console has nothing to probe."""
    async with asyncio.timeout(PROBE_TIMEOUT_SECONDS):
        application = getattr(platform, "application", None)
        if application is not None:
            await application.bot.get_me()
            return
        client = getattr(platform, "client", None)
        if client is not None and hasattr(client, "auth_test"):
            await client.auth_test()


@dataclass
class PollCycle:
    """Counts polls until every feed was polled once, then gives one summary line."""

    polled: set[str] = field(default_factory=set)
    outcomes: dict[str, int] = field(default_factory=dict)
    new_items: int = 0
    changes: int = 0

    def add(self, report: PollReport, feeds: int) -> str | None:
        self.polled.add(report.feed_id)
        self.outcomes[report.outcome] = self.outcomes.get(report.outcome, 0) + 1
        self.new_items += report.new_items
        self.changes += len(report.changes)
        if len(self.polled) < feeds:
            return None
        counts = ", ".join(f"{n} {outcome}" for outcome, n in sorted(self.outcomes.items()))
        polls = sum(self.outcomes.values())
        line = (
            f"poll cycle: {len(self.polled)} feeds, {polls} polls ({counts}), "
            f"{self.new_items} new items, {self.changes} changes"
        )
        self.polled.clear()
        self.outcomes.clear()
        self.new_items = self.changes = 0
        return line


async def run_app(config: AppConfig, options: RunOptions, *, once: bool) -> int:
    app = BotApp(config, options)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await app.open()
        if once:
            return await app.run_once()
        return await app.run_forever(stop)
    finally:
        await app.close()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(sig)
