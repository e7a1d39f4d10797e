"""Which meeting a report belongs to (docs/timeline.md, "Which meeting").

Each rule is one function, tried in the documented order; the first that finds a
candidate wins (a rule may also settle that the report starts a new meeting). Beside
each rule is its *pre-filter*: what a store must load so that the rule sees every meeting
it could pick, as plain predicates (:data:`Prefilter`) the store translates to queries.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.models import MeetingReport, MeetingStatus
from bot.timeline.model import (
    DEFAULT_RULES,
    OFF_STATUSES,
    DayRange,
    Meeting,
    TimelineRules,
    gap_days,
    is_expected,
    is_past,
    last_day,
    recent,
    report_range,
    state_range,
)

# A report range this long still finds its meeting by any of its days (a meeting's
# report days are indexed by their first day).
MAX_RANGE_DAYS = 14

Assignment = tuple[Meeting | None, str]


# --------------------------------------------------------------------------- pre-filters


@dataclass(frozen=True)
class NamedDay:
    """A report of the meeting named a first day in ``[first, last]``, or its current day
    starts there."""

    first: date
    last: date


@dataclass(frozen=True)
class MovedFromDay:
    """A report of the meeting named ``day`` as the day it moved from."""

    day: date


@dataclass(frozen=True)
class AtVenue:
    """The meeting is at one of ``venues`` and ended on or after ``ended_since``, or is
    undated or in one of ``statuses`` (called off) with news since ``since``."""

    venues: frozenset[str]
    ended_since: date
    since: datetime
    statuses: frozenset[str] = frozenset(s.value for s in OFF_STATUSES)


@dataclass(frozen=True)
class ExpectedNamingVenue:
    """The meeting is expected, one of its reports named one of ``venues``, and it has
    news since ``since``."""

    venues: frozenset[str]
    since: datetime


@dataclass(frozen=True)
class LiveSharingParticipant:
    """The meeting is expected or postponed, has one of ``participants`` and news since
    ``since``."""

    participants: frozenset[str]
    since: datetime


@dataclass(frozen=True)
class ExpectedBetween:
    """The meeting is expected, its day is on or before ``until`` and its last day on or
    after ``start``."""

    start: date
    until: date


Prefilter = (
    NamedDay
    | MovedFromDay
    | AtVenue
    | ExpectedNamingVenue
    | LiveSharingParticipant
    | ExpectedBetween
)


def _named_days(days: Sequence[date], rules: TimelineRules) -> NamedDay:
    pad = timedelta(days=max(rules.date_window_days, 1))
    return NamedDay(first=min(days) - pad - timedelta(days=MAX_RANGE_DAYS), last=max(days) + pad)


def _since(published: datetime, rules: TimelineRules) -> datetime:
    return published - timedelta(days=rules.recent_days)


# --------------------------------------------------------------------------- helpers


def _ranges(m: Meeting) -> list[DayRange]:
    if m.tally is not None:
        out = m.tally.ranges()
    else:
        out = [rng for e in m.reports if (rng := report_range(e.report)) is not None]
    srng = state_range(m.state)
    if srng is not None:
        out.append(srng)
    return out


def _venues(m: Meeting) -> set[str]:
    if m.tally is not None:
        out = m.tally.venues()
    else:
        out = {e.report.venue for e in m.reports if e.report.venue}
    if m.state.venue:
        out.add(m.state.venue)
    return out


def _overlap(a: Iterable[str], b: Iterable[str]) -> int:
    return len(set(a) & set(b))


def _participants_ok(report: MeetingReport, m: Meeting) -> bool:
    if not report.participants or not m.state.participants:
        return True
    return _overlap(report.participants, m.state.participants) > 0


# --------------------------------------------------------------------------- 1. moved from


def moved_from_prefilter(
    report: MeetingReport, published: datetime, rules: TimelineRules
) -> list[Prefilter]:
    """Meetings ever reported for the old day or moved from it, else expected ones named
    at the old venue."""
    if report.previous_date is not None:
        return [_named_days([report.previous_date], rules), MovedFromDay(report.previous_date)]
    old_venue = report.previous_venue
    if old_venue is None:
        return []
    return [ExpectedNamingVenue(frozenset({old_venue}), _since(published, rules))]


def moved_from(
    meetings: Sequence[Meeting], report: MeetingReport, published: datetime, rules: TimelineRules
) -> Assignment | None:
    """A report naming an old day / venue joins the meeting ever reported for that old day,
    or recorded as moved from it, at that old venue (or at the report's venue when no old
    venue is stated); meetings already held are skipped."""
    r = report
    if r.previous_date is None and r.previous_venue is None:
        return None
    old_venue = r.previous_venue or r.venue
    cands = []
    for m in meetings:
        if m.state.status == MeetingStatus.HELD:
            continue
        if old_venue is not None and m.state.venue is not None and old_venue not in _venues(m):
            continue
        if r.previous_date is not None:
            point = (r.previous_date, r.previous_date)
            recorded = m.state.previous_date == r.previous_date
            if not recorded and not any(gap_days(rng, point) <= 0 for rng in _ranges(m)):
                continue
        elif not (is_expected(m.state) and recent(m, published, rules)):
            continue
        cands.append(m)
    if not cands:
        return None
    best = max(cands, key=lambda m: (is_expected(m.state), m.last_published))
    return best, "joined the meeting it was moved from"


# --------------------------------------------------------------------------- 2. dated


def dated_prefilter(
    report: MeetingReport, published: datetime, rules: TimelineRules
) -> list[Prefilter]:
    """Meetings reported for nearby days; an undated plan named at the report's venue."""
    rrange = report_range(report)
    if rrange is None:
        return []
    out: list[Prefilter] = [_named_days(list(rrange), rules)]
    if report.venue is not None:
        out.append(ExpectedNamingVenue(frozenset({report.venue}), _since(published, rules)))
    return out


def dated(
    meetings: Sequence[Meeting], report: MeetingReport, published: datetime, rules: TimelineRules
) -> Assignment | None:
    """Same venue (or one side's unknown, with compatible participants) and overlapping
    days; adjacent days when both sides are plans or both past; two plans at one venue
    up to ``date_window_days`` apart. A plan never joins a past round unless the days
    overlap. A dated report that finds nothing starts a new meeting."""
    r = report
    rrange = report_range(r)
    if rrange is None:
        return None
    r_past = r.status == MeetingStatus.HELD
    scored = []
    for m in meetings:
        m_venue = m.state.venue
        same_venue = r.venue is not None and (r.venue == m_venue or r.venue in _venues(m))
        unknown = r.venue is None or m_venue is None
        if not (same_venue or unknown):
            continue
        if unknown and not same_venue and not _participants_ok(r, m):
            continue
        ranges = _ranges(m)
        if ranges:
            gap = min(gap_days(rng, rrange) for rng in ranges)
        elif same_venue and is_expected(m.state) and recent(m, published, rules):
            gap = 0  # an undated plan at this venue gets its day
        else:
            continue
        m_past = is_past(m.state)
        if m_past and not r_past:
            allowed = 0  # a plan near a past round is a new round
        elif r_past and m_past:
            allowed = 1
        elif same_venue:
            allowed = rules.date_window_days
        else:
            allowed = 1 if (r.participants and m.state.participants) else 0
        if gap > allowed:
            continue
        key = (
            same_venue,
            -max(gap, 0),
            _overlap(r.participants, m.state.participants),
            m.last_published,
        )
        scored.append((key, m))
    if scored:
        best = max(scored, key=lambda sm: sm[0])[1]
        return best, "joined the meeting at the same place on the same or nearby days"
    return None, "no meeting on those days there: new entry"


# --------------------------------------------------------------------------- 3. undated, venue


def undated_with_venue_prefilter(
    report: MeetingReport, published: datetime, rules: TimelineRules
) -> list[Prefilter]:
    """Meetings at the venue that ended lately, or undated or called off with recent news."""
    if report.date is not None or report.venue is None:
        return []
    ended_since = published.date() - timedelta(days=rules.held_window_days + 1)
    return [AtVenue(frozenset({report.venue}), ended_since, _since(published, rules))]


def undated_with_venue(
    meetings: Sequence[Meeting], report: MeetingReport, published: datetime, rules: TimelineRules
) -> Assignment | None:
    """ "Held" joins the meeting there under way or just ended; anything else the meeting
    still expected there (soonest dated one ahead, else the most recent undated one), or
    a recently postponed or cancelled one. Settles the report either way."""
    r = report
    if r.date is not None or r.venue is None:
        return None
    here = [m for m in meetings if m.state.venue == r.venue]
    if r.status == MeetingStatus.HELD:
        return _just_held_there(here, published, rules)
    pub = published.date()
    live = []
    for m in here:
        if not is_expected(m.state):
            continue
        end = last_day(m.state)
        if end is None:
            if recent(m, published, rules):
                live.append(((1, -m.last_published.timestamp()), m))
        elif end >= pub - timedelta(days=1):
            live.append(((0, float((end - pub).days)), m))
    if live:
        best = min(live, key=lambda sm: sm[0])[1]
        return best, "joined the meeting still expected there"
    off = [m for m in here if m.state.status in OFF_STATUSES and recent(m, published, rules)]
    if off:
        best = max(off, key=lambda m: m.last_published)
        return best, f"joined the recently {best.state.status.value} meeting there"
    return None, "no live meeting there: new entry"


def _just_held_there(
    here: Sequence[Meeting], published: datetime, rules: TimelineRules
) -> Assignment:
    pub = published.date()
    held_cands = []
    for m in here:
        end = last_day(m.state)
        if end is None:
            if (is_expected(m.state) or is_past(m.state)) and recent(m, published, rules):
                held_cands.append((date.min, m.last_published, m))
            continue
        under_way = (
            is_expected(m.state)
            and m.state.date is not None
            and (m.state.date <= pub + timedelta(days=1))
        )
        just_past = is_past(m.state) and end >= pub - timedelta(days=rules.held_window_days)
        if under_way or just_past:
            held_cands.append((end, m.last_published, m))
    if held_cands:
        best = max(held_cands, key=lambda t: (t[0], t[1]))[2]
        return best, "joined the meeting there that just took place"
    return None, "no recent meeting there: new entry"


# --------------------------------------------------------------------------- 4. participants


def same_participants_prefilter(
    report: MeetingReport, published: datetime, rules: TimelineRules
) -> list[Prefilter]:
    """Live meetings sharing a participant, with recent news."""
    if report.venue is not None or report.date is not None or not report.participants:
        return []
    return [LiveSharingParticipant(frozenset(report.participants), _since(published, rules))]


def same_participants(
    meetings: Sequence[Meeting], report: MeetingReport, published: datetime, rules: TimelineRules
) -> Assignment | None:
    """No venue, no day: the live meeting (expected or postponed) sharing the most
    participants."""
    r = report
    if r.venue is not None or r.date is not None or not r.participants:
        return None
    pub = published.date()
    scored = []
    for m in meetings:
        if not (is_expected(m.state) or m.state.status == MeetingStatus.POSTPONED):
            continue
        if not recent(m, published, rules):
            continue
        end = last_day(m.state)
        if end is not None and end < pub - timedelta(days=1):
            continue
        ov = _overlap(r.participants, m.state.participants)
        if ov:
            scored.append(((ov, -(end or date.max).toordinal(), m.last_published), m))
    if not scored:
        return None
    best = max(scored, key=lambda sm: sm[0])[1]
    return best, "joined the live meeting with the same participants"


# --------------------------------------------------------------------------- 5. expected soon


def _unnamed_change(report: MeetingReport) -> bool:
    return (
        report.venue is None
        and report.date is None
        and (report.status in OFF_STATUSES or report.status == MeetingStatus.RESCHEDULED)
    )


def only_meeting_expected_soon_prefilter(
    report: MeetingReport, published: datetime, rules: TimelineRules
) -> list[Prefilter]:
    """Every meeting expected from the day before publication to ``soon_days`` after."""
    if not _unnamed_change(report):
        return []
    pub = published.date()
    return [ExpectedBetween(pub - timedelta(days=1), pub + timedelta(days=rules.soon_days))]


def only_meeting_expected_soon(
    meetings: Sequence[Meeting], report: MeetingReport, published: datetime, rules: TimelineRules
) -> Assignment | None:
    """ "The next round has been postponed": a change of plan that names no venue, no day
    and no known participants refers to the one meeting expected soon, if there is
    exactly one."""
    if not _unnamed_change(report):
        return None
    pub = published.date()
    soon = [
        m
        for m in meetings
        if is_expected(m.state)
        and (end := last_day(m.state)) is not None
        and end >= pub - timedelta(days=1)
        and m.state.date is not None
        and m.state.date <= pub + timedelta(days=rules.soon_days)
    ]
    if len(soon) != 1:
        return None
    return soon[0], "joined the only meeting expected soon (the report names no other)"


# --------------------------------------------------------------------------- the order

Rule = Callable[[Sequence[Meeting], MeetingReport, datetime, TimelineRules], Assignment | None]
RulePrefilter = Callable[[MeetingReport, datetime, TimelineRules], list[Prefilter]]

# (rule, its pre-filter), in the documented order
RULES: tuple[tuple[Rule, RulePrefilter], ...] = (
    (moved_from, moved_from_prefilter),
    (dated, dated_prefilter),
    (undated_with_venue, undated_with_venue_prefilter),
    (same_participants, same_participants_prefilter),
    (only_meeting_expected_soon, only_meeting_expected_soon_prefilter),
)


def find_meeting(
    meetings: Sequence[Meeting],
    report: MeetingReport,
    published: datetime,
    rules: TimelineRules = DEFAULT_RULES,
) -> Assignment:
    """The meeting a report belongs to (None: none fits), and the rule that decided."""
    for rule, _ in RULES:
        found = rule(meetings, report, published, rules)
        if found is not None:
            return found
    return None, "no venue, no day and no matching participants: ignored"


def candidate_filter(
    report: MeetingReport, published: datetime, rules: TimelineRules = DEFAULT_RULES
) -> tuple[Prefilter, ...]:
    """What a store must load (any predicate holding) so that :func:`find_meeting` sees
    every meeting it could pick: the pre-filters of the rules this report reaches."""
    out: dict[Prefilter, None] = {}
    for _, prefilter in RULES:
        for predicate in prefilter(report, published, rules):
            out.setdefault(predicate, None)
    return tuple(out)
