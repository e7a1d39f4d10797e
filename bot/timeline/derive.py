"""The current state, derived literally from all of a meeting's reports, with reasons
(docs/timeline.md, "The current state"); ``bot meeting ID`` prints them.

Each rule is one decider of :mod:`bot.timeline.state`; this module gathers what each
reads from all reports and says why. Recording a report does not come here: it gathers
the same from running tallies (:mod:`bot.timeline.tally`), and the tests hold both
equal.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from bot.models import MeetingState, MeetingStatus
from bot.timeline import state
from bot.timeline.model import (
    DEFAULT_RULES,
    PLAN_STATUSES,
    DayRange,
    Meeting,
    ReportEntry,
    TimelineRules,
    day_range,
    describe,
    format_days,
    gap_days,
    in_reading_order,
    presumed,
    reading_key,
    report_range,
)
from bot.timeline.state import Content, step_decider

Why = list[str]


def _label(entry: ReportEntry) -> str:
    src = entry.source
    who = src.outlet or src.link or src.item_key or "unknown source"
    flags = []
    if entry.report.official:
        flags.append("official")
    if entry.report.tentative:
        flags.append("tentative")
    extra = f", {'/'.join(flags)}" if flags else ""
    return f"{who} ({src.lang}, {src.published.date().isoformat()}{extra})"


def _weight(entry: ReportEntry, newest: datetime, rules: TimelineRules) -> float:
    """The report's vote (:attr:`~bot.timeline.state.Content.vote_factor`), halving every
    half-life back from the meeting's newest report."""
    age = max((newest - entry.source.published).total_seconds() / 86400.0, 0.0)
    return Content.of(entry.report).vote_factor * float(0.5 ** (age / rules.half_life_days))


def _is_mover(entry: ReportEntry) -> bool:
    return Content.of(entry.report).is_mover


def _voided(entry: ReportEntry, movers: Sequence[ReportEntry], *, venue: bool) -> bool:
    """Does a rescheduling report void this report's day (or venue)?"""
    r = entry.report
    for mover in movers:
        m = mover.report
        if mover is entry:
            continue
        later = reading_key(entry) > reading_key(mover)
        if later and (r.official or r.status == MeetingStatus.RESCHEDULED):
            continue  # a newer official word or a move back counts again
        if venue:
            if m.previous_venue is not None and r.venue == m.previous_venue:
                return True
        else:
            rng = report_range(r)
            if m.previous_date is not None:
                if rng and rng[0] <= m.previous_date <= rng[1]:
                    return True
            elif not later and rng is not None:
                # "moved to 5 Dec" with no "from": every earlier day that the new
                # range does not cover is the one it was moved from.
                mrng = report_range(m)
                if mrng is not None and gap_days(rng, mrng) > 0:
                    return True
    return False


def _backs(entry: ReportEntry, crange: DayRange | None) -> bool:
    """The report supports the chosen day (any report does while no day is known)."""
    rng = report_range(entry.report)
    return crange is None or (rng is not None and gap_days(rng, crange) <= 0)


def derive_state(
    entries: Sequence[ReportEntry],
    now: datetime,
    rules: TimelineRules = DEFAULT_RULES,
    prior: MeetingState | None = None,
) -> tuple[MeetingState, tuple[str, ...]]:
    """The state all reports support, and why, rule by rule.

    ``prior`` is the previously derived state: it only supplies where the meeting was
    moved from (``previous_date``/``previous_venue``), which is history, not a vote.
    """
    if not entries:
        raise ValueError("a meeting needs at least one report")
    ordered = in_reading_order(entries)
    newest = ordered[-1].source.published
    why: Why = []
    movers = [e for e in ordered if _is_mover(e)]
    decider = decide_status(ordered, why)
    chosen = vote_day(ordered, movers, newest, rules, why)
    venue = vote_venue(ordered, movers, newest, rules, why)
    start, end = chosen if chosen else (None, None)
    crange = day_range(start, end)
    backing = [e for e in ordered if _backs(e, crange)]
    latest_move = next(
        (e for e in reversed(backing) if e.report.status == MeetingStatus.RESCHEDULED), None
    )
    prev_date, prev_venue = state.decide_moved_from(
        prior, Content.of(latest_move.report) if latest_move else None, crange, venue
    )
    if decider.report.status in PLAN_STATUSES:
        backing_contents = [Content.of(e.report) for e in backing]
        status = state.decide_rescheduled(prev_date, prev_venue, backing_contents)
    else:
        status = decider.report.status
    tentative = decide_tentative(ordered, decider, backing, venue, why)
    timed = [
        (reading_key(e), e.report.time)
        for e in backing
        if e.report.time is not None and not _voided(e, movers, venue=False)
    ]
    vague = [(reading_key(e), e.report.period) for e in ordered if e.report.period]
    time, period = state.decide_time_and_period(timed, vague, crange is not None)
    participants: dict[str, None] = {}
    for e in ordered:
        for p in e.report.participants:
            participants.setdefault(p, None)
    is_presumed = presumed(status, crange[1] if crange else None, now, rules)
    if is_presumed:
        why.append(
            f"presumed held: its last day passed more than "
            f"{rules.presumed_held_after_days} day(s) ago with no report saying otherwise"
        )
    derived = MeetingState(
        venue=venue,
        date=start,
        date_end=end,
        status=status,
        tentative=tentative,
        participants=tuple(participants),
        presumed_held=is_presumed,
        previous_date=prev_date,
        previous_venue=prev_venue,
        time=time,
        period=period,
        unverified=not any(e.report.understood for e in ordered),
    )
    return derived, tuple(why)


def decide_status(ordered: Sequence[ReportEntry], why: Why) -> ReportEntry:
    """Status: the reports in publication order, each taking over from the decider as
    :func:`bot.timeline.state.step_decider` says; the report that decides."""
    decider = ordered[0]
    current = Content.of(decider.report)
    for entry in ordered[1:]:
        after = step_decider(current, Content.of(entry.report))
        if after is not current:
            decider, current = entry, after
    group = decider.report.status
    why.append(f"status {group.value}: decided by {_label(decider)}")
    for e in ordered:
        if (
            e.report.status != group
            and not (e.report.status in PLAN_STATUSES and group in PLAN_STATUSES)
            and reading_key(e) > reading_key(decider)
        ):
            why.append(
                f"  not overturned by {_label(e)} saying {e.report.status.value}: "
                "a tentative report does not outweigh a firm one"
            )
    return decider


def vote_day(
    ordered: Sequence[ReportEntry],
    movers: Sequence[ReportEntry],
    newest: datetime,
    rules: TimelineRules,
    why: Why,
) -> tuple[date, date | None] | None:
    """Day (:func:`bot.timeline.state.vote_day`) over the reports no rescheduling voided."""
    voters = [e for e in ordered if e.report.date is not None]
    voters = [e for e in voters if not _voided(e, movers, venue=False)]
    by_range: dict[DayRange, tuple[float, tuple[datetime, datetime, int]]] = {}
    for e in voters:
        rng = report_range(e.report)
        assert rng is not None
        total = by_range[rng][0] if rng in by_range else 0.0
        by_range[rng] = (total + _weight(e, newest, rules), reading_key(e))
    chosen = state.vote_day(by_range)
    if chosen is not None:
        crange = (chosen[0], chosen[1] or chosen[0])
        support = sum(w for rng, (w, _) in by_range.items() if gap_days(rng, crange) <= 0)
        backers = [e for e in voters if _backs(e, crange)]
        why.append(
            f"day {format_days(*chosen)}: support {round(support, 6):.2f} from "
            + "; ".join(_label(e) for e in backers)
        )
        others = {format_days(e.report.date, e.report.date_end) for e in voters if e not in backers}
        if others:
            why.append(f"  outvoted days: {', '.join(sorted(others))}")
    voided = [e for e in ordered if e.report.date is not None and e not in voters]
    if voided:
        why.append(
            "  days superseded by a rescheduling: "
            + ", ".join(format_days(e.report.date, e.report.date_end) for e in voided)
        )
    return chosen


def vote_venue(
    ordered: Sequence[ReportEntry],
    movers: Sequence[ReportEntry],
    newest: datetime,
    rules: TimelineRules,
    why: Why,
) -> str | None:
    """Venue (:func:`bot.timeline.state.vote_venue`) over the reports no move voided."""
    support: dict[str, float] = {}
    last: dict[str, tuple[datetime, datetime, int]] = {}
    for e in ordered:
        v = e.report.venue
        if v is None or _voided(e, movers, venue=True):
            continue
        support[v] = support.get(v, 0.0) + state.venue_weight(v, _weight(e, newest, rules))
        last[v] = reading_key(e)
    venue = state.vote_venue(support, last)
    if venue is None:
        why.append("venue unknown: no report names a place")
        return None
    why.append(f"venue {venue}: support {support[venue]:.2f}")
    rest = sorted(v for v in support if v != venue)
    if rest:
        why.append(f"  outvoted venues: {', '.join(rest)}")
    return venue


def decide_tentative(
    ordered: Sequence[ReportEntry],
    decider: ReportEntry,
    backing: Sequence[ReportEntry],
    venue: str | None,
    why: Why,
) -> bool:
    """Tentative (:func:`bot.timeline.state.decide_tentative`), and the report that
    confirmed it."""
    decided = Content.of(decider.report)
    tentative = state.decide_tentative(
        decided,
        (Content.of(e.report) for e in ordered),
        (Content.of(e.report) for e in backing),
        venue,
    )
    if decided.status not in PLAN_STATUSES:
        if tentative:
            why.append(f"tentative: every report saying {decided.status.value} hedges")
        return tentative
    if tentative:
        why.append("tentative: no firm report supports this day and place yet")
    else:
        first = next(e for e in backing if state.confirms(Content.of(e.report), venue))
        why.append(f"confirmed (not tentative) by {_label(first)}")
    return tentative


def explain(
    meeting: Meeting, now: datetime | None = None, rules: TimelineRules = DEFAULT_RULES
) -> tuple[str, ...]:
    """Why the meeting is in its state: which report decided day, venue and status."""
    when = now or meeting.updated_at
    _, why = derive_state(meeting.reports, when, rules, meeting.state)
    head = f"state: {describe(meeting.state)}; {len(meeting.sources())} source(s)"
    return (head, *why)
