"""Queries: the next meeting, the upcoming ones, recent changes
(docs/timeline.md, "Queries")."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from bot.models import Change
from bot.timeline.changes import change_concerns, state_concerns
from bot.timeline.model import DEFAULT_RULES, Meeting, TimelineRules, is_expected, last_day, recent


def _listed(m: Meeting, now: datetime, rules: TimelineRules) -> bool:
    if not is_expected(m.state):
        return False
    end = last_day(m.state)
    if end is None:
        return recent(m, now, rules)
    return end >= now.date()


def next_meeting(
    meetings: Iterable[Meeting],
    now: datetime,
    entity_ids: frozenset[str] = frozenset(),
    rules: TimelineRules = DEFAULT_RULES,
) -> Meeting | None:
    """The earliest meeting still expected whose day (or last day) is today or later."""
    best: Meeting | None = None
    for m in meetings:
        if m.state.date is None or not _listed(m, now, rules):
            continue
        if not state_concerns(m.state, entity_ids):
            continue
        if best is None or _order_key(m) < _order_key(best):
            best = m
    return best


def _order_key(m: Meeting) -> tuple[date, int, int]:
    return (m.state.date or date.max, -m.report_count, m.id or 0)


def upcoming(
    meetings: Iterable[Meeting],
    now: datetime,
    entity_ids: frozenset[str] = frozenset(),
    limit: int | None = None,
    rules: TimelineRules = DEFAULT_RULES,
) -> list[Meeting]:
    """Expected meetings: dated ones by day, then undated ones, newest news first."""
    listed = [m for m in meetings if _listed(m, now, rules) and state_concerns(m.state, entity_ids)]
    dated = sorted((m for m in listed if m.state.date is not None), key=_order_key)
    undated = sorted(
        (m for m in listed if m.state.date is None), key=lambda m: m.last_published, reverse=True
    )
    out = dated + undated
    return out[:limit] if limit is not None else out


def recent_changes(
    changes: Iterable[Change],
    since: datetime,
    entity_ids: frozenset[str] = frozenset(),
    limit: int | None = None,
) -> list[Change]:
    """Changes at or after ``since`` that concern the filter, newest first."""
    out = sorted(
        (c for c in changes if c.at >= since and change_concerns(c, entity_ids)),
        key=lambda c: c.at,
        reverse=True,
    )
    return out[:limit] if limit is not None else out
