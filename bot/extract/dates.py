"""Find and resolve time expressions with per-language rule tables.

Month and weekday names come from babel's CLDR data (all widths, format and
stand-alone contexts, which gives e.g. the Polish genitive "lutego"); the lexicon
files add inflected forms CLDR lacks ("w sobotę", "в субботу", "w grudniu").

Resolution is relative to the publication day:
- a day and month without a year take the year that puts the date nearest to the
  publication day, future dates counting as a little nearer (news announces more
  than it recalls);
- a bare weekday is resolved by the clause's tense (``direction``): past -> the
  most recent such day (or the same day), future -> the next one (or the same day),
  unknown -> whichever is nearer;
- vague expressions ("next week", "w grudniu") are returned with no date, so the
  caller keeps their text but never invents a day.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import lru_cache

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

ABSOLUTE = "absolute"
RELATIVE = "relative"
WEEKDAY = "weekday"
VAGUE = "vague"
_RANK = {ABSOLUTE: 0, RELATIVE: 1, WEEKDAY: 2, VAGUE: 3}

# Ordinal/abbreviation marks that may follow a day number: 9. / 1° / 3rd / 1er / 15-е / 5-го
_DAY_SUFFIX = r"(?:\.|°|º|ª|-?(?:st|nd|rd|th|er|ère|e|го|е|ое|ого|ме|те|му|м|й|я|ого))?"
_YEAR_TAIL = r"(?:\s*(?:r\.|roku|року|р\.|года|г\.))?"


@dataclass(frozen=True)
class DateMention:
    """A time expression found in text, with offsets into that text."""

    start: int
    end: int
    text: str
    kind: str  # absolute | relative | weekday | vague
    date: dt.date | None
    date_end: dt.date | None = None
    # for a weekday: its index (0 = Monday), "next"/"last" modifier, and whether a
    # target preposition ("na sobotę", "auf Montag") points it forward
    weekday: int | None = None
    modifier: str | None = None
    forward: bool = False


@dataclass(frozen=True)
class _Tables:
    months: dict[str, int]
    full_months: frozenset[str]
    weekday_patterns: tuple[re.Pattern[str], ...]
    dmy: re.Pattern[str]
    mdy: re.Pattern[str] | None
    numeric: re.Pattern[str]
    iso: re.Pattern[str]
    # a language's own numeric day formats (lexicon ``date_patterns``: groups m, d1, y)
    own_numeric: tuple[re.Pattern[str], ...]
    weekday: re.Pattern[str] | None
    weekday_plain: re.Pattern[str] | None
    # relative days, "in N days", vague phrases, weekday and month names: one scan
    quick: Combined | None
    relative: re.Pattern[str] | None
    relative_offsets: dict[str, int]
    ahead: tuple[re.Pattern[str], ...]
    ago: tuple[re.Pattern[str], ...]
    numbers: dict[str, int]
    vague: re.Pattern[str] | None
    month_only: re.Pattern[str] | None
    modifiers: dict[str, re.Pattern[str] | None]
    targets: frozenset[str]


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
    for index, key in enumerate(WEEKDAY_KEYS):
        forms[index].extend(fold(f) for f in lex.raw["weekdays"].get(key, []))
    return forms


def _names_pattern(names: Iterable[str]) -> str:
    return "|".join(sorted({re.escape(n) for n in names}, key=len, reverse=True))


@lru_cache(maxsize=16)
def _tables(language: str) -> _Tables:
    lex = load_lexicon(language)
    raw = lex.raw
    months, full = _month_table(lex)
    mon = rf"(?P<mon>{_names_pattern(months)})\.?(?!\w)"
    connectors = "|".join(sorted((c for c in raw["range_connectors"] if c), key=len, reverse=True))
    sep = rf"(?:\s*[-–—]\s*|\s+(?:{connectors})\s+)" if connectors else r"\s*[-–—]\s*"
    # The day is written to start with a digit (its look-behind after that digit)
    # rather than with the look-behind: the regex engine then skips to the next digit
    # in a tight loop instead of trying a match at every character.
    # "\d(?<![\d.,]\d)(?:(?<=[0-3])\d)?" is "(?<![\d.,])[0-3]?\d".
    day1 = rf"(?P<d1>\d(?<![\d.,]\d)(?:(?<=[0-3])\d)?){_DAY_SUFFIX}"
    day2 = rf"(?P<d2>[0-3]?\d){_DAY_SUFFIX}"
    year = rf"(?:,?\s+(?:de\s+|del\s+)?(?P<y>(?:19|20)\d\d)(?!\d){_YEAR_TAIL})?"
    dmy = re.compile(rf"{day1}(?:{sep}{day2})?\s*(?:de\s+|of\s+|del\s+)?{mon}{year}")
    mdy = None
    if lex.language in {"en", "generic"} or lex.raw.get("month_first") is True:
        mdy = re.compile(
            rf"(?<!\w){mon}\s+(?P<d1>[0-3]?\d){_DAY_SUFFIX}(?:{sep}{day2})?(?![\d:])"
            rf"(?:,?\s+(?P<y>(?:19|20)\d\d)(?!\d))?"
        )
    numeric = re.compile(
        r"(?P<d1>\d(?<![\d.]\d)(?:(?<=[0-3])\d)?)\.(?P<m>[01]?\d)\."
        r"(?:(?P<y>(?:19|20)\d\d)(?!\d)|(?![\d]))"
    )
    iso = re.compile(r"(?P<y>(?:19|20)(?<![\d-]\d\d)\d\d)-(?P<m>[01]\d)-(?P<d1>[0-3]\d)(?!\d)")

    weekday_forms = _weekday_forms(lex)
    weekday_patterns = tuple(
        re.compile("|".join(f"(?:{f})" for f in forms) + "$") for forms in weekday_forms
    )
    all_weekdays = "|".join(f"(?:{f})" for forms in weekday_forms for f in forms)
    mods = raw["weekday_modifiers"]
    all_mods = "|".join(
        sorted(
            (m for group in ("next", "last", "this") for m in mods[group]), key=len, reverse=True
        )
    )
    weekday_plain = re.compile(rf"(?<!\w)(?:{all_weekdays})")
    weekday = re.compile(
        rf"(?<!\w)(?:(?P<prep>[^\W\d]{{1,3}})\s+)?(?:(?P<pre>{all_mods})\s+)?"
        rf"(?P<wd>{all_weekdays})(?!\w)(?:\s+(?P<post>{all_mods})(?!\w))?"
    )
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
    numbers = {fold(k): v for k, v in raw["numbers"].items()}
    number_alt = "|".join(
        [r"\d{1,2}", *sorted((re.escape(n) for n in numbers), key=len, reverse=True)]
    )

    def offsets(key: str) -> tuple[re.Pattern[str], ...]:
        return tuple(
            re.compile(bounded(f.replace("{n}", f"(?P<n>{number_alt})")))
            for f in raw["relative_offsets"][key]
        )

    quick_entries: list[tuple[str, str]] = [(f, f"rel:{f}") for f in rel_forms]
    for key, sign in (("ahead", "+"), ("ago", "-")):
        quick_entries.extend(
            (f.replace("{n}", f"(?:{number_alt})"), f"off{sign}:{f}")
            for f in raw["relative_offsets"][key]
        )
    quick_entries.extend((f, "vague") for f in raw["vague"])
    quick_entries.extend((f, "weekday") for forms in weekday_forms for f in forms)
    quick_entries.extend((re.escape(n), "month") for n in full)
    quick = combined(quick_entries)
    month_only = None
    if full:
        month_only = re.compile(rf"(?<!\w)(?:{_names_pattern(full)})(?!\w)")
    return _Tables(
        months=months,
        full_months=frozenset(full),
        weekday_patterns=weekday_patterns,
        dmy=dmy,
        mdy=mdy,
        numeric=numeric,
        iso=iso,
        own_numeric=tuple(re.compile(p) for p in raw["date_patterns"]),
        weekday=weekday,
        weekday_plain=weekday_plain,
        quick=quick,
        relative=alternation(rel_forms),
        relative_offsets=relative_offsets,
        ahead=offsets("ahead"),
        ago=offsets("ago"),
        numbers=numbers,
        vague=alternation(raw["vague"]),
        month_only=month_only,
        modifiers={g: alternation(mods[g]) for g in ("next", "last", "this")},
        targets=frozenset(fold(t) for t in raw["target_prepositions"]),
    )


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
    return _tables(language).full_months


# --------------------------------------------------------------------------- resolution


@lru_cache(maxsize=4096)  # the same few days recur across a feed's articles
def infer_year(month: int, day: int, published: date | None) -> date | None:
    """The date with this month/day nearest to ``published`` (future slightly preferred)."""
    if published is None:
        return None
    best: tuple[float, date] | None = None
    for year in (published.year - 1, published.year, published.year + 1):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        delta = (candidate - published).days
        score = delta * 0.8 if delta >= 0 else -delta * 1.2
        if best is None or score < best[0]:
            best = (score, candidate)
    return best[1] if best else None


def resolve_weekday(weekday: int, published: date, modifier: str | None, direction: int) -> date:
    """The date of ``weekday`` (0 = Monday) relative to ``published``.

    ``modifier``: "next" / "last" / None; ``direction``: +1 future, -1 past, 0 unknown.
    """
    forward = (weekday - published.weekday()) % 7
    backward = (published.weekday() - weekday) % 7
    if modifier == "next":
        return published + timedelta(days=forward or 7)
    if modifier == "last":
        return published - timedelta(days=backward or 7)
    if direction > 0:
        return published + timedelta(days=forward)
    if direction < 0:
        return published - timedelta(days=backward)
    if forward <= backward:
        return published + timedelta(days=forward)
    return published - timedelta(days=backward)


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _with_year(year: str | None, month: int, day: int, published: date | None) -> date | None:
    if year:
        return _safe_date(int(year), month, day)
    return infer_year(month, day, published)


def _range_end(start: date | None, month: int, d2: str | None) -> date | None:
    if start is None or not d2:
        return None
    end = _safe_date(start.year, month, int(d2))
    if end is None or end <= start or (end - start).days > 14:
        return None
    return end


# --------------------------------------------------------------------------- finder


_DIGIT = re.compile(r"\d")
_DOT_DIGIT = re.compile(r"\.\d")  # starts with a literal: found by a fast substring search


def find_dates(
    text: str,
    language: str,
    published: date | None,
    direction: int = 0,
) -> list[DateMention]:
    """Time expressions in ``text`` (any case), resolved against ``published``.

    Overlaps are settled in favour of the more precise kind (absolute dates over
    relative words over weekdays over vague phrases), then the longer match.
    """
    return resolve_weekdays(scan_dates(text, language, published), published, direction)


def resolve_weekdays(
    mentions: list[DateMention], published: date | None, direction: int
) -> list[DateMention]:
    """Give bare weekdays their day, using the clause's tense ``direction``."""
    if published is None:
        return mentions
    result = []
    for mention in mentions:
        if mention.weekday is not None:
            step = 1 if mention.forward else direction
            day = resolve_weekday(mention.weekday, published, mention.modifier, step)
            mention = replace(mention, date=day)
        result.append(mention)
    return result


def scan_dates(
    text: str, language: str, published: date | None, folded: str | None = None
) -> list[DateMention]:
    """Like :func:`find_dates`, but weekdays are left unresolved (``date`` None).

    ``folded`` may pass ``fold(text)`` when the caller already has it.
    """
    tables = _tables(language)
    folded = fold(text) if folded is None else folded
    found: list[DateMention] = []
    has_digit = _DIGIT.search(folded) is not None

    def add(
        start: int,
        end: int,
        kind: str,
        day: date | None,
        last: date | None = None,
        weekday: int | None = None,
        modifier: str | None = None,
        forward: bool = False,
    ) -> None:
        # a sentence-final period after a full month name is punctuation, not an abbreviation
        if kind == ABSOLUTE and folded[start:end].endswith(".") and end - start > 1:
            word = folded[start : end - 1].split()[-1] if folded[start : end - 1].split() else ""
            if word in tables.full_months:
                end -= 1
        found.append(
            DateMention(start, end, text[start:end], kind, day, last, weekday, modifier, forward)
        )

    for match in tables.dmy.finditer(folded) if has_digit else ():
        month = tables.months.get(match.group("mon"))
        if month is None:
            continue
        start_day = _with_year(match.group("y"), month, int(match.group("d1")), published)
        if start_day is None:
            if published is None:  # no year and nothing to infer it from
                add(match.start(), match.end(), VAGUE, None)
            continue
        add(
            match.start(),
            match.end(),
            ABSOLUTE,
            start_day,
            _range_end(start_day, month, match.group("d2")),
        )
    if tables.mdy is not None and has_digit:
        for match in tables.mdy.finditer(folded):
            month = tables.months.get(match.group("mon"))
            if month is None:
                continue
            start_day = _with_year(match.group("y"), month, int(match.group("d1")), published)
            if start_day is None:
                if published is None:
                    add(match.start(), match.end(), VAGUE, None)
                continue
            add(
                match.start(),
                match.end(),
                ABSOLUTE,
                start_day,
                _range_end(start_day, month, match.group("d2")),
            )
    # "14.02." needs a period before a digit, "2026-02-14" a hyphen before the month:
    # substring tests far cheaper than the scans they spare
    numeric_like = has_digit and _DOT_DIGIT.search(folded) is not None
    iso_like = has_digit and ("-0" in folded or "-1" in folded)
    numeric_scans = ((tables.numeric, numeric_like), (tables.iso, iso_like))
    own_scans = ((p, has_digit) for p in tables.own_numeric)
    for pattern, wanted in (*numeric_scans, *own_scans):
        for match in pattern.finditer(folded) if wanted else ():
            month, dom = int(match.group("m")), int(match.group("d1"))
            if not (1 <= month <= 12 and 1 <= dom <= 31):
                continue
            resolved = _with_year(match.groupdict().get("y"), month, dom, published)
            if resolved is not None:
                add(match.start(), match.end(), ABSOLUTE, resolved)
    has_weekday = has_month = False
    for start, end, matched, kind in tables.quick.scan(folded) if tables.quick is not None else ():
        if kind.startswith("rel:"):
            offset = tables.relative_offsets.get(kind[4:])
            day = published + timedelta(days=offset) if published and offset is not None else None
            add(start, end, RELATIVE, day)
        elif kind.startswith("off"):
            number = _NUMBER.search(matched)
            raw_n = number.group(0) if number else _number_word(matched, tables.numbers)
            n = int(raw_n) if raw_n and raw_n.isdigit() else tables.numbers.get(raw_n or "")
            if n is None or n > 60:
                continue
            sign = 1 if kind[3] == "+" else -1
            day = published + timedelta(days=sign * n) if published else None
            add(start, end, RELATIVE, day)
        elif kind == "vague":
            add(start, end, VAGUE, None)
        elif kind == "weekday":
            has_weekday = True
        else:
            has_month = True
    if tables.weekday is not None and tables.weekday_plain is not None:
        for match in tables.weekday.finditer(folded) if has_weekday else ():
            index = _weekday_index(match.group("wd"), tables.weekday_patterns)
            if index is None:
                continue
            modifier = _modifier(match.group("pre"), tables) or _modifier(
                match.group("post"), tables
            )
            prep = match.group("prep")
            forward = bool(prep and prep in tables.targets and modifier is None)
            start = match.start("pre") if match.group("pre") else match.start("wd")
            if prep and not match.group("pre"):
                start = match.start("prep")
            add(start, match.end(), WEEKDAY, None, None, index, modifier, forward)
    if tables.month_only is not None and has_month:
        for match in tables.month_only.finditer(folded):
            add(match.start(), match.end(), VAGUE, None)
    return _settle(found, text)


_NUMBER = re.compile(r"\d{1,2}")


def _number_word(text: str, numbers: dict[str, int]) -> str | None:
    for word in text.split():
        if word in numbers:
            return word
    return None


def _lookup_offset(matched: str, offsets: dict[str, int]) -> int | None:
    for form, offset in offsets.items():
        if re.fullmatch(form, matched):
            return offset
    return None


def _weekday_index(word: str, patterns: tuple[re.Pattern[str], ...]) -> int | None:
    for index, pattern in enumerate(patterns):
        if pattern.match(word):
            return index
    return None


def _modifier(word: str | None, tables: _Tables) -> str | None:
    if not word:
        return None
    for name in ("next", "last"):
        pattern = tables.modifiers[name]
        if pattern is not None and pattern.fullmatch(word):
            return name
    return None


def _settle(found: list[DateMention], text: str) -> list[DateMention]:
    if len(found) < 2:
        return list(found)  # nothing overlaps, nothing to join
    kept: list[DateMention] = []
    for mention in sorted(found, key=lambda m: (_RANK[m.kind], -(m.end - m.start), m.start)):
        if all(mention.end <= k.start or mention.start >= k.end for k in kept):
            kept.append(mention)
    ordered = sorted(kept, key=lambda m: m.start)
    # "on Saturday, December 5" / "w sobotę 5 grudnia": the weekday only names the
    # day the date gives, so the two read as one expression (with its preposition)
    result: list[DateMention] = []
    for mention in ordered:
        last = result[-1] if result else None
        if (
            last is not None
            and last.kind == WEEKDAY
            and mention.kind == ABSOLUTE
            and 0 <= mention.start - last.end <= 4
        ):
            result[-1] = replace(mention, start=last.start, text=text[last.start : mention.end])
        else:
            result.append(mention)
    return result
