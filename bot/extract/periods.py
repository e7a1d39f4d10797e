"""Rule *vague periods*: a meeting with no day keeps its vague words as a period.

A readable English label and, where it can be worked out from the publication day,
the days it spans ("Mitte Dezember" -> mid-December, 11-20 Dec; "next week" ->
Monday to Sunday of the next week). The lexicon's optional ``periods`` table maps
phrases to the keys below; words it does not know are kept as written.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from functools import lru_cache

from bot.extract.dates import infer_year
from bot.extract.datetables import DateTables, date_tables
from bot.extract.lexicons import alternation, fold, load_lexicon
from bot.models import Period

# Readable English labels of the period keys a lexicon's optional ``periods`` table
# may use; month parts ("early", "mid", "late") need a month name beside them.
PERIOD_LABELS = {
    "end_of_month": "end of the month",
    "end_of_week": "end of the week",
    "next_week": "next week",
    "last_week": "last week",
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


@lru_cache(maxsize=64)  # every lexicon language, so a mixed feed never rebuilds one
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


def _month_in(folded: str, tables: DateTables) -> int | None:
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
        "last_week": (monday - timedelta(days=7), monday - timedelta(days=1)),
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
    tables = date_tables(language)
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
