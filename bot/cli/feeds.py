"""``bot feeds``: a health table per feed, read from the database."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from bot.cli.common import add_config_option, add_db_option, load_config_or_exit, open_store
from bot.ingest.state import FetchState


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "feeds",
        help="show a health table per feed",
        description=(
            "Per feed: last fetch, HTTP status, items seen, consecutive errors, next poll "
            "and the last error, as recorded by `bot run`."
        ),
    )
    add_config_option(parser)
    add_db_option(parser)
    parser.set_defaults(func=run)


def _age(when: datetime | None, now: datetime) -> str:
    if when is None:
        return "never"
    seconds = (now - when).total_seconds()
    future = seconds < 0
    seconds = abs(seconds)
    if seconds < 90:
        text = f"{seconds:.0f}s"
    elif seconds < 5400:
        text = f"{seconds / 60:.0f}m"
    elif seconds < 172800:
        text = f"{seconds / 3600:.1f}h"
    else:
        text = f"{seconds / 86400:.1f}d"
    return f"in {text}" if future else f"{text} ago"


def format_table(feed_ids: list[str], states: dict[str, FetchState], now: datetime) -> list[str]:
    header = ("feed", "last fetch", "status", "items", "errors", "next poll", "health / last error")
    rows: list[tuple[str, ...]] = [header]
    for feed_id in feed_ids:
        state = states.get(feed_id)
        if state is None:
            rows.append((feed_id, "never", "-", "0", "0", "-", "not polled yet"))
            continue
        if state.consecutive_errors == 0:
            health = "ok"
        elif state.failing_reported:
            health = f"FAILING: {state.last_error or ''}"
        else:
            health = f"error: {state.last_error or ''}"
        rows.append(
            (
                feed_id,
                _age(state.last_fetch_at, now),
                str(state.last_status) if state.last_status is not None else "-",
                str(state.items_seen),
                str(state.consecutive_errors),
                _age(state.next_poll_at, now),
                health[:80],
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header) - 1)]
    lines = []
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row[:-1], widths, strict=True)]
        lines.append("  ".join([*cells, row[-1]]))
    return lines


async def run(args: argparse.Namespace) -> int:
    config = load_config_or_exit(args)
    from bot.store import OpenMode

    store = await open_store(config, args, OpenMode.READ)
    try:
        states = await store.feeds.all()
    finally:
        await store.close()
    configured = [feed.id for feed in config.feeds]
    feed_ids = configured + sorted(set(states) - set(configured))
    for line in format_table(feed_ids, states, datetime.now(UTC)):
        print(line)
    return 0
