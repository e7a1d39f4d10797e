"""Languages without a lexicon, each in its own script (tests/data/unread_scripts.yaml,
written for these tests): the tracked names and places the matcher finds in one
sentence, and whether the sentence alerts (the rule *unverified meeting* for a meeting
ahead or a change; nothing for a past meeting, a phone call, a statement or sport)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.config import load_watchlist
from bot.extract import Extractor

REPO_ROOT = Path(__file__).resolve().parents[1]
TABLE = REPO_ROOT / "tests" / "data" / "unread_scripts.yaml"
PUBLISHED = dt.date(2026, 3, 4)  # a Wednesday

ROWS: list[dict[str, Any]] = yaml.safe_load(TABLE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    return Extractor(load_watchlist(REPO_ROOT / "config" / "watchlist.yaml"))


@pytest.mark.parametrize("row", ROWS, ids=[f"{r['lang']}-{r['text'][:24]}" for r in ROWS])
def test_sentence(extractor: Extractor, row: dict[str, Any]) -> None:
    extraction = extractor.extract_known("", row["text"], PUBLISHED, row["lang"])
    found = (set(extraction.actors), set(extraction.venues), extraction.alert)
    assert found == (set(row["actors"]), set(row["venues"]), row["alert"])
    if row["status"] == "none":
        assert extraction.meetings == ()
        return
    assert extraction.meetings, f"no meeting found in {row['text']!r}"
    meeting = extraction.meetings[0]
    assert meeting.status.value == row["status"]
    # rule *no lexicon of its own*: none of these languages has one, so nothing is verified
    assert not any(m.understood or not m.tentative for m in extraction.meetings)
    if "venue" in row:
        assert meeting.venue == row["venue"]


def test_every_language_has_each_kind_of_row() -> None:
    langs = {row["lang"] for row in ROWS}
    assert len(langs) >= 14
    for lang in langs:
        rows = [row for row in ROWS if row["lang"] == lang]
        assert any(row["alert"] for row in rows), lang
        assert sum(not row["alert"] for row in rows) >= 2, lang
