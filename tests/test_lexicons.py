"""Each lexicon file: valid shape, compilable regexes, no catastrophic patterns, no
empty group for the eight supported languages."""

from __future__ import annotations

import ast
import datetime as dt
import re
import time
from pathlib import Path
from typing import Any

import pytest
from babel.dates import get_day_names

from bot.extract.dates import find_dates
from bot.extract.lexicons import (
    FALLBACK,
    LIST_KEYS,
    STATUS_GROUPS,
    WEEKDAY_KEYS,
    LexiconError,
    languages,
    load_lexicon,
    read_raw,
    validate,
)

ALL_FILES = (*languages(), FALLBACK)
# Languages whose files fill every group (newer files may leave groups out).
FULL_LANGUAGES = ("pl", "en", "ru", "uk", "de", "fr", "it", "es")
# An unbounded quantifier on a group that itself repeats: (a+)+, (\w*)*, (\w+ ){2,}
NESTED_QUANTIFIER = re.compile(r"\((?:[^()\\]|\\.)*[*+](?:[^()\\]|\\.)*\)(?:[*+]|\{\d*,\})")


def _entries(raw: dict[str, Any]) -> list[tuple[str, str]]:
    """(where, pattern) for every regex entry of a lexicon file."""
    found: list[tuple[str, str]] = []
    for key in LIST_KEYS:
        found.extend((key, p) for p in raw[key])
    for key in (
        "status",
        "tense",
        "weekdays",
        "months_extra",
        "relative_days",
        "weekday_modifiers",
        "relative_offsets",
        "places",
    ):
        for sub, values in raw[key].items():
            found.extend((f"{key}.{sub}", p.replace("{n}", "2")) for p in values)
    return found


@pytest.mark.parametrize("lang", ALL_FILES)
def test_schema_valid_and_compiles(lang: str) -> None:
    raw = read_raw(lang)
    assert raw["language"] == lang
    for where, pattern in _entries(raw):
        try:
            re.compile(pattern)
        except re.error as exc:  # pragma: no cover - the assertion message is the point
            pytest.fail(f"{lang}.yaml {where}: {pattern!r} does not compile: {exc}")
    lex = load_lexicon(lang)
    assert lex.language == lang
    assert lex.meeting is not None


@pytest.mark.parametrize("lang", ALL_FILES)
def test_no_nested_quantifiers(lang: str) -> None:
    for where, pattern in _entries(read_raw(lang)):
        assert not NESTED_QUANTIFIER.search(pattern), f"{lang}.yaml {where}: {pattern!r}"


@pytest.mark.parametrize("lang", ALL_FILES)
def test_scans_stay_linear_on_hostile_text(lang: str) -> None:
    lex = load_lexicon(lang)
    hostile = ("a" * 5000 + " ") * 4 + ("nie " * 3000) + ("1-" * 3000) + ("ab " * 5000)
    patterns = [p for p in (lex.meeting, lex.hedge, lex.past, lex.future, lex.negation) if p]
    patterns += [p for p in lex.status.values() if p]
    started = time.perf_counter()
    for pattern in patterns:
        for _ in pattern.finditer(hostile):
            pass
    assert time.perf_counter() - started < 5.0


@pytest.mark.parametrize("lang", FULL_LANGUAGES)
def test_every_group_non_empty(lang: str) -> None:
    raw = read_raw(lang)
    for key in LIST_KEYS:
        if key in ("genitive_links", "date_patterns"):
            continue  # most languages link a place to a noun without a preposition
        assert raw[key], f"{lang}: '{key}' is empty"
    for group in STATUS_GROUPS:
        assert raw["status"][group], f"{lang}: status.{group} is empty"
    for group in ("past", "future"):
        assert raw["tense"][group], f"{lang}: tense.{group} is empty"
    for key in ("relative_days", "weekday_modifiers", "relative_offsets"):
        for sub, values in raw[key].items():
            assert values, f"{lang}: {key}.{sub} is empty"
    assert sorted(raw["weekdays"]) == sorted(WEEKDAY_KEYS)
    assert raw["months_extra"] and raw["numbers"] and raw["places"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "top level"),
        ({"meeting": "spotkanie"}, "'meeting' must be a list"),
    ],
)
def test_validate_names_the_problem(data: Any, message: str) -> None:
    with pytest.raises(LexiconError, match=message):
        validate("xx.yaml", data)


def test_validate_rejects_bad_months() -> None:
    raw = read_raw("pl")
    broken = {**raw, "months_extra": {13: ["smarch"]}}
    with pytest.raises(LexiconError, match="months_extra"):
        validate("pl.yaml", broken)


def test_unknown_language_falls_back() -> None:
    assert load_lexicon("sw").language == FALLBACK
    # ... but still reads dates in that language through CLDR
    assert load_lexicon("sw").locales == ("sw",)


CODE_WITHOUT_LANGUAGES = sorted(
    [
        *(Path(__file__).resolve().parents[1] / "bot" / "extract").glob("*.py"),
        Path(__file__).resolve().parents[1] / "bot" / "match" / "matcher.py",
    ]
)


@pytest.mark.parametrize("path", CODE_WITHOUT_LANGUAGES, ids=lambda p: p.name)
def test_code_names_no_language(path: Path) -> None:
    """A language is its lexicon file: the extraction and matching code never
    compares a language code."""
    codes = set(languages()) | {FALLBACK}
    tree = ast.parse(path.read_text(encoding="utf-8"))
    compared = [
        inner
        for node in ast.walk(tree)
        if isinstance(node, ast.Compare)
        for side in (node.left, *node.comparators)
        for inner in ast.walk(side)
    ]
    named = [
        (node.lineno, node.value)
        for node in compared
        if isinstance(node, ast.Constant) and node.value in codes
    ]
    if path.name == "lexicons.py":  # the generic file is the one for other languages
        named = [(line, code) for line, code in named if code != FALLBACK]
    assert named == [], f"{path.name} tests for languages: {named}"


@pytest.mark.parametrize(
    ("lang", "text", "day"),
    [
        ("en", "talks on the 3rd of March", "03-03"),
        ("es", "reunión el 5 de marzo de 2027", "03-05"),
        ("pl", "spotkanie 15 stycznia 2027 r.", "01-15"),
        ("ru", "встреча 15-го января 2027 года", "01-15"),
        ("fr", "réunion le 1er mars", "03-01"),
    ],
)
def test_date_words_come_from_the_lexicon(lang: str, text: str, day: str) -> None:
    from datetime import date

    from bot.extract.dates import ABSOLUTE, find_dates

    found = [d for d in find_dates(text, lang, date(2027, 1, 10)) if d.kind == ABSOLUTE]
    assert found and found[0].date is not None
    assert found[0].date.strftime("%m-%d") == day


@pytest.mark.parametrize("lang", languages())
def test_every_cldr_weekday_name_reads_as_its_own_day(lang: str) -> None:
    """Each wide weekday name of the lexicon's CLDR locales, found alone, is that weekday:
    a name that starts another ("cuma", Friday, in "cumartesi", Saturday) claims no more."""
    published = dt.date(2026, 3, 4)
    for locale in load_lexicon(lang).locales:
        for index, name in get_day_names("wide", "format", locale).items():
            days = [d.date for d in find_dates(f"x {name} x", lang, published) if d.date]
            assert all(day.weekday() == index for day in days), (locale, name, days)


def test_an_entry_with_a_positive_look_around_is_classified_in_its_place() -> None:
    """A cue that needs the words after it ("brought forward" only before "to") is
    told by the text around the match, not by the matched text alone."""
    from bot.extract.lexicons import combined

    scanner = combined(
        [("brought forward(?= to)", "moved"), ("called off(?=,? (?:then|but))", "cancelled")],
        ("moved", "cancelled"),
    )
    assert scanner is not None
    found = [
        (matched, kind) for _, _, matched, kind in scanner.scan("talks brought forward to friday")
    ]
    assert found == [("brought forward", "moved")]
    assert scanner.scan("the plan was brought forward") == []
    assert [k for _, _, _, k in scanner.scan("talks called off, but")] == ["cancelled"]
    assert scanner.scan("they called off") == []
    assert [kind for _, kind in scanner.finditer("talks brought forward to friday")] == ["moved"]
