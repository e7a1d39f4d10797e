"""``bot meeting ID``: a meeting's history, sources and why it is in its state."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime

from bot.cli.common import add_config_option, add_db_option, load_config_or_exit, open_store
from bot.timeline.model import describe


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "meeting",
        help="show one meeting: history, sources, and why it is in its state",
        description="Print a meeting's changes, its sources and the rules behind its state.",
    )
    parser.add_argument("id", type=int, metavar="ID")
    add_db_option(parser)
    add_config_option(parser)
    parser.set_defaults(func=run)


async def run(args: argparse.Namespace) -> int:
    from bot.store import OpenMode

    config = load_config_or_exit(args)
    store = await open_store(config, args, OpenMode.READ)
    try:
        now = datetime.now(UTC)
        history = await store.meetings.meeting_history(args.id, now)
    finally:
        await store.close()
    if history is None:
        print(f"no meeting #{args.id}", file=sys.stderr)
        return 1
    view = history.view
    print(f"meeting #{view.id}: {describe(view.state)}")
    if view.state.participants:
        print(f"participants: {', '.join(view.state.participants)}")
    print(f"\nhistory ({len(history.changes)} change(s)):")
    for change in history.changes:
        link = f"  [{change.source.link}]" if change.source and change.source.link else ""
        print(
            f"  {change.at.isoformat(timespec='minutes')}  {change.kind.value:<13} "
            f"{change.reason}{link}"
        )
    print(f"\nsources ({len(view.sources)}):")
    for src in view.sources:
        who = src.outlet or "unknown outlet"
        print(f"  {src.published.date().isoformat()}  {who} ({src.lang})  {src.link or ''}")
        if src.evidence:
            print(f"      “{src.evidence[:300]}”")
    print("\nwhy:")
    for line in history.explanation:
        print(f"  {line}")
    return 0
