"""Dated feed templates: a local feed file whose dates are relative to when it is read.

The demo feeds (``config/demo/*.tmpl``) tell a story of announcements, a reschedule,
a postponement, a cancellation, a denial and a held meeting. Fixed dates would make
that story go stale (a meeting "announced" for a day already past), so the files
carry placeholders that are filled in when the feed is read:

``{{locale pl}}``                     language of the ``date`` placeholders that follow
                                      (renders as nothing)
``{{date +12 d MMMM}}``               day 0 + 12 days, in a CLDR date pattern
                                      ("12 grudnia", "December 12" with ``MMMM d``)
``{{rfc822 -14 08:15 +0100}}``        a timestamp for RSS ``pubDate``
``{{iso -14 08:15 +03:00}}``          an ISO 8601 timestamp (Atom, JSON Feed)

Day 0 is the Monday of the week (UTC) in which the feed was first read: offsets
that are multiples of seven keep their weekday, so "on Saturday, {{date +12 ...}}"
stays a Saturday. A story that dates its articles before day 0 and its upcoming
meetings from day +7 on is therefore consistent on any day of the week: every
article is already published and every upcoming meeting is still ahead.

The anchor is the feed's first fetch (kept in its fetch state), so a long-running
bot reads the same text on every poll and a restart does not move the story.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, timezone
from email.utils import format_datetime

from babel.dates import format_date

TEMPLATE_SUFFIX = ".tmpl"

_PLACEHOLDER = re.compile(r"\{\{\s*(?P<kind>[a-z0-9]+)\s+(?P<args>[^{}]*?)\s*\}\}")
_OFFSET = re.compile(r"[+-]?\d{1,4}")
_CLOCK = re.compile(r"(\d{1,2}):(\d{2})")
_ZONE = re.compile(r"(Z|[+-]\d{2}:?\d{2})")


class FeedTemplateError(ValueError):
    """A placeholder the renderer does not understand (names the placeholder)."""


def is_feed_template(name: str) -> bool:
    """True for a local feed file that must be rendered before it is parsed."""
    return name.lower().endswith(TEMPLATE_SUFFIX)


def story_day_zero(anchor: datetime) -> date:
    """The Monday (UTC) of the week that holds ``anchor``."""
    day = anchor.astimezone(UTC).date()
    return day - timedelta(days=day.weekday())


def render_feed_template(text: str, anchor: datetime) -> str:
    """``text`` with every placeholder replaced, dated relative to ``anchor``."""
    day_zero = story_day_zero(anchor)
    locale = "en"

    def substitute(match: re.Match[str]) -> str:
        nonlocal locale
        kind, args = match.group("kind"), match.group("args")
        if kind == "locale":
            locale = args.strip()
            return ""
        if kind == "date":
            offset, _, pattern = args.partition(" ")
            return format_date(_day(day_zero, offset, match), pattern.strip(), locale=locale)
        if kind in ("rfc822", "iso"):
            moment = _timestamp(day_zero, args, match)
            return format_datetime(moment) if kind == "rfc822" else moment.isoformat()
        raise FeedTemplateError(f"unknown placeholder {match.group(0)!r}")

    return _PLACEHOLDER.sub(substitute, text)


def _day(day_zero: date, offset: str, match: re.Match[str]) -> date:
    if not _OFFSET.fullmatch(offset.strip()):
        raise FeedTemplateError(f"bad day offset in {match.group(0)!r}")
    return day_zero + timedelta(days=int(offset))


def _timestamp(day_zero: date, args: str, match: re.Match[str]) -> datetime:
    parts = args.split()
    if len(parts) != 3:
        raise FeedTemplateError(f"expected 'OFFSET HH:MM ZONE' in {match.group(0)!r}")
    offset, clock, zone = parts
    clock_match, zone_match = _CLOCK.fullmatch(clock), _ZONE.fullmatch(zone)
    if clock_match is None or zone_match is None:
        raise FeedTemplateError(f"bad time or zone in {match.group(0)!r}")
    tz = _zone(zone)
    at = time(int(clock_match.group(1)), int(clock_match.group(2)))
    return datetime.combine(_day(day_zero, offset, match), at, tzinfo=tz)


def _zone(zone: str) -> timezone:
    if zone == "Z":
        return UTC
    sign = -1 if zone[0] == "-" else 1
    digits = zone[1:].replace(":", "")
    minutes = int(digits[:2]) * 60 + int(digits[2:])
    return timezone(sign * timedelta(minutes=minutes))


__all__ = [
    "TEMPLATE_SUFFIX",
    "FeedTemplateError",
    "is_feed_template",
    "render_feed_template",
    "story_day_zero",
]
