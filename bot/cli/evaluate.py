"""``bot eval``: score predictions (or a fresh extraction) against gold labels."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from bot.cli.common import add_config_option
from bot.evaluation import evaluate, format_report
from bot.jsonl import iter_jsonl


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "eval",
        help="score predictions against labelled articles",
        description=(
            "Per-field precision/recall/F1 (actors, venues, meetings by venue and day, "
            "meetings by venue, dates), alert precision/recall, and status and "
            "tentative accuracy on matched meetings; per language and overall."
        ),
    )
    parser.add_argument("--gold", required=True, type=Path, metavar="GOLD.jsonl")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--pred", type=Path, metavar="PRED.jsonl", help="predictions to score")
    source.add_argument(
        "--extract", action="store_true", help="run extraction on the gold articles first"
    )
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    add_config_option(parser)
    parser.set_defaults(func=run)


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as stream:
        return [record for _, record in iter_jsonl(stream, str(path))]


def _extract_all(args: argparse.Namespace, gold: list[dict[str, Any]]) -> list[dict[str, Any]]:
    from bot.cli.extract import load_watchlist_or_exit, parse_published, prediction_json
    from bot.extract import Extractor
    from bot.models import Article

    extractor = Extractor(load_watchlist_or_exit(args))
    articles = [
        Article(
            record.get("title") or "",
            record.get("text") or "",
            parse_published(record.get("published"), f"{args.gold}:{number}"),
        )
        for number, record in enumerate(gold, start=1)
    ]
    return [
        prediction_json(record.get("id"), extraction)
        for record, extraction in zip(gold, extractor.iter_extract(articles), strict=True)
    ]


def run(args: argparse.Namespace) -> int:
    try:
        gold = _read_jsonl(args.gold)
        pred = _extract_all(args, gold) if args.extract else _read_jsonl(args.pred)
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    report = evaluate(gold, pred)
    if args.json:
        print(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
    else:
        print(format_report(report), end="")
    return 0
