"""A language's date tables: month, weekday and relative-day names and the date
patterns built from them, read once per language.

Month and weekday names come from babel's CLDR data (all widths, format and
stand-alone contexts, which gives e.g. the Polish genitive "lutego"); the lexicon
files add inflected forms CLDR lacks ("w sobotę", "в субботу", "w grudniu").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from babel import Locale
from babel.dates import get_day_names, get_month_names

from bot.extract.lexicons import (
    RELATIVE_DAY_OFFSETS,
    WEEKDAY_KEYS,
    Combined,
    Lexicon,
    alternation,
    bounded,
    combined,
    fold,
    load_lexicon,
)

# Marks that may follow a day number in any language: 9. / 1° / 1º / 1ª
_DAY_MARKS = r"\.|°|º|ª"


def _words(raw: dict[str, Any], key: str) -> str:
    """A lexicon list as one alternation, longest first ("" when empty)."""
    return "|".join(sorted({w for w in raw[key] if w}, key=len, reverse=True))


def _day_suffix(raw: dict[str, Any]) -> str:
    """The ordinal marks a day number may carry: "3rd", "1er", "15-е", "5-го"
    (lexicon ``day_suffixes``)."""
    words = _words(raw, "day_suffixes")
    return rf"(?:{_DAY_MARKS}|-?(?:{words}))?" if words else rf"(?:{_DAY_MARKS})?"


def _optional_words(raw: dict[str, Any], key: str, before: str, after: str) -> str:
    words = _words(raw, key)
    return rf"(?:{before}(?:{words}){after})?" if words else ""


@dataclass(frozen=True)
class DateTables:
    months: dict[str, int]
    full_months: frozenset[str]
    weekday_patterns: tuple[re.Pattern[str], ...]
    dmy: re.Pattern[str]
    mdy: re.Pattern[str] | None
    numeric: re.Pattern[str]
    iso: re.Pattern[str]
    # a language's own numeric day formats (lexicon ``date_patterns``: groups m, d1, y)
    own_numeric: tuple[re.Pattern[str], ...]
    # a day of the month written alone (lexicon ``day_patterns``: group d1, "11日")
    own_day: tuple[re.Pattern[str], ...]
    # an ordinal day word before a month ("третьего апреля": lexicon ``day_words``), and
    # each day's words, to tell which day a match names
    worded: re.Pattern[str] | None
    worded_year: re.Pattern[str] | None  # the year that may follow the month
    day_words: tuple[tuple[int, re.Pattern[str]], ...]
    weekday: re.Pattern[str] | None
    weekday_plain: re.Pattern[str] | None
    # a weekday's adjective forms ("niedzielne", "Sunday's"), and the words that make a
    # weekday after them qualify the next noun ("a Monday phone call")
    weekday_adjective: re.Pattern[str] | None
    weekday_target: re.Pattern[str] | None  # forms that point a weekday forward
    attributive: frozenset[str]
    # relative days, "in N days", vague phrases, weekday and month names: one scan
    quick: Combined | None
    relative: re.Pattern[str] | None
    relative_offsets: dict[str, int]
    # the forms of ``relative_offsets`` that are adjectives ("вчерашняя", "dzisiejsze")
    day_adjectives: frozenset[str]
    ahead: tuple[re.Pattern[str], ...]
    ago: tuple[re.Pattern[str], ...]
    numbers: dict[str, int]
    vague: re.Pattern[str] | None
    month_only: re.Pattern[str] | None
    modifiers: dict[str, re.Pattern[str] | None]
    targets: frozenset[str]
    # the whole gap between the two days of a range ("30 November - 1 December")
    range_gap: re.Pattern[str]
    # the lexicon's ``periods.next_week`` phrases ("next week", "w przyszłym tygodniu")
    next_week: re.Pattern[str] | None
    # and its ``periods.last_week`` phrases ("last week", "w zeszłym tygodniu")
    last_week: re.Pattern[str] | None
    # the words for "that" opening a reported clause ("said last week that ... Thursday")
    complementizers: re.Pattern[str] | None
    # the words for "or" between two days offered as alternatives ("Wednesday or Thursday")
    alternative_gap: re.Pattern[str] | None
    # a day number and "or" right before a date ("5 or 6 March")
    alternative_day_before: re.Pattern[str] | None
    # a day of the month, a number or an ordinal word, and the month it counts in
    # ("the 12th of last month", "الثاني عشر من الشهر الماضي": rule *day of a named month*)
    day_of_named_month: re.Pattern[str] | None = None
    day_word_numbers: tuple[tuple[str, int], ...] = ()
    # the month phrases alone: a quick test before the scan above
    month_ref: re.Pattern[str] | None = None


def _month_table(lex: Lexicon) -> tuple[dict[str, int], set[str]]:
    months: dict[str, int] = {}
    full: set[str] = set()
    for locale in lex.locales:
        for width in ("wide", "abbreviated"):
            for context in ("format", "stand-alone"):
                for number, name in get_month_names(width, context, locale).items():
                    key = fold(name).rstrip(".")
                    if len(key) >= 3 and not key.isdigit():
                        months.setdefault(key, number)
                        if width == "wide":
                            full.add(key)
    for number, forms in lex.raw["months_extra"].items():
        for form in forms:
            months.setdefault(fold(form), int(number))
            full.add(fold(form))
    return months, full


def _weekday_forms(lex: Lexicon) -> list[list[str]]:
    forms: list[list[str]] = [[] for _ in WEEKDAY_KEYS]
    for locale in lex.locales:
        for context in ("format", "stand-alone"):
            names = get_day_names("wide", context, locale)
            for index in range(len(WEEKDAY_KEYS)):
                forms[index].append(re.escape(fold(names[index])))
    adjectives = lex.raw.get("weekday_adjectives") or {}
    targets = lex.raw.get("weekday_targets") or {}
    for index, key in enumerate(WEEKDAY_KEYS):
        forms[index].extend(fold(f) for f in lex.raw["weekdays"].get(key, []))
        forms[index].extend(fold(f) for f in adjectives.get(key, []))
        forms[index].extend(fold(f) for f in targets.get(key, []))
    return forms


def _weekday_forms_pattern(lex: Lexicon, key: str) -> re.Pattern[str] | None:
    """The weekday forms of a lexicon table (weekday -> forms), matched whole by the
    caller, or None when the language has none.

    - ``weekday_adjectives`` ("niedzielne", "Sunday's") qualify the noun after them;
    - ``weekday_targets`` (rule *weekday as a target*: Finnish "torstaille", Turkish
      "perşembeye", to Thursday) point the weekday forward, as a target preposition does
      ("na czwartek", "auf Donnerstag"): a meeting moved to it is moved to the coming one.
    """
    forms = [fold(f) for group in (lex.raw.get(key) or {}).values() for f in group]
    return re.compile("|".join(f"(?:{f})" for f in forms)) if forms else None


def _names_pattern(names: Iterable[str]) -> str:
    return "|".join(sorted({re.escape(n) for n in names}, key=len, reverse=True))


def _day_month_patterns(lex: Lexicon, months: dict[str, int]) -> dict[str, Any]:
    """Day-month(-year) and month-day patterns with ranges, numeric and ISO forms."""
    raw = lex.raw
    mon = rf"(?P<mon>{_names_pattern(months)})\.?(?!\w)"
    connectors = "|".join(sorted((c for c in raw["range_connectors"] if c), key=len, reverse=True))
    # a connector may be written onto the second day ("4 و5 فبراير", "ב-23 וב-24 בינואר")
    # or end in an article joined by a hyphen ("fl-4 u l-5 ta' Frar")
    sep = (
        rf"(?:\s*[-–—]\s*|\s+(?:{connectors})(?:\s+|(?=\d)|(?<=-)))"
        if connectors
        else r"\s*[-–—]\s*"
    )
    # The day is written to start with a digit (its look-behind after that digit)
    # rather than with the look-behind: the regex engine then skips to the next digit
    # in a tight loop instead of trying a match at every character.
    # "\d(?<![\d.,]\d)(?:(?<=[0-3])\d)?" is "(?<![\d.,])[0-3]?\d".
    suffix = _day_suffix(raw)
    day1 = rf"(?P<d1>\d(?<![\d.,]\d)(?:(?<=[0-3])\d)?){suffix}"
    day2 = rf"(?P<d2>[0-3]?\d){suffix}"
    # "5 de marzo de 2026", "15 stycznia 2026 r.", "3rd of March"
    year_link = _optional_words(raw, "year_links", "", r"\s+")
    year_tail = _optional_words(raw, "year_words", r"\s*", "")
    year = rf"(?:,?\s+{year_link}(?P<y>(?:19|20)\d\d)(?!\d){year_tail})?"
    day_link = _optional_words(raw, "day_month_links", "", r"\s+")
    dmy = re.compile(rf"{day1}(?:{sep}{day2})?\s*{day_link}{mon}{year}")
    mdy = None
    if raw.get("month_first") is True:  # "March 5", "February 14-15, 2026"
        mdy = re.compile(
            rf"(?<!\w){mon}\s+(?P<d1>[0-3]?\d){suffix}(?:{sep}{day2})?(?![\d:])"
            rf"(?:,?\s+(?P<y>(?:19|20)\d\d)(?!\d))?"
        )
    numeric = re.compile(
        r"(?P<d1>\d(?<![\d.]\d)(?:(?<=[0-3])\d)?)\.(?P<m>[01]?\d)\."
        r"(?:(?P<y>(?:19|20)\d\d)(?!\d)|(?![\d]))"
    )
    iso = re.compile(r"(?P<y>(?:19|20)(?<![\d-]\d\d)\d\d)-(?P<m>[01]\d)-(?P<d1>[0-3]\d)(?!\d)")
    return {
        **_ordinal_day_words(raw, day_link, year),
        "dmy": dmy,
        "mdy": mdy,
        "numeric": numeric,
        "iso": iso,
        "own_numeric": tuple(re.compile(p) for p in raw["date_patterns"]),
        "own_day": tuple(re.compile(p) for p in raw["day_patterns"]),
    }


def _ordinal_day_words(raw: dict[str, Any], day_link: str, year: str) -> dict[str, Any]:
    """Rule *ordinal day words*: a day of the month written as an ordinal word before
    its month ("третьего апреля", "the third of April") is that day (lexicon
    ``day_words``: day -> its ordinal words, compounds written out)."""
    table = raw.get("day_words") or {}
    days = tuple(
        (int(day), re.compile("|".join(f"(?:{fold(w)})" for w in words)))
        for day, words in table.items()
        if words
    )
    if not days:
        return {"worded": None, "worded_year": None, "day_words": ()}
    forms = sorted({fold(w) for _, words in table.items() for w in words}, key=len, reverse=True)
    alternation = "|".join(f"(?:{f})" for f in forms)
    # searched only in the few words before a month name, never across the whole text
    worded = re.compile(rf"(?<!\w)(?P<dw>{alternation})\s+{day_link}$")
    return {"worded": worded, "worded_year": re.compile(year), "day_words": days}


# Han, kana and Thai run words together ("木曜日に", "将于星期四在", "ในวันพฤหัสบดีนี้"): a
# weekday or modifier written in them needs no space or word boundary beside it.
SPACELESS = "\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\u0e00-\u0e7f"
_WORD_START = rf"(?:(?<!\w)|(?=[{SPACELESS}]))"
WORD_END = rf"(?:(?!\w)|(?<=[{SPACELESS}]))"
_WORD_GAP = rf"(?:\s+|(?<=[{SPACELESS}])(?=[{SPACELESS}]))"


def modifiers_after_the_day(modifiers: list[str], prepositions: list[str]) -> list[str]:
    """Rule *modifier after the day*: "vendredi dernier", "viernes pasado" put the
    modifier after the weekday, but a modifier that is also a place preposition (Danish
    and Swedish "i": "i fredags", last Friday) is one only before it, since after it
    the preposition opens the place ("fredag i Genève", on Friday in Geneva)."""
    places = {fold(p) for p in prepositions}
    return [m for m in modifiers if fold(m) not in places]


def _weekday_patterns(lex: Lexicon, weekday_forms: list[list[str]]) -> dict[str, Any]:
    """Weekday names with an optional preposition and "next"/"last" modifier."""
    mods = lex.raw["weekday_modifiers"]
    # longest first: "perşembe gününe" (to Thursday) before "perşembe" (Thursday)
    every_form = sorted((f for forms in weekday_forms for f in forms), key=len, reverse=True)
    all_weekdays = "|".join(f"(?:{f})" for f in every_form)
    ordered = sorted(
        (m for group in ("next", "last", "this") for m in mods[group]), key=len, reverse=True
    )
    all_mods = "|".join(ordered)
    after_mods = (
        "|".join(modifiers_after_the_day(ordered, lex.raw["locative_prepositions"])) or "(?!)"
    )
    return {
        "weekday_patterns": tuple(
            # the whole word: "cuma" (Friday) must not claim "cumartesi" (Saturday)
            re.compile("(?:" + "|".join(f"(?:{f})" for f in forms) + ")$")
            for forms in weekday_forms
        ),
        "weekday_plain": re.compile(rf"{_WORD_START}(?:{all_weekdays})"),
        "weekday": re.compile(
            rf"{_WORD_START}(?:(?P<prep>[^\W\d]{{1,3}})\s+)?(?:(?P<pre>{all_mods}){_WORD_GAP})?"
            rf"(?P<wd>{all_weekdays}){WORD_END}(?:\s+(?P<post>{after_mods})(?!\w))?"
        ),
        "modifiers": {g: alternation(mods[g]) for g in ("next", "last", "this")},
    }


def _relative_patterns(lex: Lexicon) -> tuple[list[str], dict[str, Any]]:
    """Relative days (lexicon and CLDR) and "in N days" / "N days ago" offsets."""
    raw = lex.raw
    relative_offsets: dict[str, int] = {}
    rel_forms: list[str] = []
    for key, offset in RELATIVE_DAY_OFFSETS.items():
        for form in raw["relative_days"][key]:
            rel_forms.append(form)
            relative_offsets[form] = offset
    for form, offset in cldr_relative_days(lex.locales).items():
        if form not in relative_offsets:
            rel_forms.append(form)
            relative_offsets[form] = offset
    adjectives: set[str] = set()
    for key, forms in (raw.get("day_adjectives") or {}).items():
        for form in forms:
            if key in RELATIVE_DAY_OFFSETS and form not in relative_offsets:
                rel_forms.append(form)
                relative_offsets[form] = RELATIVE_DAY_OFFSETS[key]
                adjectives.add(form)
    numbers = {fold(k): v for k, v in raw["numbers"].items()}

    def offsets(key: str) -> tuple[re.Pattern[str], ...]:
        return tuple(
            re.compile(bounded(f.replace("{n}", f"(?P<n>{number_alternation(numbers)})")))
            for f in raw["relative_offsets"][key]
        )

    return rel_forms, {
        "relative": alternation(rel_forms),
        "relative_offsets": relative_offsets,
        "day_adjectives": frozenset(adjectives),
        "ahead": offsets("ahead"),
        "ago": offsets("ago"),
        "numbers": numbers,
    }


def number_alternation(numbers: dict[str, int]) -> str:
    return "|".join([r"\d{1,2}", *sorted((re.escape(n) for n in numbers), key=len, reverse=True)])


def _quick_scan(
    lex: Lexicon,
    rel_forms: list[str],
    numbers: dict[str, int],
    weekday_forms: list[list[str]],
    full: set[str],
) -> Combined | None:
    """One scan for relative days, offsets, vague phrases, weekday and month names."""
    raw = lex.raw
    number_alt = number_alternation(numbers)
    quick_entries: list[tuple[str, str]] = [(f, f"rel:{f}") for f in rel_forms]
    for key, sign in (("ahead", "+"), ("ago", "-")):
        quick_entries.extend(
            (f.replace("{n}", f"(?:{number_alt})"), f"off{sign}:{f}")
            for f in raw["relative_offsets"][key]
        )
    quick_entries.extend((f, "vague") for f in raw["vague"])
    quick_entries.extend((f, "weekday") for forms in weekday_forms for f in forms)
    quick_entries.extend((re.escape(n), "month") for n in full)
    return combined(quick_entries)


@lru_cache(maxsize=64)  # every lexicon language, so a mixed feed never rebuilds one
def date_tables(language: str) -> DateTables:
    """The date tables of a language (built once, from CLDR and its lexicon)."""
    lex = load_lexicon(language)
    months, full = _month_table(lex)
    weekday_forms = _weekday_forms(lex)
    rel_forms, relative = _relative_patterns(lex)
    alternatives = _alternative_patterns(lex.raw)
    month_only = None
    if full:
        month_only = re.compile(rf"(?<!\w)(?:{_names_pattern(full)})(?!\w)")
    return DateTables(
        months=months,
        full_months=frozenset(full),
        **_day_month_patterns(lex, months),
        **_weekday_patterns(lex, weekday_forms),
        quick=_quick_scan(lex, rel_forms, relative["numbers"], weekday_forms, full),
        **relative,
        vague=alternation(lex.raw["vague"]),
        month_only=month_only,
        targets=frozenset(fold(t) for t in lex.raw["target_prepositions"]),
        weekday_adjective=_weekday_forms_pattern(lex, "weekday_adjectives"),
        weekday_target=_weekday_forms_pattern(lex, "weekday_targets"),
        attributive=frozenset(fold(w) for w in lex.raw["attributive_words"]),
        range_gap=_range_gap(lex.raw),
        next_week=alternation((lex.raw.get("periods") or {}).get("next_week") or []),
        last_week=alternation((lex.raw.get("periods") or {}).get("last_week") or []),
        complementizers=alternation(lex.raw["complementizers"]),
        alternative_gap=alternatives[0],
        alternative_day_before=alternatives[1],
        **_day_of_named_month(lex.raw),
    )


_MONTH_SHIFTS = {"last": -1, "this": 0, "next": 1}


def _day_of_named_month(raw: dict[str, Any]) -> dict[str, Any]:
    """Rule *day of a named month*: a day number or an ordinal day word (lexicon
    ``day_words``: number -> words) followed by the lexicon's ``month_refs`` phrase of
    the last, this or the next month; groups ``day`` and ``last``/``this``/``next``. (An
    ordinal day word before a month's name is rule *ordinal day words*.)"""
    words = {fold(w): int(n) for n, forms in (raw.get("day_words") or {}).items() for w in forms}
    named = "|".join(sorted(words, key=len, reverse=True))
    refs = raw.get("month_refs") or {}
    branches = [
        rf"(?P<{key}>{'|'.join(sorted(forms, key=len, reverse=True))})"
        for key in _MONTH_SHIFTS
        if (forms := [fold(f) for f in refs.get(key) or [] if f])
    ]
    if not branches:
        return {}
    day = rf"(?:[0-3]?\d{_day_suffix(raw)}{'|' + named if named else ''})"
    pattern = rf"(?<!\w)(?P<day>{day})\s+(?:{'|'.join(branches)})(?!\w)"
    return {
        "day_of_named_month": re.compile(pattern),
        "day_word_numbers": tuple(words.items()),
        "month_ref": re.compile("|".join(branches)),
    }


def _alternative_patterns(
    raw: dict[str, Any],
) -> tuple[re.Pattern[str] | None, re.Pattern[str] | None]:
    """The gap of "Wednesday or Thursday" and the lead of "5 or 6 March" (lexicon
    ``alternatives``)."""
    words = _words(raw, "alternatives")
    if not words:
        return None, None
    return (
        re.compile(rf"\s*,?\s*(?:{words})\s+"),
        re.compile(rf"(?<![\d.])[0-3]?\d\.?\s+(?:{words})\s+$"),
    )


def _range_gap(raw: dict[str, Any]) -> re.Pattern[str]:
    """A dash, or a range connector that does not also mark a new time ("moved from
    4 March to 9 March" names two days, not a range)."""
    targets = {fold(t) for t in raw["target_prepositions"]}
    connectors = "|".join(
        sorted({c for c in raw["range_connectors"] if c and fold(c) not in targets}, key=len)[::-1]
    )
    # Han and kana need no space around it ("2月28日と3月1日"); one written onto the
    # second day needs none after it
    words = rf"|(?:\s|(?<=[{SPACELESS}]))(?:{connectors})(?:\s|(?=\d))" if connectors else ""
    return re.compile(rf"\s*(?:[-–—]{words})\s*")


def cldr_relative_days(locales: Iterable[str]) -> dict[str, int]:
    """CLDR's words for yesterday, today, tomorrow (and the days either side), as
    lexicon entries (escaped, folded) with their offsets in days."""
    found: dict[str, int] = {}
    for locale in locales:
        fields = Locale.parse(locale)._data["date_fields"]  # babel has no public accessor
        relative = fields.get("day", {}).get("relative", {})
        for offset, word in relative.items():
            if isinstance(offset, int) and -2 <= offset <= 2 and word:
                found.setdefault(re.escape(fold(word)).replace("\\ ", " "), offset)
    return found


def month_names(language: str) -> frozenset[str]:
    """Lower-case full month names of a language (every case form known)."""
    return date_tables(language).full_months
