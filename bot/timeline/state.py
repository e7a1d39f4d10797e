"""The state rules, once (docs/timeline.md, "The current state").

Each decider takes what its rule reads -- summaries of a meeting's reports -- and returns
the value. Two callers gather those summaries: :mod:`bot.timeline.derive` from all
reports (and says why), :mod:`bot.timeline.tally` from running tallies (recording). What
differs between them is only how the inputs are gathered (which votes a rescheduling
voided, the weights); the tests hold both equal.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import Any

from bot.models import Day, MeetingReport, MeetingState, MeetingStatus, Period, TimeOfDay
from bot.timeline.model import (
    OFF_STATUSES,
    PLAN_STATUSES,
    DayRange,
    day_range,
    gap_days,
    moved,
    state_range,
    strength,
)

# a place in the reading order (``model.reading_key``, or the tallies' integer form)
Order = tuple[Any, ...]


@dataclass(frozen=True)
class Content:
    """What of a report the state rules read (not its words, source or participants)."""

    venue: str | None
    date: Day | None
    date_end: Day | None
    status: MeetingStatus
    tentative: bool
    official: bool
    previous_date: Day | None
    previous_venue: str | None
    # not votes, but what the state shows: the stated time, a vague period, and whether
    # the article's language was understood (see derive_state's display fields)
    time: TimeOfDay | None = None
    period: Period | None = None
    understood: bool = True

    @classmethod
    def of(cls, r: MeetingReport) -> Content:
        return cls(
            r.venue,
            r.date,
            r.date_end,
            r.status,
            r.tentative,
            r.official,
            r.previous_date,
            r.previous_venue,
            r.time,
            r.period,
            r.understood,
        )

    @cached_property
    def range(self) -> tuple[Day, Day] | None:
        return day_range(self.date, self.date_end)

    @cached_property
    def strength(self) -> int:
        return strength(self._as_report())

    @cached_property
    def vote_factor(self) -> float:
        """strength, doubled for a firm 'held' (facts after the event beat plans)."""
        held = self.status == MeetingStatus.HELD and not self.tentative
        return float(self.strength * (2 if held else 1))

    @cached_property
    def is_mover(self) -> bool:
        return (
            self.previous_date is not None
            or bool(self.previous_venue)
            or (self.status == MeetingStatus.RESCHEDULED and self.date is not None)
        )

    @cached_property
    def exempt(self) -> bool:
        """A newer official word or a move back is not voided by older moves."""
        return self.official or self.status == MeetingStatus.RESCHEDULED

    def _as_report(self) -> MeetingReport:
        return MeetingReport(
            venue=self.venue,
            date=self.date,
            date_end=self.date_end,
            status=self.status,
            tentative=self.tentative,
            official=self.official,
        )

    def to_json(self) -> list[Any]:
        return [
            self.venue,
            _iso(self.date),
            _iso(self.date_end),
            self.status.value,
            self.tentative,
            self.official,
            _iso(self.previous_date),
            self.previous_venue,
            [self.time.hour, self.time.minute, self.time.zone] if self.time else None,
            [self.period.label, _iso(self.period.start), _iso(self.period.end)]
            if self.period
            else None,
            self.understood,
        ]

    @classmethod
    def from_json(cls, data: list[Any]) -> Content:
        v, d, de, s, t, o, pd, pv, tm, pe, und = data
        return cls(
            v,
            _day(d),
            _day(de),
            MeetingStatus(s),
            bool(t),
            bool(o),
            _day(pd),
            pv,
            TimeOfDay(int(tm[0]), int(tm[1]), tm[2]) if tm else None,
            Period(str(pe[0]), _day(pe[1]), _day(pe[2])) if pe else None,
            bool(und),
        )


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def step_decider(current: Content, new: Content) -> Content:
    """One step of the status rule: does the newer report take over from the decider?"""
    if current.status == MeetingStatus.HELD and not current.tentative:
        return new if new.status == MeetingStatus.HELD else current  # a firm "held" is final
    if new.strength >= min(current.strength, 2):
        return new
    if (
        new.status in PLAN_STATUSES
        and current.status in OFF_STATUSES
        and new.date is not None
        and new.date != current.date
    ):
        return new  # weaker, but brings a day the postponement did not name
    return current


def fold_deciders(start: Content | None, contents: Iterable[Content]) -> list[Content]:
    """The decider after each report, reading ``contents`` in publication order."""
    out: list[Content] = []
    current = start
    for content in contents:
        current = content if current is None else step_decider(current, content)
        out.append(current)
    return out


def supports(c: Content, crange: DayRange | None) -> bool:
    """The report backs the chosen day (any report does while no day is known)."""
    rng = c.range
    return crange is None or (rng is not None and gap_days(rng, crange) <= 0)


def vote_day(by_range: Mapping[DayRange, tuple[float, Order]]) -> tuple[date, date | None] | None:
    """Day: each range voted for, with the summed weight of its voters and its newest
    voter. A range's support is the weight of every range overlapping it; the most
    supported wins, ties to the fuller range, then the newer report."""
    best: tuple[float, int, Order] | None = None
    chosen: tuple[date, date | None] | None = None
    for crng, (_, last) in by_range.items():
        support = sum(w for vrng, (w, _) in by_range.items() if gap_days(vrng, crng) <= 0)
        key = (round(support, 6), (crng[1] - crng[0]).days, last)
        if best is None or key > best:
            best = key
            chosen = (crng[0], crng[1] if crng[1] != crng[0] else None)
    return chosen


def venue_weight(venue: str, weight: float) -> float:
    """Places outside the watchlist (``other:…``) vote at half weight."""
    return weight * (0.5 if venue.startswith("other:") else 1.0)


def vote_venue(support: Mapping[str, float], last: Mapping[str, Order]) -> str | None:
    """Venue: the most supported (see :func:`venue_weight`), ties to the newer report."""
    if not support:
        return None
    return max(support, key=lambda v: (round(support[v], 6), last[v]))


def decide_moved_from(
    prior: MeetingState | None,
    latest_move: Content | None,
    crange: DayRange | None,
    venue: str | None,
) -> tuple[date | None, str | None]:
    """Where it moved from: the derived history (``prior``: the state before), else what
    the newest rescheduling report backing the chosen day (``latest_move``) names; never
    the current day or venue itself."""
    prev_date = prior.previous_date if prior else None
    prev_venue = prior.previous_venue if prior else None
    if prior is not None and moved(state_range(prior), crange):
        prev_date = prior.date
    if prior is not None and prior.venue and venue and venue != prior.venue:
        prev_venue = prior.venue
    if latest_move is not None:
        if prev_date is None and latest_move.previous_date is not None:
            prev_date = latest_move.previous_date
        if prev_venue is None and latest_move.previous_venue is not None:
            prev_venue = latest_move.previous_venue
    if prev_date is not None and crange is not None and prev_date == crange[0]:
        prev_date = None
    if prev_venue is not None and prev_venue == venue:
        prev_venue = None
    return prev_date, prev_venue


def decide_rescheduled(
    prev_date: date | None, prev_venue: str | None, backing: Iterable[Content]
) -> MeetingStatus:
    """A plan is ``rescheduled`` once its day or venue moved, else ``upcoming``."""
    moved_flag = (
        prev_date is not None
        or prev_venue is not None
        or any(c.status == MeetingStatus.RESCHEDULED for c in backing)
    )
    return MeetingStatus.RESCHEDULED if moved_flag else MeetingStatus.UPCOMING


def decide_tentative(
    decider: Content, contents: Iterable[Content], backing: Iterable[Content], venue: str | None
) -> bool:
    """Tentative: a plan until a firm report supports its day (or, undated, its place);
    any other status while every report saying it hedges."""
    if decider.status in PLAN_STATUSES:
        return not any(confirms(c, venue) for c in backing)
    return decider.tentative and not any(
        c.status == decider.status and not c.tentative for c in contents
    )


def confirms(c: Content, venue: str | None) -> bool:
    """A firm report, not calling the meeting off, at the chosen place (or none named)."""
    return (
        not c.tentative
        and c.status not in OFF_STATUSES
        and (c.venue is None or venue is None or c.venue == venue)
    )


def decide_time_and_period(
    timed: Iterable[tuple[Order, TimeOfDay]], vague: Iterable[tuple[Order, Period]], dated: bool
) -> tuple[TimeOfDay | None, Period | None]:
    """The time of day from the newest report stating one that backs the chosen day and
    no move voided (``timed``); the vague period only while no day is known, from the
    newest report giving one."""
    times = list(timed)
    time = max(times, key=lambda kv: kv[0])[1] if times else None
    if dated:
        return time, None
    periods = list(vague)
    return time, (max(periods, key=lambda kv: kv[0])[1] if periods else None)
