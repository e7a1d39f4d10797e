"""Composition root: settings → store → platforms → scheduler.

The only module that knows every part. ``BotApp`` owns the long-lived resources
(database, HTTP client, chat platforms, scheduler) and the two ways to run:
``run_once`` (poll every feed once, deliver, exit) and ``run_forever`` (until
SIGINT/SIGTERM or the stop event).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import random
import signal
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot import commands
from bot.chat.console import ConsolePlatform
from bot.config import AppConfig
from bot.delivery import Delivery
from bot.extract import Extractor
from bot.match import Matcher
from bot.models import ChatTarget, IncomingCommand, Message, Platform
from bot.pipeline import FeedJob, Pipeline
from bot.ports import ChatPlatform
from bot.sources import BackoffPolicy, FetchLimiter, FetchPolicy, make_client
from bot.store import Store
from bot.store.feeds import StoredDedup
from bot.timeline import TimelineRules

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
CONSOLE_TARGET = ChatTarget(Platform.CONSOLE, "stdout")
AGEING_INTERVAL_SECONDS = 600.0
# Platforms redeliver within minutes (Slack retries for ~5 min); a week is ample.
UPDATE_ID_RETENTION = timedelta(days=7)


def utc_now() -> datetime:
    return datetime.now(UTC)


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
        self.platforms: dict[str, ChatPlatform] = {}
        self.scheduler: AsyncIOScheduler | None = None
        self.jobs: list[FeedJob] = self._feed_jobs()
        self.command_limiter = commands.CommandRateLimiter()

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
        self.store = await Store.open(
            self.options.database_url, rules=rules, default_timezone=settings.general.timezone
        )
        policy = FetchPolicy.from_settings(settings.polling)
        self.client = make_client(policy)
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
        # Everything built so far (automata, lexicons, models) lives as long as the
        # process: keep it out of the garbage collector's scans on the hot path.
        gc.freeze()

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
        if self.scheduler is not None and self.scheduler.running:
            # Start no new poll, let the ones under way finish their transactions
            # (cancelling one mid-write would leave its connection half-used), then stop.
            self.scheduler.pause()
            if self.pipeline is not None:
                grace = self.config.settings.polling.fetch_deadline_seconds + 10
                try:
                    async with asyncio.timeout(grace):
                        await self.pipeline.wait_idle()
                except TimeoutError:
                    log.warning("polls still running after %.0fs; stopping anyway", grace)
            self.scheduler.shutdown(wait=False)
        if self.delivery is not None:
            await self.delivery.stop()
        for name, platform in self.platforms.items():
            try:
                await platform.stop()
            except Exception:
                log.exception("stopping %s failed", name)
        if self.client is not None:
            await self.client.aclose()
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
        for name, platform in self.platforms.items():
            try:
                await platform.start(self.handle_command)
            except Exception:
                log.exception("%s failed to start; alerts for it stay queued", name)
        self.scheduler = AsyncIOScheduler(timezone=UTC)
        jitter = self.config.settings.polling.jitter_seconds
        now = self.clock()
        count = max(len(self.jobs), 1)
        for index, job in enumerate(self.jobs):
            # First poll right away (a one-off run), then the regular runs spread evenly
            # over the interval. Started together, every feed would fire in the same few
            # seconds of each round (jitter adds at most jitter_seconds): a burst that
            # queues in the fetch limiter and the database and delays alerts by seconds.
            self.scheduler.add_job(
                self.pipeline.poll,
                DateTrigger(run_date=now, timezone=UTC),
                args=[job],
                id=f"first-poll:{job.id}",
                name=f"first poll {job.id}",
                misfire_grace_time=None,
            )
            phase = timedelta(seconds=job.interval * (1 + index / count))
            self.scheduler.add_job(
                self.pipeline.poll,
                IntervalTrigger(
                    # APScheduler adds the jitter (0..j) after every run, from the
                    # jittered time: shorten the base by j/2 so the mean period is
                    # the configured interval.
                    seconds=max(1.0, job.interval - min(jitter, job.interval) / 2),
                    jitter=min(jitter, job.interval) or None,
                    start_date=now + phase,
                    timezone=UTC,
                ),
                args=[job],
                id=f"poll:{job.id}",
                name=f"poll {job.id}",
                max_instances=1,
                coalesce=True,
                misfire_grace_time=max(1, int(job.interval)),
            )
        self.scheduler.add_job(
            self.maintain,
            IntervalTrigger(seconds=AGEING_INTERVAL_SECONDS, timezone=UTC),
            id="maintenance",
            max_instances=1,
            coalesce=True,
        )
        self.scheduler.start()
        await self.delivery.start()
        log.info(
            "running: %d feeds, outputs: %s", len(self.jobs), ", ".join(sorted(self.platforms))
        )
        await stop.wait()
        log.info("stopping")
        return 0


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
