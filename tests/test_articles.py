"""Whole articles written for these tests (tests/data/articles/<lang>.yaml), one row each.

Sentence tables hold one phrasing each; these hold what only a whole article shows:
a headline and a dateline beside the body, background meetings beside the news, a
statement's day beside the meeting's, two reports of one meeting. A row lists every
meeting the article states as ``[venue, start day, status]`` (venue: a watchlist id,
``other:<Name>`` or null; day: null when the text gives none), exactly as a labeller
would, and the bot must find that list, no more and no less, and alert when the list
holds a meeting that is not held. ``read_as`` names the language the detector reads a
row as when it cannot tell that language from a close one (Bosnian from Croatian,
Malay from Indonesian); the lexicon used is then that one's. A row the rules still
read wrong carries ``gap``: what is missed, and why it is left; it is expected to
fail, and fails the suite if it starts to pass, so that the mark is then removed.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.config import load_watchlist
from bot.extract import Extractor

REPO_ROOT = Path(__file__).resolve().parents[1]
TABLES = REPO_ROOT / "tests" / "data" / "articles"
NOT_HELD = {"upcoming", "rescheduled", "postponed", "cancelled", "denied"}


def _rows() -> list[Any]:
    rows: list[Any] = []
    for path in sorted(TABLES.glob("*.yaml")):
        for row in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            marks = [pytest.mark.xfail(reason=row["gap"], strict=True)] if "gap" in row else []
            rows.append(pytest.param(path.stem, row, id=str(row["id"]), marks=marks))
    return rows


ROWS = _rows()


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    return Extractor(load_watchlist(REPO_ROOT / "config" / "watchlist.yaml"))


def expected_meetings(row: dict[str, Any]) -> Counter[tuple[str | None, str | None, str]]:
    return Counter(
        (venue, None if day is None else str(day), status)
        for venue, day, status in row.get("meetings") or []
    )


@pytest.mark.parametrize(("lang", "row"), ROWS)
def test_article(extractor: Extractor, lang: str, row: dict[str, Any]) -> None:
    published = row["published"]
    assert isinstance(published, dt.date)
    extraction = extractor.extract(row.get("title", ""), row["text"], published)
    assert extraction.lang == row.get("read_as", lang)
    found = Counter(
        (m.venue, None if m.date is None else m.date.isoformat(), m.status.value)
        for m in extraction.meetings
    )
    assert found == expected_meetings(row)
    want_alert = any(status in NOT_HELD for _, _, status in row.get("meetings") or [])
    assert extraction.alert is want_alert


def test_rows_are_well_formed() -> None:
    statuses = NOT_HELD | {"held"}
    seen: set[str] = set()
    for param in ROWS:
        lang, row = param.values
        assert str(row["id"]).startswith(f"{lang}-") and row["id"] not in seen
        seen.add(row["id"])
        assert row["text"].strip() and isinstance(row["published"], dt.date)
        for meeting in row.get("meetings") or []:
            assert len(meeting) == 3 and meeting[2] in statuses, row["id"]
