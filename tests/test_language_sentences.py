"""Each language's table of test sentences (tests/data/sentences/<lang>.yaml, written
for these tests): a lexicon file plus such a table is all a language needs.

A row gives the sentence (and optionally a headline), its publication day and what
the first meeting (or the ``index``-th) must be (``status``, and ``venue`` / ``date`` /
``date_end`` / ``understood`` when given; ``count``: how many meetings), or ``status:
none`` for no meeting at all.
``fallback.yaml`` holds languages without a lexicon.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.config import load_watchlist
from bot.extract import Extractor

REPO_ROOT = Path(__file__).resolve().parents[1]
TABLES = REPO_ROOT / "tests" / "data" / "sentences"


def _rows() -> list[tuple[str, dict[str, Any]]]:
    rows: list[tuple[str, dict[str, Any]]] = []
    for path in sorted(TABLES.glob("*.yaml")):
        for row in yaml.safe_load(path.read_text(encoding="utf-8")):
            rows.append((row.get("lang", path.stem), row))
    return rows


ROWS = _rows()


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    return Extractor(load_watchlist(REPO_ROOT / "config" / "watchlist.yaml"))


@pytest.mark.parametrize(
    ("lang", "row"), ROWS, ids=[f"{lang}-{r['text'][:30]}" for lang, r in ROWS]
)
def test_sentence(extractor: Extractor, lang: str, row: dict[str, Any]) -> None:
    published = row["published"]
    assert isinstance(published, dt.date)
    extraction = extractor.extract_known(row.get("title", ""), row["text"], published, lang)
    if row["status"] == "none":
        assert extraction.meetings == ()
        return
    assert extraction.meetings, f"no meeting found in {row['text']!r}"
    meeting = extraction.meetings[row.get("index", 0)]
    assert meeting.status.value == row["status"]
    if "venue" in row:
        assert meeting.venue == row["venue"]
    if "date" in row:
        assert meeting.date == row["date"]
    if "date_end" in row:
        assert meeting.date_end == row["date_end"]
    if "understood" in row:
        assert meeting.understood is row["understood"]
    if "tentative" in row:
        assert meeting.tentative is row["tentative"]
    if "count" in row:
        assert len(extraction.meetings) == row["count"]


def test_every_lexicon_has_a_table() -> None:
    from bot.extract.lexicons import languages

    tabled = {lang for lang, _ in ROWS}
    assert {"nl", "pt", "cs", "bg", "el", "hu"} <= tabled
    assert set(languages()) - tabled <= {"pl", "en", "ru", "uk", "de", "fr", "it", "es"}


def test_unverified_report_stands_beside_past_meetings_the_rules_found(
    extractor: Extractor,
) -> None:
    text = (
        "Witkoff en Kushner ontmoetten Poetin gisteren in Moskou. "
        "Witkoff reist op 10 maart naar Genève."
    )
    extraction = extractor.extract_known("", text, dt.date(2026, 3, 2), "nl")
    found = [(m.status.value, m.venue, m.date, m.understood) for m in extraction.meetings]
    assert found == [
        ("held", "moscow", dt.date(2026, 3, 1), True),
        ("upcoming", "geneva", dt.date(2026, 3, 10), False),
    ]
    assert extraction.alert


STATUSES = ("upcoming", "rescheduled", "postponed", "cancelled", "held", "denied")


def test_every_language_covers_every_status() -> None:
    """Each lexicon's table states each status at least once, and each lexicon has the
    word groups a status needs: meeting words, cues of every status, hedges, tense cues
    and words for yesterday, today and tomorrow (its own or CLDR's)."""
    from bot.extract.datetables import cldr_relative_days
    from bot.extract.lexicons import STATUS_GROUPS, languages, load_lexicon

    missing: list[str] = []
    for lang in languages():
        stated = {row["status"] for row_lang, row in ROWS if row_lang == lang}
        missing += [f"{lang}: no {status} row" for status in STATUSES if status not in stated]
        lex = load_lexicon(lang)
        raw = lex.raw
        for key in ("meeting", "hedge"):
            if not raw[key]:
                missing.append(f"{lang}: no {key} words")
        missing += [f"{lang}: no {g} cue" for g in STATUS_GROUPS if not raw["status"][g]]
        missing += [f"{lang}: no {g} tense cue" for g in ("past", "future") if not raw["tense"][g]]
        offsets = set(cldr_relative_days(lex.locales).values())
        offsets |= {
            {"yesterday": -1, "today": 0, "tomorrow": 1}[key]
            for key in ("yesterday", "today", "tomorrow")
            if raw["relative_days"][key]
        }
        if not {-1, 0, 1} <= offsets:
            missing.append(f"{lang}: no words for yesterday/today/tomorrow")
    assert missing == []
