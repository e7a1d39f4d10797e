"""``bot replay``: run an article archive through the pipeline on a simulated clock."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

from bot.cli.common import add_config_option, load_config_or_exit
from bot.replay import format_snapshot, load_articles, make_extractor, replay
from bot.timeline.model import TimelineRules


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a YYYY-MM-DD date: {value!r}") from exc


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "replay",
        help="replay an article archive and show the timeline at given days",
        description=(
            "Extract and record ARTICLES.jsonl in publication order on a simulated clock "
            "(a bare date arrives 23:59 UTC) and print, for each --at day (12:00 UTC), the "
            "next meeting, the upcoming meetings and the changes so far."
        ),
    )
    parser.add_argument("--input", required=True, type=Path, metavar="ARTICLES.jsonl")
    parser.add_argument(
        "--at", required=True, action="append", type=_day, metavar="YYYY-MM-DD", dest="days"
    )
    parser.add_argument("--json", action="store_true", help="one JSON object per --at")
    add_config_option(parser)
    parser.set_defaults(func=run)


async def run(args: argparse.Namespace) -> int:
    config = load_config_or_exit(args)
    try:
        with args.input.open(encoding="utf-8") as fh:
            articles = load_articles(fh, str(args.input))
    except (OSError, ValueError) as exc:
        print(f"{args.input}: {exc}", file=sys.stderr)
        return 2
    rules = TimelineRules(
        presumed_held_after_days=config.settings.timeline.presumed_held_after_days
    )
    result = await replay(articles, args.days, make_extractor(config.watchlist), rules=rules)
    if result.skipped:
        print(
            f"skipped {len(result.skipped)} article(s) without a publication date: "
            + ", ".join(result.skipped[:10]),
            file=sys.stderr,
        )
    for snap in result.snapshots:
        if args.json:
            print(json.dumps(snap, ensure_ascii=False))
        else:
            print(format_snapshot(snap))
            print()
    return 0
