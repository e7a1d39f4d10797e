"""``bot health``: exit 0 when the bot can run (used by the Docker HEALTHCHECK).

Healthy means: the configuration loads, the database answers, and, once the bot has
polled at all, some feed was fetched recently (within three of the longest intervals).
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime, timedelta

from bot.cli.common import add_config_option, add_db_option, database_url, load_config_or_exit
from bot.cli.outbox import attention_line


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "health",
        help="exit 0 when configuration and database are usable and polling is alive",
        description="Health check for containers and supervisors.",
    )
    add_config_option(parser)
    add_db_option(parser)
    parser.set_defaults(func=run)


async def run(args: argparse.Namespace) -> int:
    config = load_config_or_exit(args)
    from bot.store import Store

    try:
        store = await Store.open(database_url(config, args.db))
        try:
            states = await store.feeds.all()
            outbox = await store.outbox.counts()
        finally:
            await store.close()
    except Exception as exc:
        print(f"unhealthy: database: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    # Parked alerts do not make the process unhealthy (a restart would not help),
    # but they need a person: say so on every health check.
    attention = attention_line(outbox)
    if attention:
        print(attention)
    fetched = [s.last_fetch_at for s in states.values() if s.last_fetch_at is not None]
    if fetched and config.feeds:
        longest = max(config.feed_interval(feed) for feed in config.feeds)
        limit = timedelta(seconds=3 * longest + 300)
        latest = max(fetched)
        if datetime.now(UTC) - latest > limit:
            print(f"unhealthy: no feed fetched since {latest.isoformat()}", file=sys.stderr)
            return 1
    print("healthy")
    return 0
