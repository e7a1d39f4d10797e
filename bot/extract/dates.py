"""Stage *dates*: find and resolve time expressions with per-language rule tables
(``datetables``), and the rules that decide which of a clause's days date its meeting.

Resolution is relative to the publication day:
- rule *year inference*: a day and month without a year take the year that puts the
  date nearest to the publication day, future dates counting as a little nearer
  (news announces more than it recalls);
- rule *weekdays by tense*: a bare weekday is resolved by the clause's tense
  (``direction``): past -> the most recent such day (or the same day), future -> the
  next one (or the same day), unknown -> whichever is nearer;
- vague expressions ("next week", "w grudniu") are returned with no date, so the
  caller keeps their text but never invents a day.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING

from bot.extract.datetables import DateTables, date_tables, month_names
from bot.extract.lexicons import (
    ONE_WORD_GAP,
    Lexicon,
    alternation,
    entries_between,
    fold,
    lexicon_words,
    load_lexicon,
)
from bot.models import MeetingStatus

if TYPE_CHECKING:
    from bot.extract.status import ClauseSignals

__all__ = [
    "ABSOLUTE",
    "RELATIVE",
    "VAGUE",
    "WEEKDAY",
    "DateMention",
    "attribution",
    "consistent_days",
    "day_adjective",
    "day_of_month",
    "days_of_a_span",
    "find_dates",
    "infer_year",
    "month_names",
    "pick_dates",
    "resolve_weekday",
    "resolve_weekdays",
    "scan_dates",
    "year_by_tense",
]

ABSOLUTE = "absolute"
RELATIVE = "relative"
WEEKDAY = "weekday"
VAGUE = "vague"
_RANK = {ABSOLUTE: 0, RELATIVE: 1, WEEKDAY: 2, VAGUE: 3}
NEXT_WEEK = "next_week"  # a weekday's modifier: the day of the following week
LAST_WEEK = "last_week"  # a weekday's modifier: the day of the week before


@dataclass(slots=True)
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
    # a weekday range's last day ("Thursday and Friday"): days after ``weekday``
    weekday_span: int = 0
    # an adjective of a day ("вчерашняя", "niedzielne", "a Monday …"): it dates its noun only
    adjective: bool = False
    # a day and month written without a year, which rule *year inference* supplied
    year_inferred: bool = False

    # Written out, not generated: see Statement.__init__ (bot/extract/statements.py).
    def __init__(
        self,
        start: int,
        end: int,
        text: str,
        kind: str,
        date: dt.date | None,
        date_end: dt.date | None = None,
        weekday: int | None = None,
        modifier: str | None = None,
        forward: bool = False,
        weekday_span: int = 0,
        adjective: bool = False,
        year_inferred: bool = False,
    ) -> None:
        self.start = start
        self.end = end
        self.text = text
        self.kind = kind
        self.date = date
        self.date_end = date_end
        self.weekday = weekday
        self.modifier = modifier
        self.forward = forward
        self.weekday_span = weekday_span
        self.adjective = adjective
        self.year_inferred = year_inferred


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


_FAR_AHEAD = 31  # days after publication beyond which a past clause's day is last year's


def year_by_tense(mention: DateMention, published: date) -> DateMention:
    """Rule *year by tense*: a day and month with no year in a clause told in the past
    ("their last meeting was in Riyadh on 18 February", published in October) is the
    last such day, not the coming one that *year inference* prefers; a day only a few
    weeks ahead is left to that rule (a plan reported in the past tense)."""
    day = mention.date
    if day is None or (day - published).days <= _FAR_AHEAD:
        return mention
    earlier = _safe_date(day.year - 1, day.month, day.day)
    if earlier is None:
        return mention
    end = mention.date_end
    last = None if end is None else _safe_date(end.year - 1, end.month, end.day)
    return replace(mention, date=earlier, date_end=last)


def resolve_weekday(weekday: int, published: date, modifier: str | None, direction: int) -> date:
    """The date of ``weekday`` (0 = Monday) relative to ``published``.

    ``modifier``: "next" / "last" / "next_week" (that day of the following week) / None;
    ``direction``: +1 future, -1 past, 0 unknown.
    """
    if modifier == NEXT_WEEK:
        return published + timedelta(days=7 - published.weekday() + weekday)
    if modifier == LAST_WEEK:
        return published - timedelta(days=published.weekday() + 7 - weekday)
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
    """Give bare weekdays their day, using the clause's tense ``direction``, and a day
    written without a year the year that tense asks for (rule *year by tense*)."""
    if published is None:
        return mentions
    result = []
    for mention in mentions:
        if mention.year_inferred and direction < 0:
            mention = year_by_tense(mention, published)
        if mention.weekday is not None:
            step = 1 if mention.forward else direction
            day = resolve_weekday(mention.weekday, published, mention.modifier, step)
            last = day + timedelta(days=mention.weekday_span) if mention.weekday_span else None
            mention = replace(mention, date=day, date_end=last)
        result.append(mention)
    return result


def scan_dates(
    text: str, language: str, published: date | None, folded: str | None = None
) -> list[DateMention]:
    """Like :func:`find_dates`, but weekdays are left unresolved (``date`` None).

    ``folded`` may pass ``fold(text)`` when the caller already has it.
    """
    tables = date_tables(language)
    folded = fold(text) if folded is None else folded
    found: list[DateMention] = []
    add = partial_adder(found, text, folded, tables)
    if _DIGIT.search(folded) is not None:
        _absolute_days(folded, tables, published, add)
    month_ref = tables.month_ref
    if month_ref is not None and published is not None and month_ref.search(folded):
        day_of_named_month(folded, tables, published, add)
    has_weekday, has_month = _relative_and_vague(folded, tables, published, add)
    if has_weekday:
        _weekdays(folded, tables, add)
    if tables.month_only is not None and has_month:
        months = list(tables.month_only.finditer(folded))
        if tables.worded is not None:
            _ordinal_day_words(folded, months, tables, published, add)
        for match in months:
            add(match.start(), match.end(), VAGUE, None)
    settled = _settle(found, text, folded, tables)
    if published is None or not any(m.kind == WEEKDAY for m in settled):
        return settled
    return [weekday_with_its_day(m, text, folded, published) for m in settled]


# "sabato 19,", "jueves 22.", "quinta-feira, 22,", "segunda-feira (19)": a day number
# right after a weekday and closing the phrase; not a time ("Thursday 22:00"), a
# decimal or a count ("Monday 5 people")
_DAY_AFTER_WEEKDAY = re.compile(r",?\s*(\()?([0-3]?\d)(?(1)\)|(?=\s*(?:[,;!?)]|[.:](?!\d)|$)))")


def weekday_with_its_day(
    mention: DateMention, text: str, folded: str, published: date
) -> DateMention:
    """Rule *weekday with its day*: "sabato 19", "el jueves 22", "nesta quinta-feira,
    22": a weekday followed by a day number is the day of that number that falls on
    that weekday, within three weeks of publication (whatever the clause's tense);
    when no such day exists, the number is something else and the weekday stands."""
    if mention.kind != WEEKDAY or mention.weekday is None:
        return mention
    found = _DAY_AFTER_WEEKDAY.match(folded, mention.end)
    if found is None:
        return mention
    day = _day_on_weekday(int(found.group(2)), mention.weekday, published)
    if day is None:
        return mention
    end = found.end()
    return replace(
        mention, end=end, text=text[mention.start : end], kind=ABSOLUTE, date=day, weekday=None
    )


def _day_on_weekday(dom: int, weekday: int, published: date) -> date | None:
    """The day ``dom`` of a month near ``published`` that falls on ``weekday``."""
    this_month = published.replace(day=1)
    months = (this_month - timedelta(days=1), this_month, this_month + timedelta(days=31))
    candidates = [
        candidate
        for month in months
        if (candidate := _safe_date(month.year, month.month, dom)) is not None
        and candidate.weekday() == weekday
        and abs((candidate - published).days) <= _MONTH_REACH
    ]
    return min(candidates, key=lambda d: abs((d - published).days), default=None)


_Add = Callable[..., None]


def partial_adder(found: list[DateMention], text: str, folded: str, tables: DateTables) -> _Add:
    """A function that records one mention found in ``text``."""

    def add(
        start: int,
        end: int,
        kind: str,
        day: date | None,
        last: date | None = None,
        weekday: int | None = None,
        modifier: str | None = None,
        forward: bool = False,
        adjective: bool = False,
        year_inferred: bool = False,
    ) -> None:
        # a sentence-final period after a full month name is punctuation, not an abbreviation
        if kind == ABSOLUTE and folded[start:end].endswith(".") and end - start > 1:
            word = folded[start : end - 1].split()[-1] if folded[start : end - 1].split() else ""
            if word in tables.full_months:
                end -= 1
        found.append(
            DateMention(
                start,
                end,
                text[start:end],
                kind,
                day,
                last,
                weekday,
                modifier,
                forward,
                0,
                adjective,
                year_inferred,
            )
        )

    return add


def _absolute_days(folded: str, tables: DateTables, published: date | None, add: _Add) -> None:
    """Day-month(-year) and month-day dates and ranges, numeric and ISO forms."""
    month_scans = (tables.dmy,) if tables.mdy is None else (tables.dmy, tables.mdy)
    for pattern in month_scans:
        for match in pattern.finditer(folded):
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
                year_inferred=not match.group("y"),
            )
    # "14.02." needs a period before a digit, "2026-02-14" a hyphen before the month:
    # substring tests far cheaper than the scans they spare
    numeric_like = _DOT_DIGIT.search(folded) is not None
    iso_like = "-0" in folded or "-1" in folded
    numeric_scans = ((tables.numeric, numeric_like), (tables.iso, iso_like))
    own_scans = ((p, True) for p in tables.own_numeric)
    for pattern, wanted in (*numeric_scans, *own_scans):
        for match in pattern.finditer(folded) if wanted else ():
            month, dom = int(match.group("m")), int(match.group("d1"))
            if not (1 <= month <= 12 and 1 <= dom <= 31):
                continue
            year = match.groupdict().get("y")
            resolved = _with_year(year, month, dom, published)
            if resolved is not None:
                # rule *own day ranges*: a pattern's d2 group is the range's last day
                last = _range_end(resolved, month, match.groupdict().get("d2"))
                add(match.start(), match.end(), ABSOLUTE, resolved, last, year_inferred=not year)
    for pattern in tables.own_day:
        for match in pattern.finditer(folded):
            alone = day_of_month(int(match.group("d1")), published)
            if alone is not None:
                add(match.start(), match.end(), ABSOLUTE, alone)


def _ordinal_day_words(
    folded: str,
    months: list[re.Match[str]],
    tables: DateTables,
    published: date | None,
    add: _Add,
) -> None:
    """Rule *ordinal day words* (tables in ``datetables._ordinal_day_words``): "третьего
    апреля", "the third of April" name the day as "3 апреля" does. Only the words right
    before each month name are read."""
    assert tables.worded is not None and tables.worded_year is not None
    for found in months:
        month = tables.months.get(found.group(0))
        before = tables.worded.search(folded, max(0, found.start() - _WORDED_REACH), found.start())
        if month is None or before is None:
            continue
        word = before.group("dw")
        dom = next((d for d, forms in tables.day_words if forms.fullmatch(word)), None)
        after = tables.worded_year.match(folded, found.end())
        year = after.group("y") if after is not None else None
        day = None if dom is None else _with_year(year, month, dom, published)
        if day is not None:
            end = after.end() if after is not None and year else found.end()
            add(before.start(), end, ABSOLUTE, day, year_inferred=not year)


_WORDED_REACH = 48  # characters before a month name an ordinal day word may start


_MONTH_REACH = 20  # days from publication a day of the month alone may lie

_MONTH_SHIFT_GROUPS = (("last", -1), ("this", 0), ("next", 1))


def day_of_named_month(folded: str, tables: DateTables, published: date, add: _Add) -> None:
    """Rule *day of a named month*: "on the 12th of last month", "في الثاني عشر من الشهر
    الماضي": a day number or ordinal day word (lexicon ``day_words``) followed by a phrase
    naming the last, this or the next month (lexicon ``month_refs``) is that day of that
    month, counted from publication."""
    assert tables.day_of_named_month is not None
    numbers = dict(tables.day_word_numbers)
    for match in tables.day_of_named_month.finditer(folded):
        written = match.group("day")
        digits = _DAY_DIGITS.match(written)
        dom = int(digits.group(0)) if digits else numbers.get(written)
        shift = next((n for key, n in _MONTH_SHIFT_GROUPS if match.group(key)), None)
        if dom is None or shift is None:
            continue
        first = published.replace(day=1)
        if shift < 0:
            first = (first - timedelta(days=1)).replace(day=1)
        elif shift > 0:
            first = (first + timedelta(days=32)).replace(day=1)
        day = _safe_date(first.year, first.month, dom)
        if day is not None:
            add(match.start(), match.end(), ABSOLUTE, day)


_DAY_DIGITS = re.compile(r"[0-3]?\d")


def day_of_month(dom: int, published: date | None) -> date | None:
    """Rule *day of the month alone*: "11日", "当地时间11日晚间" (no month) is that day
    of the month nearest to publication (by the scores of *year inference*), and only
    within a few weeks of it."""
    if published is None or not 1 <= dom <= 31:
        return None
    months = [(published.year, published.month)]
    earlier = published.replace(day=1) - timedelta(days=1)
    later = published.replace(day=28) + timedelta(days=7)
    months += [(earlier.year, earlier.month), (later.year, later.month)]
    best: tuple[float, date] | None = None
    for year, month in months:
        candidate = _safe_date(year, month, dom)
        if candidate is None:
            continue
        delta = (candidate - published).days
        if abs(delta) > _MONTH_REACH:
            continue
        score = delta * 0.8 if delta >= 0 else -delta * 1.2
        if best is None or score < best[0]:
            best = (score, candidate)
    return best[1] if best else None


def _relative_and_vague(
    folded: str, tables: DateTables, published: date | None, add: _Add
) -> tuple[bool, bool]:
    """Relative days, "in N days" offsets and vague phrases; whether a weekday name
    and a month name occur (their own scans run only then)."""
    has_weekday = has_month = False
    for start, end, matched, kind in tables.quick.scan(folded) if tables.quick is not None else ():
        if kind.startswith("rel:"):
            offset = tables.relative_offsets.get(kind[4:])
            day = published + timedelta(days=offset) if published and offset is not None else None
            add(start, end, RELATIVE, day, adjective=kind[4:] in tables.day_adjectives)
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
    return has_weekday, has_month


def _weekdays(folded: str, tables: DateTables, add: _Add) -> None:
    """Weekday names with their "next"/"last" modifier and target preposition."""
    if tables.weekday is None or tables.weekday_plain is None:
        return
    for match in tables.weekday.finditer(folded):
        index = _weekday_index(match.group("wd"), tables.weekday_patterns)
        if index is None:
            continue
        post = match.group("post")
        end = match.end()
        if (
            post
            and tables.next_week is not None
            and tables.next_week.match(folded, match.start("post"))
        ):
            post, end = None, match.end("wd")  # "Thursday next week": the week's, not "next"
        prep = match.group("prep")
        # a short modifier may stand where a preposition does ("i söndags": last Sunday)
        modifier = (
            _modifier(match.group("pre"), tables)
            or _modifier(post, tables)
            or (None if match.group("pre") else _modifier(prep, tables))
        )
        forward = modifier is None and (
            bool(prep and prep in tables.targets)
            or (
                tables.weekday_target is not None
                and tables.weekday_target.fullmatch(match.group("wd")) is not None
            )
        )
        start = match.start("pre") if match.group("pre") else match.start("wd")
        if prep and not match.group("pre"):
            start = match.start("prep")
        adjective = prep in tables.attributive or (
            tables.weekday_adjective is not None
            and tables.weekday_adjective.fullmatch(match.group("wd")) is not None
        )
        add(start, end, WEEKDAY, None, None, index, modifier, forward, adjective)


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


def _modifier(word: str | None, tables: DateTables) -> str | None:
    if not word:
        return None
    for name in ("next", "last"):
        pattern = tables.modifiers[name]
        if pattern is not None and pattern.fullmatch(word):
            return name
    return None


def period_named_by_the_lexicon(found: list[DateMention]) -> list[DateMention]:
    """Rule *period named by the lexicon*: a phrase the lexicon lists as a time span that
    also reads as a weekday with its modifier (Georgian "მომავალ კვირას", next week, as
    კვირა is both week and Sunday) is the span, whether or not another weekday in the
    sentence has the weekdays scanned."""
    vague = {(m.start, m.end) for m in found if m.kind == VAGUE}
    if not vague:
        return found
    return [m for m in found if m.kind != WEEKDAY or (m.start, m.end) not in vague]


def _settle(
    found: list[DateMention], text: str, folded: str, tables: DateTables
) -> list[DateMention]:
    """Overlaps settled in favour of the more precise kind, then the longer match;
    appositions and ranges across months joined; a week-long range made a period."""
    if len(found) < 2:  # nothing overlaps, nothing to join
        return [_week_or_longer(_in_next_week(m, folded, tables)) for m in found]
    found = period_named_by_the_lexicon(found)
    kept: list[DateMention] = []
    for mention in sorted(found, key=lambda m: (_RANK[m.kind], -(m.end - m.start), m.start)):
        if all(mention.end <= k.start or mention.start >= k.end for k in kept):
            kept.append(mention)
    ordered = sorted(kept, key=lambda m: m.start)
    result: list[DateMention] = []
    for mention in ordered:
        last = result[-1] if result else None
        if last is not None and _apposition(last, mention):
            result[-1] = replace(mention, start=last.start, text=text[last.start : mention.end])
        elif last is not None and _alternative_days(last, mention, folded, tables):
            result[-1] = replace(
                last,
                end=mention.end,
                text=text[last.start : mention.end],
                kind=VAGUE,
                date=None,
                date_end=None,
                weekday=None,
                modifier=None,
                forward=False,
            )
        elif (lead := _alternative_day_before(mention, folded, tables)) is not None:
            start = mention.start - lead
            result.append(
                replace(mention, start=start, text=text[start : mention.end], kind=VAGUE, date=None)
            )
        elif last is not None and (span := _consecutive_days(last, mention, folded, tables)):
            result[-1] = replace(
                last,
                end=mention.end,
                text=text[last.start : mention.end],
                date_end=mention.date,
                weekday_span=span if last.weekday is not None else 0,
            )
        elif last is not None and _range_across_months(last, mention, folded, tables):
            result[-1] = replace(
                last,
                end=mention.end,
                text=text[last.start : mention.end],
                date_end=mention.date,
            )
        else:
            result.append(mention)
    return [_week_or_longer(_in_next_week(m, folded, tables)) for m in result]


_NEXT_WEEK_REACH = 40  # characters either side of a weekday where "next week" qualifies it


def _in_next_week(mention: DateMention, folded: str, tables: DateTables) -> DateMention:
    """Rule *weekday of next week*: "next week, on Sunday", "w przyszłym tygodniu w
    środę", "sledeće nedelje, u nedelju": a weekday beside the lexicon's next-week
    phrase is that day of the following week, not the coming one."""
    if mention.kind != WEEKDAY or mention.modifier is not None:
        return mention
    for week, modifier in ((tables.next_week, NEXT_WEEK), (tables.last_week, LAST_WEEK)):
        if week is not None and _week_phrase_beside(mention, folded, week, tables):
            return replace(mention, modifier=modifier, forward=False)
    return mention


def _week_phrase_beside(
    mention: DateMention, folded: str, week: re.Pattern[str], tables: DateTables
) -> bool:
    """A next-week or last-week phrase close to the weekday, in the same sentence and
    not across a complementizer ("said last week that they meet on Thursday": the week
    is the statement's), a comma and a few words ("who met Putin last week, will
    travel to Kyiv on Friday": the week is another clause's; "next week, on Sunday"
    stays one phrase) nor, after the weekday, more than three words ("met on Saturday
    and will meet again in Geneva next week")."""
    # up to the weekday's end: a preposition it took in may close the phrase ("다음 주 목요일")
    before = folded[max(0, mention.start - _NEXT_WEEK_REACH) : mention.end]
    after = folded[mention.end : mention.end + _NEXT_WEEK_REACH]
    for window in (before, after):
        found = week.search(window)
        if found is None:
            continue
        between = window[found.end() :] if window is before else window[: found.start()]
        if (
            _SENTENCE_STOP.search(between)
            or other_clauses_week(between)
            or (window is after and len(between.split()) > _WEEK_PHRASE_WORDS)
        ):
            continue
        if tables.complementizers is None or not tables.complementizers.search(between):
            return True
    return False


_SENTENCE_STOP = re.compile(r"[.;!?]")
# words between a weekday and a week phrase after it that still qualify it ("on Sunday
# of next week"); more are another clause's ("met on Saturday and will meet again next
# week"); a week phrase that opens the sentence reaches further ("Next week the envoys
# meet again on Sunday")
_WEEK_PHRASE_WORDS = 3
_CLAUSE_WORDS = 2  # words after a comma that still leave a week phrase beside its weekday


def other_clauses_week(between: str) -> bool:
    """Rule *weekday of next week*: a week phrase separated from the weekday by a comma
    and more than a couple of words belongs to another clause."""
    comma = between.find(",")
    return comma != -1 and len(between[comma:].split()) > _CLAUSE_WORDS + 1


def _apposition(last: DateMention, mention: DateMention) -> bool:
    """Rule *appositions*: "on Saturday, December 5" / "w sobotę 5 grudnia": the
    weekday only names the day the date gives, so the two read as one expression
    (with its preposition)."""
    return last.kind == WEEKDAY and mention.kind == ABSOLUTE and 0 <= mention.start - last.end <= 4


def _alternative_days(
    last: DateMention, mention: DateMention, folded: str, tables: DateTables
) -> bool:
    """Rule *alternative days*: "on Wednesday or Thursday", "w środę lub czwartek",
    "today or tomorrow", "5 or 6 March": days offered as alternatives say when the
    meeting may fall, not its day; they are kept as a vague period."""
    if tables.alternative_gap is None or VAGUE in (last.kind, mention.kind):
        return False
    gap = folded[last.end : mention.start]
    words = folded[mention.start : mention.end].split()
    if not gap.strip() and len(words) > 1:  # "or" was read as a preposition
        gap = f" {words[0]} "
    return tables.alternative_gap.fullmatch(gap) is not None


def _alternative_day_before(mention: DateMention, folded: str, tables: DateTables) -> int | None:
    """ "5 or 6 March": a date with a day number and "or" right before it (rule
    *alternative days*); how many characters that lead takes, or None."""
    if mention.kind != ABSOLUTE or tables.alternative_day_before is None:
        return None
    lead = folded[max(0, mention.start - 12) : mention.start]
    found = tables.alternative_day_before.search(lead)
    return None if found is None else len(lead) - found.start()


_SPAN_DAYS = 3  # the longest weekday range written with a dash ("Thursday-Saturday")


def _consecutive_days(
    last: DateMention, mention: DateMention, folded: str, tables: DateTables
) -> int:
    """Rule *day ranges in words*: "Thursday and Friday", "w czwartek i piątek",
    "woensdag en donderdag", "dziś i jutro", "сегодня и завтра": two weekdays or two
    relative days joined by a range connector are one meeting's days when the second
    is the day after the first (with a dash, up to three days after). Returns the
    number of days from the first to the last, 0 when they are no range."""
    if last.kind != mention.kind or last.kind not in (WEEKDAY, RELATIVE) or last.date_end:
        return 0
    if last.kind == WEEKDAY:
        if last.weekday is None or mention.weekday is None or mention.modifier:
            return 0
        span = (mention.weekday - last.weekday) % 7
    elif last.date is not None and mention.date is not None:
        span = (mention.date - last.date).days
    else:
        return 0
    gap = folded[last.end : mention.start]
    words = folded[mention.start : mention.end].split()
    if not gap.strip() and len(words) > 1:  # the connector was read as a preposition
        gap = f" {words[0]} "
    if tables.range_gap.fullmatch(gap) is None:
        return 0
    dashed = any(c in gap for c in "-–—")
    return span if span == 1 or (dashed and 1 <= span <= _SPAN_DAYS) else 0


_RANGE_DAYS = 14  # the longest range read as the days of one meeting round


def _range_across_months(
    last: DateMention, mention: DateMention, folded: str, tables: DateTables
) -> bool:
    """Rule *ranges across months*: "30 November - 1 December", "30 listopada - 1
    grudnia": two single days of different months joined by a dash or a range
    connector (not one that marks a new time, as "to" does), the second a few days
    after the first, are one range."""
    if not (last.kind == ABSOLUTE == mention.kind and last.date_end is None):
        return False
    if last.date is None or mention.date is None or mention.date_end is not None:
        return False
    if (
        last.date.month == mention.date.month
        or not 0 < (mention.date - last.date).days <= _RANGE_DAYS
    ):
        return False  # a range within a month is written "4-9 March"
    # matched in place: the look-arounds see the letters either side ("28日と3月1日")
    gap = tables.range_gap.match(folded, last.end)
    return gap is not None and gap.end() == mention.start


_PERIOD_DAYS = 6  # a range this long (a week) is when a round may fall, not its days


def _week_or_longer(mention: DateMention) -> DateMention:
    """Rule *week-long ranges*: "16-22 March" after "next week" spans a week: it says
    when the meeting may fall, not its days, so it is kept as a vague period."""
    if mention.date is None or mention.date_end is None:
        return mention
    if (mention.date_end - mention.date).days < _PERIOD_DAYS:
        return mention
    return replace(mention, kind=VAGUE, date=None, date_end=None)


# --------------------------------------------------------------------------- a clause's days

# Reporting-verb attribution ("said on Friday"): a date this close to one is the
# day of the statement, not of the meeting.
_ATTRIBUTION_WORDS = 8
_WORD = re.compile(r"\w+")


def attribution(mention: DateMention, signals: ClauseSignals, clause: str, lex: Lexicon) -> bool:
    """Rule *attribution*: True for the day of a statement ("said on Friday", "2 March
    Zelensky reported"), which is not the day of the meeting."""
    if mention.kind == VAGUE or mention.forward:
        # a day a target preposition points to ("moved, a source said, to Friday", "auf
        # Freitag") is where something was moved or set, never a statement's day
        return False
    for r_start, r_end in signals.reporting:
        if r_start <= mention.start < r_end:
            return True  # the verb read as the weekday's preposition ("zei maandag")
        if r_end <= mention.start:
            gap = clause[r_end : mention.start]
            if inserted_report_closed(clause, r_start, gap, lex.targets):
                continue  # "moved, Peskov said on Monday, to 12 March": the day is the move's
            if report_closed_by_a_comma(clause[:r_start], gap, lex):
                continue  # "As the White House announced, Witkoff will meet … on Friday"
            if (
                len(_WORD.findall(gap)) <= _ATTRIBUTION_WORDS
                and not _has_cue(gap, lex)
                and not reported_content(clause[r_end : mention.end], lex.language)
            ):
                return True
        elif mention.end <= r_start:
            gap = clause[mention.end : r_start]
            lead = clause[: mention.start]
            reach = _ATTRIBUTION_WORDS if opens_report(clause, r_end, lex.language) else 3
            if (
                len(_WORD.findall(gap)) <= reach
                and not _has_cue(gap, lex)
                and (not _has_cue(lead, lex) or reporting_clause_after_comma(lead, gap, lex))
            ):
                return True
    return False


_OPENING_WORDS = 4  # "As the White House announced": the words before the verb


def report_closed_by_a_comma(lead: str, gap: str, lex: Lexicon) -> bool:
    """Rule *report closed by a comma*: a reporting clause that opens the sentence ("As the
    White House announced, Witkoff will meet Umerov in Miami on Friday", "Jak oznámil Bílý
    dům, Witkoff se v pátek setká s Umerovem") ends at its comma: a day after that comma
    belongs to what follows, not to the statement. ``lead``: the clause before the verb (a
    few words, no cue: "…met in Berlin, says Umerov, Ukraine's negotiator, on Monday" keeps
    the statement's day); ``gap``: the text between the verb and the day."""
    return "," in gap and len(_WORD.findall(lead)) <= _OPENING_WORDS and not _has_cue(lead, lex)


_INSERTION_OPENS = re.compile(r",\s+(?:\w+\s+){0,3}$")  # ", Peskov said", ", як повідомив"
_INSERTION_CLOSES = re.compile(r",\s+(\w+)\s+$")  # ", to 12 March": "to" right before the day


def inserted_report_closed(clause: str, r_start: int, gap: str, targets: frozenset[str]) -> bool:
    """Rule *inserted report*: a reporting verb set off by commas inside the clause ("the
    talks were moved, Peskov said on Monday, to 12 March", "перенесли, як повідомив у
    понеділок Пєсков, на 12 березня") ends at its closing comma: a day right behind that
    comma and a target preposition (lexicon ``target_prepositions``) is the meeting's new
    day, not the statement's."""
    closing = _INSERTION_CLOSES.search(gap)
    return (
        closing is not None
        and closing.group(1) in targets
        and _INSERTION_OPENS.search(clause, max(0, r_start - 40), r_start) is not None
    )


_QUOTE_TAIL = re.compile(r"[\s\"'”’」』)]*")


def closed_report(
    mention: DateMention,
    signals: ClauseSignals,
    clause: str,
    lex: Lexicon,
    published: date | None,
) -> bool:
    """Rule *closed report*: where the reported words end with a quotative before the
    reporting verb (lexicon ``quotatives``: Korean "…했다고", Japanese "…すると", Turkish
    "…olduğunu"), the statement's day stands outside them: after them, before the verb
    ("…회담을 가졌다고 외무부가 22일 밝혔다"), or before them, right after the speaker, with
    no meeting word or cue in front ("ペスコフ報道官は20日、…協議すると明らかにした"). A date
    after publication (a date or "tomorrow") is no statement's. Offsets are the clause's."""
    pattern = lexicon_words(lex.language, "quotatives")
    if pattern is None or mention.kind == VAGUE or not signals.reporting:
        return False
    if (
        mention.kind in (ABSOLUTE, RELATIVE)
        and published is not None
        and mention.date is not None
        and mention.date > published
    ):
        return False  # "tomorrow", like "on the 30th", is after any statement reported
    lead = clause[: mention.start]
    closings = list(pattern.finditer(clause))
    for r_start, _ in signals.reporting:
        if r_start < mention.end:
            continue
        gap = clause[mention.end : r_start]
        before = [c for c in closings if c.end() <= mention.start]
        if (
            before
            and len(_WORD.findall(gap)) <= _ATTRIBUTION_WORDS
            and not _has_cue(clause[before[-1].end() : mention.start], lex)
            and not _has_cue(gap, lex)
        ):
            return True  # after the reported words
        closed = any(
            c.start() >= mention.end and _QUOTE_TAIL.fullmatch(clause, c.end(), r_start)
            for c in closings
        )
        if (
            closed
            and not _has_cue(lead, lex)
            and not day_of_a_participle(mention, clause, lex)
            and not weekday_of_the_words(mention, clause, published)
        ):
            return True  # before them, right after the speaker
    return False


def weekday_of_the_words(mention: DateMention, clause: str, published: date | None) -> bool:
    """Rule *closed report*, a weekday inside the words: a weekday before the quotative
    that the clause's tense puts after publication and that no comma follows
    ("木曜日にモスクワで会談すると述べた",
    "Perşembe günü Moskova'da görüşeceğini söyledi") is the reported meeting's, like a
    date after publication; the statement's weekday stands apart ("木曜日、…")."""
    if mention.kind != WEEKDAY or published is None or mention.date is None:
        return False
    return mention.date > published and clause[mention.end : mention.end + 1] not in ",、，"


_PARTICIPLE_WORDS = 3  # words from a day to the participle it dates


def day_of_a_participle(mention: DateMention, clause: str, lex: Lexicon) -> bool:
    """Rule *day of a participle*: a day followed within three words by a participle of a
    meeting held (lexicon ``held_participles``: "salı günü Cenevre'de yapılan görüşmeler",
    "15일 제네바에서 열린 회담", the talks held in Geneva on Tuesday) dates that meeting,
    though it stands right after the speaker of the report around it."""
    pattern = entries_between(lex.language, "held_participles", r"(?<!\w)(?:", r")(?!\w)")
    if pattern is None:
        return False
    found = pattern.search(clause, mention.end)
    return found is not None and (
        len(_WORD.findall(clause[mention.end : found.start()])) <= _PARTICIPLE_WORDS
    )


_AFTER_COMMA = re.compile(r"[,،]\s*(?:\w{1,3}\s+)?$")  # ", " or ", je " before the day
# ", the Kremlin " or ", क्रेमलिन ने " before the day: a subject of up to four words
# (words as runs of non-space: Indic vowel signs and viramas are no \w)
_SUBJECT_AFTER_COMMA = re.compile(r"[,،]\s*((?:[^\s\d,،.]+\s+){1,4})$")


def reporting_clause_after_comma(lead: str, gap: str, lex: Lexicon) -> bool:
    """Rule *reporting clause after a comma*: a day that opens a reporting clause set
    off by a comma ("…, ketvirtadienį pareiškė Peskovas", "…, je v torek sporočil State
    Department": on Thursday said, on Tuesday announced) is the statement's day, though a
    meeting word stands in front; so is one after the subject of such a clause in a
    language that puts the verb last ("…, क्रेमलिन ने मंगलवार को बताया", the Kremlin on
    Tuesday said), when no cue stands in that subject. A comma between the day and the
    verb ("…, on Monday, Peskov said") keeps the day the meeting's."""
    if "," in gap or "،" in gap:  # the Latin or the Arabic-script comma
        return False
    if _AFTER_COMMA.search(lead) is not None:
        return True
    subject = _SUBJECT_AFTER_COMMA.search(lead)
    return subject is not None and not _has_cue(subject.group(1), lex)


_REPORT_OPENING = 16  # characters after a reporting verb where its complementizer stands


def opens_report(clause: str, verb_end: int, language: str) -> bool:
    """Rule *attribution*: a reporting verb followed by its complementizer ("said
    that", "aveva fatto sapere che", "powiedział, że") opens a report; a day before
    it, with only its subject between ("On Monday evening, the spokesman of the
    ministry said that the talks …"), is the statement's day."""
    pattern = lexicon_words(language, "complementizers")
    if pattern is None:
        return False
    found = pattern.search(clause, verb_end, verb_end + _REPORT_OPENING)
    return found is not None and not _WORD.search(clause, verb_end, found.start())


def day_adjective(mention: DateMention, folded: str, meetings: Sequence[tuple[int, int]]) -> bool:
    """Rule *day adjectives*: an adjective of yesterday, today or tomorrow ("вчерашняя
    встреча", "dzisiejsze rozmowy", "l'incontro odierno") or of a weekday ("niedzielne
    spotkanie", "Sunday's talks", "a Monday phone call") dates the meeting only when it
    qualifies a meeting word, right before or after it with one word between at most;
    elsewhere ("сьогоднішні бойові дії", today's fighting) it dates something else.
    ``folded`` is the text of the mention's offsets, ``meetings`` the offsets of its
    meeting words. True when the mention may date the meeting."""
    return not mention.adjective or _beside_meeting(folded, mention.start, mention.end, meetings)


def days_of_a_span(
    mention: DateMention, clause: str, meetings: Sequence[tuple[int, int]], language: str
) -> DateMention:
    """Rule *days of a span*: a clause that gives its meeting a length in days ("two
    days of talks", "dvodnevni pregovori", "deux journées de discussions": the phrase
    beside a meeting word, one word between at most) and a single day: that day is the
    last when the clause says the meeting ended ("ended on Saturday", "završeni danas",
    lexicon ``span_end``), else the first; the other end lies the length away. The n-th
    day of a meeting on a day ("the second day of talks, on Saturday", "второй день
    переговоров") makes that day the n-th: the meeting began n - 1 days before.
    ``meetings``: the clause's meeting words (offsets in ``clause``)."""
    if mention.date is None or mention.date_end is not None or mention.kind == VAGUE:
        return mention
    spans, ordinals, ended = _span_words(language)
    nth = _beside(ordinals, clause, meetings)
    if nth is not None:  # "the second day of talks, on Saturday": they began on Friday
        return replace(
            mention, date=mention.date - timedelta(days=nth[0] - 1), date_end=mention.date
        )
    span = _beside(spans, clause, meetings)
    if span is None:
        return mention
    length = timedelta(days=span[0] - 1)
    if (ended is not None and ended.search(clause)) or span_after(clause[: span[1]], language):
        return replace(mention, date=mention.date - length, date_end=mention.date)
    return replace(mention, date_end=mention.date + length)


_BEGUN_THEN_ENDED_DAYS = 3  # the longest round read as begun on one day, ended on another


def begun_then_ended(
    picked: list[DateMention], dates: Sequence[DateMention], clause: str, language: str
) -> list[DateMention]:
    """Rule *begun, then ended*: a clause with one picked day and one other a day to
    three before or after it that says the meeting ended (lexicon ``span_end``: "the
    talks, which began in Geneva on Monday, ended on Tuesday", "начались в понедельник и
    завершились во вторник", "火曜日に終了した", "于周二结束", "화요일에 끝났다") gives
    the meeting both days: the earlier is its ``date``, the later its ``date_end``,
    whichever of them the status cue stood nearer to."""
    if len(picked) != 1 or picked[0].date is None or picked[0].date_end is not None:
        return picked
    ended = _span_words(language)[2]
    if ended is None or ended.search(clause) is None:
        return picked
    day = picked[0].date
    others = {
        d.date
        for d in dates
        if d.kind != VAGUE
        and d.date is not None
        and 0 < abs((d.date - day).days) <= _BEGUN_THEN_ENDED_DAYS
    }
    if len(others) != 1:
        return picked
    other = others.pop()
    return [replace(picked[0], date=min(day, other), date_end=max(day, other))]


def span_after(before: str, language: str) -> bool:
    """Rule *span after*: a length in days governed by "after" ("left Abu Dhabi on
    Wednesday after two days of talks", "après deux jours de discussions") ended on the
    clause's day, as "ended" says. ``before``: the clause up to the length phrase."""
    pattern = entries_between(language, "after_words", r"(?<!\w)", r"\s+$")
    return pattern is not None and pattern.search(before) is not None


def _beside(
    phrases: _Numbered, clause: str, meetings: Sequence[tuple[int, int]]
) -> tuple[int, int] | None:
    """The number and start of the first phrase found beside a meeting word, if any."""
    return next(
        (
            (n, found.start())
            for n, pattern in phrases
            for found in pattern.finditer(clause)
            if _beside_meeting(clause, found.start(), found.end(), meetings)
        ),
        None,
    )


def _beside_meeting(text: str, start: int, end: int, meetings: Sequence[tuple[int, int]]) -> bool:
    """A phrase right before or after a meeting word, one word between at most."""
    return any(
        (m0 >= end and ONE_WORD_GAP.fullmatch(text, end, m0) is not None)
        or (m1 <= start and ONE_WORD_GAP.fullmatch(text, m1, start) is not None)
        or m0 <= start < m1
        for m0, m1 in meetings
    )


_Numbered = tuple[tuple[int, re.Pattern[str]], ...]


@lru_cache(maxsize=64)
def _span_words(language: str) -> tuple[_Numbered, _Numbered, re.Pattern[str] | None]:
    """A language's phrases of a meeting's length and of its n-th day (lexicon
    ``day_spans``, ``day_ordinals``: number -> phrases), and its words for "ended"."""
    raw = load_lexicon(language).raw
    return (
        _numbered(raw.get("day_spans") or {}),
        _numbered(raw.get("day_ordinals") or {}),
        alternation(raw["span_end"]),
    )


def _numbered(table: dict[object, list[str]]) -> _Numbered:
    found = []
    for number, phrases in sorted(table.items(), key=lambda item: str(item[0])):
        pattern = alternation(phrases)
        if isinstance(number, int) and number > 1 and pattern is not None:
            found.append((number, pattern))
    return tuple(found)


def reported_content(gap: str, language: str) -> bool:
    """A complementizer between the reporting verb and the day ("dodał, że niedzielne
    spotkanie", "added that Sunday's meeting"): the day is inside what was reported,
    so it dates the meeting, not the statement (rule *attribution*)."""
    pattern = lexicon_words(language, "complementizers")
    return pattern is not None and pattern.search(gap) is not None


def consistent_days(
    dates: list[DateMention], status: MeetingStatus, published: date | None
) -> list[DateMention]:
    """Rule *consistency*: drop days that contradict the status: a held meeting is not
    in the future, an expected one not in the past (such a day dates something else,
    e.g. the announcement in "had announced last Thursday a meeting within two weeks")."""
    if published is None:
        return dates
    if status is MeetingStatus.HELD:
        return [d for d in dates if d.date is None or d.date <= published]
    if status in (MeetingStatus.UPCOMING, MeetingStatus.RESCHEDULED):
        return [d for d in dates if d.date is None or (d.date_end or d.date) >= published]
    return dates


def _has_cue(text: str, lex: Lexicon) -> bool:
    if lex.meeting is not None and lex.meeting.search(text):
        return True
    return any(p is not None and p.search(text) for p in lex.status.values())


def pick_dates(dates: list[DateMention], cue: int | None) -> list[DateMention]:
    """Day-precise dates of a clause: every absolute one, else the relative one nearest the cue."""
    absolute = [d for d in dates if d.kind == ABSOLUTE and d.date is not None]
    if absolute:
        return list({(d.date, d.date_end): d for d in absolute}.values())
    relative = [d for d in dates if d.kind in (RELATIVE, WEEKDAY) and d.date is not None]
    if not relative:
        return []
    if cue is None:
        return [relative[0]]
    return [min(relative, key=lambda d: abs(d.start - cue))]
