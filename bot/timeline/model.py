"""The timeline's vocabulary: a meeting and its reports, the tunables, reading order.

Four names for four roles (docs/timeline.md, "The words"):

* :class:`bot.models.MeetingReport` -- what one article says about one meeting;
* :class:`ReportEntry` -- such a report attached to a meeting, with its source and
  arrival;
* :class:`Meeting` -- the timeline's record of a meeting: its reports (when loaded), the
  state derived from them and the running tallies (:mod:`bot.timeline.tally`);
* :class:`bot.models.MeetingState` -- the derived state alone (what changes compare);
  :class:`bot.models.MeetingView` is what a query answers with (state and sources).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from bot.models import MeetingReport, MeetingState, MeetingStatus, MeetingView, SourceRef

if TYPE_CHECKING:
    from bot.timeline.tally import MeetingTally

PLAN_STATUSES = frozenset({MeetingStatus.UPCOMING, MeetingStatus.RESCHEDULED})
OFF_STATUSES = frozenset({MeetingStatus.POSTPONED, MeetingStatus.CANCELLED, MeetingStatus.DENIED})

DayRange = tuple[date, date]


@dataclass(frozen=True)
class TimelineRules:
    """Tunables, with the values the documentation describes."""

    presumed_held_after_days: int = 1
    half_life_days: float = 2.0
    date_window_days: int = 3  # plans at one venue this close are one meeting
    recent_days: int = 45  # how long undated / ended entries stay merge targets
    held_window_days: int = 7  # an undated "held" joins a meeting ended this recently
    soon_days: int = 21  # "the next round is postponed" refers to a meeting this close


DEFAULT_RULES = TimelineRules()


@dataclass(frozen=True)
class ReportEntry:
    """One report attached to a meeting, with where and when it arrived."""

    report: MeetingReport
    source: SourceRef
    received_at: datetime
    seq: int = 0  # arrival order (database id); breaks ties between equal times


def reading_key(entry: ReportEntry) -> tuple[datetime, datetime, int]:
    """The order the state rules read reports in: publication, then arrival."""
    return (entry.source.published, entry.received_at, entry.seq)


def in_reading_order(entries: Iterable[ReportEntry]) -> list[ReportEntry]:
    return sorted(entries, key=reading_key)


@dataclass(frozen=True)
class Meeting:
    """A meeting: its reports, the state derived from them, and its times."""

    id: int | None  # None until the store has inserted it
    reports: tuple[ReportEntry, ...]
    state: MeetingState
    created_at: datetime
    updated_at: datetime
    # running tallies of the reports (bot.timeline.tally): what merging needs, whether
    # or not ``reports`` is loaded (the store loads candidates without their reports)
    tally: MeetingTally | None = None

    @property
    def last_published(self) -> datetime:
        if self.tally is not None:
            return self.tally.last_published
        return max(e.source.published for e in self.reports)

    @property
    def report_count(self) -> int:
        return self.tally.count if self.tally is not None else len(self.reports)

    def sources(self) -> tuple[SourceRef, ...]:
        """Distinct sources (by link, else item key), oldest first."""
        seen: dict[str, SourceRef] = {}
        for entry in in_reading_order(self.reports):
            key = entry.source.link or entry.source.item_key or repr(entry.source)
            seen.setdefault(key, entry.source)
        return tuple(seen.values())

    def view(self) -> MeetingView:
        return MeetingView(id=self.id or 0, state=self.state, sources=self.sources())


# --------------------------------------------------------------------------- days


def day_range(start: date | None, end: date | None) -> DayRange | None:
    if start is None:
        return None
    return (start, end if end is not None and end >= start else start)


def gap_days(a: DayRange, b: DayRange) -> int:
    """Days between two ranges: <= 0 when they overlap, 1 when adjacent."""
    return (max(a[0], b[0]) - min(a[1], b[1])).days


def report_range(report: MeetingReport) -> DayRange | None:
    return day_range(report.date, report.date_end)


def state_range(state: MeetingState) -> DayRange | None:
    return day_range(state.date, state.date_end)


def last_day(state: MeetingState) -> date | None:
    rng = state_range(state)
    return rng[1] if rng else None


def format_days(start: date | None, end: date | None) -> str:
    if start is None:
        return "no day"
    if end is None or end == start:
        return start.isoformat()
    return f"{start.isoformat()}–{end.isoformat()}"


def describe(state: MeetingState) -> str:
    """One line: '2026-02-04–2026-02-05, abu-dhabi, rescheduled (tentative)'."""
    parts = [format_days(state.date, state.date_end), state.venue or "venue unknown"]
    status = "presumed held" if state.presumed_held else state.status.value
    if state.tentative:
        status += " (tentative)"
    parts.append(status)
    if state.previous_date or state.previous_venue:
        moved_from = ", ".join(
            x
            for x in (state.previous_date and state.previous_date.isoformat(), state.previous_venue)
            if x
        )
        parts.append(f"moved from {moved_from}")
    return ", ".join(parts)


# --------------------------------------------------------------------------- rules shared


def strength(report: MeetingReport) -> int:
    """Tentative 1, plain 2, +1 when attributed to an official."""
    return (1 if report.tentative else 2) + (1 if report.official else 0)


def is_past(state: MeetingState) -> bool:
    return state.status == MeetingStatus.HELD or state.presumed_held


def is_expected(state: MeetingState) -> bool:
    """Still expected to happen: a plan (upcoming/rescheduled) not presumed held."""
    return state.status in PLAN_STATUSES and not state.presumed_held


def presumed(status: MeetingStatus, end: date | None, now: datetime, rules: TimelineRules) -> bool:
    """Presumed held: a plan whose last day passed more than the allowed days ago."""
    if status not in PLAN_STATUSES or end is None:
        return False
    return now.date() > end + timedelta(days=rules.presumed_held_after_days)


def moved(before: DayRange | None, after: DayRange | None) -> bool:
    """A real move of the day (not a refinement like 4 Feb -> 4-5 Feb)."""
    if before is None or after is None:
        return False
    if after[0] != before[0]:
        return True
    return not (after[0] <= before[0] and after[1] >= before[1])


def recent(meeting: Meeting, ref: datetime, rules: TimelineRules) -> bool:
    """Still a merge target and listed: news within ``recent_days`` of ``ref``."""
    return meeting.last_published >= ref - timedelta(days=rules.recent_days)
