"""The current state, derived literally from all of a meeting's reports, with reasons
(docs/timeline.md, "The current state"); ``bot meeting ID`` prints them.

Each rule is one decider. Recording a report does not come here: it reads the same rules
from running tallies (:mod:`bot.timeline.tally`, deciders of the same names), and the
tests hold both equal.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from bot.models import MeetingState, MeetingStatus, Period, TimeOfDay
from bot.timeline.model import (
    DEFAULT_RULES,
    OFF_STATUSES,
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
    moved,
    presumed,
    reading_key,
    report_range,
    state_range,
    strength,
)
from bot.timeline.tally import Content, step_decider

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
    age = max((newest - entry.source.published).total_seconds() / 86400.0, 0.0)
    w = strength(entry.report) * float(0.5 ** (age / rules.half_life_days))
    if entry.report.status == MeetingStatus.HELD and not entry.report.tentative:
        w *= 2
    return w


def _is_mover(entry: ReportEntry) -> bool:
    r = entry.report
    return (
        r.previous_date is not None
        or bool(r.previous_venue)
        or (r.status == MeetingStatus.RESCHEDULED and r.date is not None)
    )


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
    prev_date, prev_venue = decide_moved_from(ordered, prior, crange, start, venue)
    group = decider.report.status
    if group in PLAN_STATUSES:
        status = decide_rescheduled(ordered, crange, prev_date, prev_venue)
    else:
        status = group
    tentative = decide_tentative(ordered, decider, crange, venue, why)
    time, period = decide_time_and_period(ordered, crange, movers)
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
    state = MeetingState(
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
    return state, tuple(why)


def decide_status(ordered: Sequence[ReportEntry], why: Why) -> ReportEntry:
    """Status: the reports in publication order, each taking over from the decider as
    :func:`bot.timeline.tally.step_decider` says; the report that decides."""
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
    """Day: recency-weighted votes over overlapping ranges; ties to the fuller range,
    then the newer report. Days a rescheduling voided do not vote."""
    voters = [
        e for e in ordered if e.report.date is not None and not _voided(e, movers, venue=False)
    ]
    chosen: tuple[date, date | None] | None = None
    best_key: tuple[float, int, tuple[datetime, datetime, int]] | None = None
    for cand in voters:
        crng = report_range(cand.report)
        assert crng is not None
        support = 0.0
        for voter in voters:
            vrng = report_range(voter.report)
            if vrng is not None and gap_days(vrng, crng) <= 0:
                support += _weight(voter, newest, rules)
        key = (round(support, 6), (crng[1] - crng[0]).days, reading_key(cand))
        if best_key is None or key > best_key:
            best_key = key
            chosen = (crng[0], crng[1] if crng[1] != crng[0] else None)
    if best_key is not None and chosen is not None:
        backers = [e for e in voters if _backs(e, (chosen[0], chosen[1] or chosen[0]))]
        why.append(
            f"day {format_days(*chosen)}: support {best_key[0]:.2f} from "
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
    """Venue: the same vote; places outside the watchlist count half."""
    support: dict[str, float] = {}
    last: dict[str, tuple[datetime, datetime, int]] = {}
    for e in ordered:
        v = e.report.venue
        if v is None or _voided(e, movers, venue=True):
            continue
        w = _weight(e, newest, rules) * (0.5 if v.startswith("other:") else 1.0)
        support[v] = support.get(v, 0.0) + w
        last[v] = reading_key(e)
    if not support:
        why.append("venue unknown: no report names a place")
        return None
    venue = max(support, key=lambda v: (round(support[v], 6), last[v]))
    why.append(f"venue {venue}: support {support[venue]:.2f}")
    rest = sorted(v for v in support if v != venue)
    if rest:
        why.append(f"  outvoted venues: {', '.join(rest)}")
    return venue


def decide_moved_from(
    ordered: Sequence[ReportEntry],
    prior: MeetingState | None,
    crange: DayRange | None,
    start: date | None,
    venue: str | None,
) -> tuple[date | None, str | None]:
    """Where it moved from: the derived history, else the newest rescheduling report
    backing the chosen day; never the current day or venue itself."""
    prev_date = prior.previous_date if prior else None
    prev_venue = prior.previous_venue if prior else None
    if prior is not None and moved(state_range(prior), crange):
        prev_date = prior.date
    if prior is not None and prior.venue and venue and venue != prior.venue:
        prev_venue = prior.venue
    for e in reversed(ordered):
        r = e.report
        if r.status == MeetingStatus.RESCHEDULED and _backs(e, crange):
            if prev_date is None and r.previous_date is not None:
                prev_date = r.previous_date
            if prev_venue is None and r.previous_venue is not None:
                prev_venue = r.previous_venue
            break
    if prev_date is not None and prev_date == start:
        prev_date = None
    if prev_venue is not None and prev_venue == venue:
        prev_venue = None
    return prev_date, prev_venue


def decide_rescheduled(
    ordered: Sequence[ReportEntry],
    crange: DayRange | None,
    prev_date: date | None,
    prev_venue: str | None,
) -> MeetingStatus:
    """A plan is ``rescheduled`` once its day or venue moved, else ``upcoming``."""
    moved_flag = (
        prev_date is not None
        or prev_venue is not None
        or any(e.report.status == MeetingStatus.RESCHEDULED and _backs(e, crange) for e in ordered)
    )
    return MeetingStatus.RESCHEDULED if moved_flag else MeetingStatus.UPCOMING


def decide_tentative(
    ordered: Sequence[ReportEntry],
    decider: ReportEntry,
    crange: DayRange | None,
    venue: str | None,
    why: Why,
) -> bool:
    """Tentative: a plan until a firm report supports its day (or, undated, its place);
    any other status while every report saying it hedges."""
    group = decider.report.status
    if group in PLAN_STATUSES:
        confirmers = [
            e
            for e in ordered
            if not e.report.tentative
            and e.report.status not in OFF_STATUSES
            and (e.report.venue is None or venue is None or e.report.venue == venue)
            and _backs(e, crange)
        ]
        if confirmers:
            why.append(f"confirmed (not tentative) by {_label(confirmers[0])}")
        else:
            why.append("tentative: no firm report supports this day and place yet")
        return not confirmers
    tentative = decider.report.tentative and not any(
        e.report.status == group and not e.report.tentative for e in ordered
    )
    if tentative:
        why.append(f"tentative: every report saying {group.value} hedges")
    return tentative


def decide_time_and_period(
    ordered: Sequence[ReportEntry],
    crange: DayRange | None,
    movers: Sequence[ReportEntry],
) -> tuple[TimeOfDay | None, Period | None]:
    """The stated time of day, from the newest report that backs the chosen day (or any
    report while no day is known); the vague period, only while no day is known, from
    the newest report giving one."""
    time: TimeOfDay | None = None
    for entry in reversed(ordered):
        if (
            entry.report.time is not None
            and _backs(entry, crange)
            and not _voided(entry, movers, venue=False)
        ):
            time = entry.report.time
            break
    if crange is not None:
        return time, None
    period = next((e.report.period for e in reversed(ordered) if e.report.period), None)
    return time, period


def explain(
    meeting: Meeting, now: datetime | None = None, rules: TimelineRules = DEFAULT_RULES
) -> tuple[str, ...]:
    """Why the meeting is in its state: which report decided day, venue and status."""
    when = now or meeting.updated_at
    _, why = derive_state(meeting.reports, when, rules, meeting.state)
    head = f"state: {describe(meeting.state)}; {len(meeting.sources())} source(s)"
    return (head, *why)
