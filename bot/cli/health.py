"""``bot health``: exit 0 when the bot is working (used by the Docker HEALTHCHECK).

Healthy means: the configuration loads; the database is there and answers (opened
read-only: never created or migrated here); not every feed is failing (a feed fails
after ``failing_after_errors`` errors in a row; some failing is reported as a warning,
all failing is unhealthy); once the bot has polled at all, some feed was fetched
recently (within three of the longest intervals); and, when ``bot run`` is running, its
heartbeat is fresh and every chat connection it reports is up. The running bot writes
the heartbeat and one row per chat connection (Telegram getMe, Slack auth.test, and
whether sending is paused) every ``status_interval_seconds``.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime, timedelta

from bot.cli.common import add_config_option, add_db_option, load_config_or_exit, open_store
from bot.cli.outbox import attention_line
from bot.config import AppConfig
from bot.ingest.state import FetchState
from bot.store.status import HEARTBEAT, ComponentStatus

STALE_HEARTBEAT_PERIODS = 4  # heartbeats missed before the bot counts as not running


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "health",
        help="exit 0 when the database is usable, no feed is failing and chats are up",
        description="Health check for containers and supervisors.",
    )
    add_config_option(parser)
    add_db_option(parser)
    parser.set_defaults(func=run)


async def run(args: argparse.Namespace) -> int:
    config = load_config_or_exit(args)
    from bot.store import OpenMode, StorageError

    try:
        store = await open_store(config, args, OpenMode.READ)
        try:
            states = await store.feeds.all()
            outbox = await store.outbox.counts()
            statuses = await store.status.all()
        finally:
            await store.close()
    except StorageError as exc:
        print(f"unhealthy: {exc}", file=sys.stderr)
        return 1
    failing = failing_feeds(config, states)
    for line in failing:
        print(f"warning: {line}")
    problems = health_problems(config, states, statuses, datetime.now(UTC))
    for problem in problems:
        print(f"unhealthy: {problem}", file=sys.stderr)
    # Parked alerts do not make the process unhealthy (a restart would not help),
    # but they need a person: say so on every health check.
    attention = attention_line(outbox)
    if attention:
        print(attention)
    if problems:
        return 1
    print("healthy")
    return 0


def health_problems(
    config: AppConfig,
    states: dict[str, FetchState],
    statuses: dict[str, ComponentStatus],
    now: datetime,
) -> list[str]:
    """Every reason the bot is not healthy (none: healthy)."""
    failing = failing_feeds(config, states)
    every_feed_failing = bool(config.feeds) and len(failing) == len(config.feeds)
    return [
        *(["every feed is failing (`bot feeds` has details)"] if every_feed_failing else []),
        *stale_polling(config, states, now),
        *chat_problems(config, statuses, now),
    ]


def failing_feeds(config: AppConfig, states: dict[str, FetchState]) -> list[str]:
    limit = config.settings.polling.failing_after_errors
    configured = {feed.id for feed in config.feeds}
    return [
        f"feed {feed_id} is failing ({state.consecutive_errors} errors in a row, last: "
        f"{state.last_error or 'unknown'})"
        for feed_id, state in states.items()
        if feed_id in configured and state.consecutive_errors >= limit
    ]


def stale_polling(config: AppConfig, states: dict[str, FetchState], now: datetime) -> list[str]:
    fetched = [s.last_fetch_at for s in states.values() if s.last_fetch_at is not None]
    if not fetched or not config.feeds:
        return []
    longest = max(config.feed_interval(feed) for feed in config.feeds)
    latest = max(fetched)
    if now - latest > timedelta(seconds=3 * longest + 300):
        return [f"no feed fetched since {latest.isoformat()}"]
    return []


def chat_problems(
    config: AppConfig, statuses: dict[str, ComponentStatus], now: datetime
) -> list[str]:
    heartbeat = statuses.get(HEARTBEAT)
    if heartbeat is None:
        return []  # `bot run` has not run in the long-running mode here
    period = config.settings.general.status_interval_seconds
    if not heartbeat.ok:
        return [f"`bot run` stopped at {heartbeat.updated_at.isoformat(timespec='seconds')}"]
    if now - heartbeat.updated_at > timedelta(seconds=STALE_HEARTBEAT_PERIODS * period + 60):
        return [f"`bot run` is not running (last heartbeat {heartbeat.updated_at.isoformat()})"]
    return [
        f"{name.removeprefix('chat:')} connection is down: {status.detail}"
        for name, status in sorted(statuses.items())
        if name.startswith("chat:")
        and not status.ok
        and status.updated_at >= heartbeat.updated_at - timedelta(seconds=period)
    ]
