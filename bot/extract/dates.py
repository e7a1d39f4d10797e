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
from bot.models import Period, TimeOfDay

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


# --------------------------------------------------------------------------- vague periods

# Readable English labels of the period keys a lexicon's optional ``periods`` table
# may use; month parts ("early", "mid", "late") need a month name beside them.
PERIOD_LABELS = {
    "end_of_month": "end of the month",
    "end_of_week": "end of the week",
    "next_week": "next week",
    "this_week": "this week",
    "later_this_month": "later this month",
    "weekend": "the weekend",
    "coming_days": "in the coming days",
    "coming_weeks": "in the coming weeks",
    "next_month": "next month",
    "this_month": "this month",
    "soon": "soon",
}
_MONTH_PARTS = ("early", "mid", "late")
_MONTH_NAMES_EN = (
    "January", "February", "March", "April", "May", "June", "July",
    "August", "September", "October", "November", "December",
)  # fmt: skip
_WORD_RE = re.compile(r"\w+")


@lru_cache(maxsize=16)
def _period_patterns(language: str) -> tuple[tuple[str, re.Pattern[str]], ...]:
    """The language's ``periods`` table (optional) as (key, pattern), checked in order."""
    table = load_lexicon(language).raw.get("periods") or {}
    order = ("end_of_month", "end_of_week", *_MONTH_PARTS, *tuple(PERIOD_LABELS)[2:])
    found = []
    for key in order:
        pattern = alternation(table.get(key) or [])
        if pattern is not None:
            found.append((key, pattern))
    return tuple(found)


def _month_in(folded: str, tables: _Tables) -> int | None:
    for word in _WORD_RE.findall(folded):
        if word in tables.full_months:
            return tables.months[word]
    return None


def _month_end(year: int, month: int) -> date:
    return (date(year + month // 12, month % 12 + 1, 1)) - timedelta(days=1)


def _month_period(part: str | None, month: int, published: date | None) -> Period:
    name = _MONTH_NAMES_EN[month - 1]
    label = {"early": f"early {name}", "mid": f"mid-{name}", "late": f"late {name}"}.get(
        part or "", name
    )
    anchor = infer_year(month, 15, published)
    if anchor is None:
        return Period(label)
    first, last = date(anchor.year, month, 1), _month_end(anchor.year, month)
    spans = {"early": (1, 10), "mid": (11, 20), "late": (21, last.day)}
    if part in spans:
        low, high = spans[part]
        first, last = date(anchor.year, month, low), date(anchor.year, month, high)
    return Period(label, first, last)


def _relative_span(key: str, published: date) -> tuple[date, date] | None:
    """The days a period relative to the publication day covers."""
    monday = published - timedelta(days=published.weekday())
    month_last = _month_end(published.year, published.month)
    next_first = month_last + timedelta(days=1)
    spans = {
        "end_of_month": (max(published, month_last - timedelta(days=9)), month_last),
        "end_of_week": (max(published, monday + timedelta(days=3)), monday + timedelta(days=6)),
        "next_week": (monday + timedelta(days=7), monday + timedelta(days=13)),
        "this_week": (published, monday + timedelta(days=6)),
        "weekend": (monday + timedelta(days=5), monday + timedelta(days=6)),
        "coming_days": (published + timedelta(days=1), published + timedelta(days=7)),
        "coming_weeks": (published + timedelta(days=1), published + timedelta(days=28)),
        "next_month": (next_first, _month_end(next_first.year, next_first.month)),
        "this_month": (published, month_last),
        "later_this_month": (published + timedelta(days=1), month_last),
    }
    span = spans.get(key)
    if span is None or span[1] < span[0]:
        return None
    return span


@lru_cache(maxsize=4096)  # feeds repeat the same few phrases on the same days
def vague_period(text: str, language: str, published: date | None) -> Period:
    """A vague time expression as a readable period ("Mitte Dezember" → mid-December,
    11–20 Dec). A phrase the language's ``periods`` table does not know is kept as
    written, with no days."""
    folded = fold(text)
    tables = _tables(language)
    month = _month_in(folded, tables)
    for key, pattern in _period_patterns(language):
        if pattern.search(folded) is None:
            continue
        if key in _MONTH_PARTS:
            if month is not None:
                return _month_period(key, month, published)
            continue
        span = _relative_span(key, published) if published is not None else None
        label = PERIOD_LABELS[key]
        return Period(label, *span) if span else Period(label)
    if month is not None:
        return _month_period(None, month, published)
    return Period(" ".join(text.split()))


# --------------------------------------------------------------------------- time of day

# "10:00", "10.30", "14h30", "14 Uhr", "10 a.m.", "15 часов"; a bare "10.30" needs a
# time word before it ("at", "um", "o godz.", "в", "à", "alle", "a las"). The hour is
# written to start with a digit (its look-behind after it), so the scan skips ahead
# to the next digit instead of trying every character.
_CLOCK = re.compile(
    r"(?P<h>\d(?<![\w.:,/-]\d)(?:(?<=[01])\d|(?<=2)[0-3])?)"
    r"(?:(?P<sep>[:.h])(?P<m>[0-5]\d))?(?![\d:]|\.\d)"
    r"(?:\s*(?P<unit>[ap]\.\s?m\.|[ap]m(?!\w)|uhr(?!\w)|h(?!\w)|ч\.|час(?:ов|а)?(?!\w)))?"
)
_TIME_MARKER = re.compile(
    r"(?:(?<!\w)(?:at|around|um|gegen|ab|godz\.?|godzinie|godzina|o|в|о|об|à|a|alle|ore|"
    r"las|la|vers|к|до|від|з)\s+)$"
)
# Zone abbreviations, matched in the original text's case (so French "et" is not ET).
_ZONE_ABBREVIATIONS = {
    "UTC": "UTC", "GMT": "UTC", "CET": "CET", "CEST": "CET", "MEZ": "CET", "MESZ": "CET",
    "EET": "EET", "EEST": "EET", "OEZ": "EET", "MSK": "Europe/Moscow", "МСК": "Europe/Moscow",
    "EST": "America/New_York", "EDT": "America/New_York", "ET": "America/New_York",
    "PST": "America/Los_Angeles", "PDT": "America/Los_Angeles", "GST": "Asia/Dubai",
}  # fmt: skip
_ZONE_ABBREVIATION = re.compile(r"(?<!\w)(" + "|".join(_ZONE_ABBREVIATIONS) + r")(?!\w)")
_ZONE_REACH = 40  # characters after the time where its zone may be named


@lru_cache(maxsize=16)
def _zone_phrases(language: str) -> tuple[tuple[str, re.Pattern[str]], ...]:
    """The language's ``time_zones`` table (optional): zone → phrases ("local" too)."""
    table = load_lexicon(language).raw.get("time_zones") or {}
    return tuple(
        (zone, pattern)
        for zone, phrases in table.items()
        if (pattern := alternation(phrases or [])) is not None
    )


def find_time_of_day(
    text: str, language: str, folded: str | None = None
) -> tuple[int, TimeOfDay] | None:
    """The first stated time of day in ``text`` (its offset and value), with its zone
    when one follows it ("10:00 local time", "um 14 Uhr MEZ", "12:00 czasu polskiego").
    ``folded`` may pass ``fold(text)`` when the caller already has it."""
    if not _DIGIT.search(text):
        return None
    folded = fold(text) if folded is None else folded
    for match in _CLOCK.finditer(folded):
        sep, unit = match.group("sep"), match.group("unit")
        if not (
            sep == ":"
            or unit
            or (sep and _TIME_MARKER.search(folded[max(0, match.start() - 12) : match.start()]))
        ):
            continue
        hour, minute = int(match.group("h")), int(match.group("m") or 0)
        if unit and unit[0] == "p" and hour < 12:
            hour += 12
        elif unit and unit[0] == "a" and hour == 12:
            hour = 0
        return match.start(), TimeOfDay(
            hour, minute, _zone_after(text, folded, match.end(), language)
        )
    return None


def _zone_after(text: str, folded: str, at: int, language: str) -> str | None:
    window = folded[at : at + _ZONE_REACH]
    abbreviation = _ZONE_ABBREVIATION.match(text[at : at + _ZONE_REACH].lstrip())
    if abbreviation:
        return _ZONE_ABBREVIATIONS[abbreviation.group(1)]
    best: tuple[int, str] | None = None
    for zone, pattern in _zone_phrases(language):
        found = pattern.search(window)
        if found and (best is None or found.start() < best[0]):
            best = (found.start(), zone)
    if best is None or window[: best[0]].count(" ") > 3:
        return None  # a zone named further on belongs to something else
    return best[1]
