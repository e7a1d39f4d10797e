"""``bot extract``: articles (JSONL) in, predicted actors/venues/meetings (JSONL) out.

Input lines need ``id``, ``published`` (YYYY-MM-DD or null), ``title`` and ``text``;
``lang`` is ignored on purpose (the language is detected). One output line per
input line, in the same order, with the same ``id``.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any, TextIO, TypeVar

from bot.cli.common import add_config_option
from bot.config import WATCHLIST_FILE, ConfigError, default_config_dir, load_watchlist
from bot.jsonl import InputError, iter_jsonl
from bot.models import Article, Extraction, MeetingReport, Watchlist

PROGRESS_EVERY = 500
BATCH_SIZE = 256  # articles per Extractor.extract_many call
T = TypeVar("T")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "extract",
        help="extract meetings from articles (JSONL) into predictions (JSONL)",
        description=(
            "Read one article per line (id, published, title, text) and write one "
            "prediction per line (id, actors, venues, meetings, alert)."
        ),
    )
    parser.add_argument("--input", required=True, type=Path, metavar="ARTICLES.jsonl")
    parser.add_argument("--output", required=True, type=Path, metavar="PREDICTIONS.jsonl")
    parser.add_argument("--quiet", action="store_true", help="no progress messages on stderr")
    add_config_option(parser)
    parser.set_defaults(func=run)


def load_watchlist_or_exit(args: argparse.Namespace) -> Watchlist:
    """The configured watchlist (extraction needs nothing else from the config)."""
    config_dir = getattr(args, "config", None) or default_config_dir()
    try:
        return load_watchlist(Path(config_dir).expanduser() / WATCHLIST_FILE)
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        raise SystemExit(2) from exc


def read_articles(path: Path, stream: TextIO) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, article) for each non-blank line; InputError on a bad line."""
    for number, record in iter_jsonl(stream, str(path)):
        if "id" not in record:
            raise InputError(f"{path}:{number}: missing 'id'")
        for key in ("title", "text"):
            if record.get(key) is not None and not isinstance(record[key], str):
                raise InputError(f"{path}:{number}: '{key}' must be a string")
        yield number, record


def _articles(path: Path, stream: TextIO) -> Iterator[tuple[Any, Article]]:
    """(id, article) for each line; InputError on a bad line."""
    for number, record in read_articles(path, stream):
        published = parse_published(record.get("published"), f"{path}:{number}")
        yield record["id"], Article(record.get("title") or "", record.get("text") or "", published)


def _batches(items: Iterator[T], size: int) -> Iterator[list[T]]:
    """Lists of up to ``size`` items; the items read before a bad line still come out
    (as their own batch) before its InputError."""
    batch: list[T] = []
    try:
        for item in items:
            batch.append(item)
            if len(batch) >= size:
                yield batch
                batch = []
    except InputError:
        if batch:
            yield batch
        raise
    if batch:
        yield batch


def not_utf8(path: Path, exc: UnicodeDecodeError) -> str:
    """What is wrong with a file that is not UTF-8, and what to do."""
    return (
        f"{path}: not UTF-8 text ({exc.reason}, byte 0x{exc.object[exc.start]:02x}): "
        "convert it to UTF-8 (e.g. iconv -f latin1 -t utf-8)"
    )


def parse_published(value: Any, where: str) -> date | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise InputError(f"{where}: 'published' must be YYYY-MM-DD or null")
    try:
        return date.fromisoformat(value[:10])
    except ValueError as exc:
        raise InputError(f"{where}: 'published' must be YYYY-MM-DD or null") from exc


def meeting_json(meeting: MeetingReport) -> dict[str, Any]:
    def day(value: date | None) -> str | None:
        return value.isoformat() if value else None

    return {
        "venue": meeting.venue,
        "date": day(meeting.date),
        "date_end": day(meeting.date_end),
        "when_text": meeting.when_text,
        "status": str(meeting.status),
        "tentative": meeting.tentative,
        "previous_date": day(meeting.previous_date),
        "previous_venue": meeting.previous_venue,
        "participants": list(meeting.participants),
        "evidence": meeting.evidence,
        "official": meeting.official,
    }


def prediction_json(article_id: Any, extraction: Extraction) -> dict[str, Any]:
    return {
        "id": article_id,
        "lang": extraction.lang,
        "actors": list(extraction.actors),
        "venues": list(extraction.venues),
        "meetings": [meeting_json(m) for m in extraction.meetings],
        "alert": extraction.alert,
    }


def run(args: argparse.Namespace) -> int:
    from bot.extract import Extractor  # heavy tables are built only when needed

    watchlist = load_watchlist_or_exit(args)
    extractor = Extractor(watchlist)
    gc.freeze()  # long-lived tables stay out of the collector's scans (as in `bot run`)
    started = time.monotonic()
    count = 0
    try:
        with (
            args.input.open(encoding="utf-8") as source,
            args.output.open("w", encoding="utf-8") as sink,
        ):
            for batch in _batches(_articles(args.input, source), BATCH_SIZE):
                extractions = extractor.extract_many([article for _, article in batch])
                for (article_id, _), extraction in zip(batch, extractions, strict=True):
                    sink.write(
                        json.dumps(prediction_json(article_id, extraction), ensure_ascii=False)
                    )
                    sink.write("\n")
                    count += 1
                    if not args.quiet and count % PROGRESS_EVERY == 0:
                        rate = count / max(time.monotonic() - started, 1e-9)
                        print(f"extract: {count} articles ({rate:.0f}/s)", file=sys.stderr)
    except InputError as exc:
        print(f"input error: {exc}", file=sys.stderr)
        return 2
    except UnicodeDecodeError as exc:
        print(f"input error: {not_utf8(args.input, exc)}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not args.quiet:
        elapsed = time.monotonic() - started
        print(f"extract: {count} articles in {elapsed:.1f}s -> {args.output}", file=sys.stderr)
    return 0
