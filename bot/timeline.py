"""The timeline: meetings as objects with a lifecycle, built from article reports.

Pure functions over frozen records; no I/O, no clock (``now`` is always an argument).
The store persists :class:`TimelineMeeting` records and calls :func:`merge` inside the
transaction that records an article; replay and tests call it on plain lists.

Merging (which entry does a report belong to?) -- first rule that finds a candidate wins:

1. *Moved from.* A report with ``previous_date``/``previous_venue`` joins the meeting
   that had that old day (any day it was ever reported for) at that old venue (or at
   the report's venue when no old venue is stated). Meetings already held are skipped.
2. *Dated.* Same venue (or one side's venue unknown, with compatible participants) and
   days that overlap. Days that are merely adjacent (gap of one day) are enough when
   both sides are in the same phase (both plans, or both past). Two plans at the same
   venue within ``date_window_days`` are one meeting whose sources disagree on the day.
   A plan never joins a past (held / presumed held) meeting unless its days overlap:
   "talks on the 25th" after "talks held on the 23rd-24th" is a new round.
3. *Undated, with a venue.* A held report joins the meeting at that venue that has just
   happened or is under way; any other report joins the live expected meeting there
   (soonest dated one still ahead, else the most recent undated one). A plan report
   may also revive a recently postponed/cancelled meeting there (status rules decide
   whether it actually flips back).
4. *No venue, no day.* Joins the live (expected or postponed) meeting sharing the most
   participants. With no participant overlap the report is **ignored** (the article is
   still stored as seen): a vague "talks will continue" creates no entry.

A report that matches nothing creates a new meeting when it has a venue or a day.
Undated entries older than ``recent_days`` (by their newest report) stop being merge
targets and drop out of :func:`upcoming`.

State (derived from ALL reports, explained by :func:`explain`):

* Report strength: tentative = 1, plain = 2, +1 when attributed to an official.
* Status: reports are read in publication order; a newer report takes over unless it
  is tentative and the deciding report is not (an official statement outweighs an
  unnamed-sources report). A weaker report still takes over a postponement, denial or
  cancellation when it brings a day that report did not name (genuinely new
  information). A non-tentative "held" is final.
* Day and venue: every report votes with strength x 0.5^(age/half_life), age measured
  from the meeting's newest report (so newer news overrides older news, yet one newer
  outlier does not outvote several agreeing outlets). A day voted for counts for every
  candidate range it overlaps; ties prefer the fuller range, then the newer report.
  Held reports vote double (facts after the event beat plans). A ``rescheduled`` report
  voids the support of its old day/venue from reports that are not newer,
  official reschedulings.
* Tentative: a plan stays tentative until a non-tentative report supports its current
  day (or, undated, its venue); moving to a day nobody confirmed makes it tentative again.
* Plan status is ``rescheduled`` once the day or venue has moved (``previous_date`` /
  ``previous_venue`` remember where from), else ``upcoming``.
* Presumed held: a plan whose last day lies more than ``presumed_held_after_days``
  before today (UTC) is presumed held; it is never "upcoming" again unless a report
  moves it.

Changes: at most one per merge, the most significant of HELD > CANCELLED / DENIED /
POSTPONED > RESCHEDULED > CONFIRMED > PRESUMED_HELD; ANNOUNCED for a new plan (or the
status kind for a new cancelled/denied/postponed entry). A new entry first known as
already held makes no change (nothing to alert). A report that leaves the derived day,
venue, status and tentativeness as they were (a second outlet) makes no change.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from bot.models import (
    Change,
    ChangeKind,
    MeetingReport,
    MeetingState,
    MeetingStatus,
    MeetingView,
    Period,
    SourceRef,
    TimeOfDay,
)

if TYPE_CHECKING:
    from bot.tally import Content, MeetingTally

PLAN_STATUSES = frozenset({MeetingStatus.UPCOMING, MeetingStatus.RESCHEDULED})
OFF_STATUSES = frozenset({MeetingStatus.POSTPONED, MeetingStatus.CANCELLED, MeetingStatus.DENIED})
_OFF_KIND = {
    MeetingStatus.POSTPONED: ChangeKind.POSTPONED,
    MeetingStatus.CANCELLED: ChangeKind.CANCELLED,
    MeetingStatus.DENIED: ChangeKind.DENIED,
}
_PRIORITY = {
    ChangeKind.ANNOUNCED: 0,
    ChangeKind.HELD: 1,
    ChangeKind.CANCELLED: 2,
    ChangeKind.DENIED: 2,
    ChangeKind.POSTPONED: 2,
    ChangeKind.RESCHEDULED: 3,
    ChangeKind.CONFIRMED: 4,
    ChangeKind.PRESUMED_HELD: 5,
}


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


@dataclass(frozen=True)
class TimelineMeeting:
    """A meeting: its reports, the state derived from them, and its times."""

    id: int | None  # None until the store has inserted it
    reports: tuple[ReportEntry, ...]
    state: MeetingState
    created_at: datetime
    updated_at: datetime
    # running tallies of the reports (bot.tally): what merging needs, whether or not
    # ``reports`` is loaded (the store loads candidates without their reports)
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
        for entry in _ordered(self.reports):
            key = entry.source.link or entry.source.item_key or repr(entry.source)
            seen.setdefault(key, entry.source)
        return tuple(seen.values())

    def view(self) -> MeetingView:
        return MeetingView(id=self.id or 0, state=self.state, sources=self.sources())


@dataclass(frozen=True)
class MergeResult:
    """Where a report went and what changed. ``meeting`` is None when it was ignored."""

    meeting: TimelineMeeting | None
    is_new: bool
    changes: tuple[Change, ...]
    reason: str

    def with_id(self, meeting_id: int) -> MergeResult:
        """Bind the id the store gave a new meeting (changes carry it too)."""
        if self.meeting is None:
            return self
        return MergeResult(
            meeting=replace(self.meeting, id=meeting_id),
            is_new=self.is_new,
            changes=tuple(replace(c, meeting_id=meeting_id) for c in self.changes),
            reason=self.reason,
        )


@dataclass(frozen=True)
class CandidateFilter:
    """What a store must load so that :func:`merge` sees every meeting it could pick."""

    venues: frozenset[str]
    date_from: date | None  # report days (and old days) widened by the merge windows
    date_to: date | None
    since: datetime  # meetings with a report at least this recent (undated / live ones)
    # an unnamed change of plan: every expected meeting from soon_from to soon_until
    soon_from: date | None = None
    soon_until: date | None = None


# --------------------------------------------------------------------------- helpers


def _ordered(entries: Iterable[ReportEntry]) -> list[ReportEntry]:
    return sorted(entries, key=lambda e: (e.source.published, e.received_at, e.seq))


def strength(report: MeetingReport) -> int:
    return (1 if report.tentative else 2) + (1 if report.official else 0)


def _range(start: date | None, end: date | None) -> tuple[date, date] | None:
    if start is None:
        return None
    return (start, end if end is not None and end >= start else start)


def _gap(a: tuple[date, date], b: tuple[date, date]) -> int:
    """Days between two ranges: <= 0 when they overlap, 1 when adjacent."""
    return (max(a[0], b[0]) - min(a[1], b[1])).days


def _report_range(report: MeetingReport) -> tuple[date, date] | None:
    return _range(report.date, report.date_end)


def _state_range(state: MeetingState) -> tuple[date, date] | None:
    return _range(state.date, state.date_end)


def last_day(state: MeetingState) -> date | None:
    rng = _state_range(state)
    return rng[1] if rng else None


def _fmt_range(start: date | None, end: date | None) -> str:
    if start is None:
        return "no day"
    if end is None or end == start:
        return start.isoformat()
    return f"{start.isoformat()}–{end.isoformat()}"


def describe(state: MeetingState) -> str:
    """One line: '2026-02-04–2026-02-05, abu-dhabi, rescheduled (tentative)'."""
    parts = [_fmt_range(state.date, state.date_end), state.venue or "venue unknown"]
    status = "presumed held" if state.presumed_held else state.status.value
    if state.tentative:
        status += " (tentative)"
    parts.append(status)
    if state.previous_date or state.previous_venue:
        moved = ", ".join(
            x
            for x in (state.previous_date and state.previous_date.isoformat(), state.previous_venue)
            if x
        )
        parts.append(f"moved from {moved}")
    return ", ".join(parts)


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


def is_past(state: MeetingState) -> bool:
    return state.status == MeetingStatus.HELD or state.presumed_held


def is_expected(state: MeetingState) -> bool:
    """Still expected to happen: a plan (upcoming/rescheduled) not presumed held."""
    return state.status in PLAN_STATUSES and not state.presumed_held


def _presumed(status: MeetingStatus, end: date | None, now: datetime, rules: TimelineRules) -> bool:
    if status not in PLAN_STATUSES or end is None:
        return False
    return now.date() > end + timedelta(days=rules.presumed_held_after_days)


# --------------------------------------------------------------------------- derivation


def _weight(entry: ReportEntry, newest: datetime, rules: TimelineRules) -> float:
    age = max((newest - entry.source.published).total_seconds() / 86400.0, 0.0)
    w = strength(entry.report) * float(0.5 ** (age / rules.half_life_days))
    if entry.report.status == MeetingStatus.HELD and not entry.report.tentative:
        w *= 2
    return w


def _voided(entry: ReportEntry, movers: Sequence[ReportEntry], *, venue: bool) -> bool:
    """Does a rescheduling report void this report's day (or venue)?"""
    r = entry.report
    for mover in movers:
        m = mover.report
        if mover is entry:
            continue
        later = (entry.source.published, entry.received_at, entry.seq) > (
            mover.source.published,
            mover.received_at,
            mover.seq,
        )
        if later and (r.official or r.status == MeetingStatus.RESCHEDULED):
            continue  # a newer official word or a move back counts again
        if venue:
            if m.previous_venue is not None and r.venue == m.previous_venue:
                return True
        else:
            rng = _report_range(r)
            if m.previous_date is not None:
                if rng and rng[0] <= m.previous_date <= rng[1]:
                    return True
            elif not later and rng is not None:
                # "moved to 5 Dec" with no "from": every earlier day that the new
                # range does not cover is the one it was moved from.
                mrng = _report_range(m)
                if mrng is not None and _gap(rng, mrng) > 0:
                    return True
    return False


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
    ordered = _ordered(entries)
    newest = ordered[-1].source.published
    why: list[str] = []
    movers = [
        e
        for e in ordered
        if e.report.previous_date is not None
        or e.report.previous_venue
        or (e.report.status == MeetingStatus.RESCHEDULED and e.report.date is not None)
    ]

    # --- status: publication order, tentative reports do not overturn firm ones
    decider = ordered[0]
    for entry in ordered[1:]:
        cur, new = decider.report, entry.report
        if cur.status == MeetingStatus.HELD and not cur.tentative:
            if new.status == MeetingStatus.HELD:
                decider = entry
            continue
        if strength(new) >= min(strength(cur), 2):
            decider = entry
        elif (
            new.status in PLAN_STATUSES
            and cur.status in OFF_STATUSES
            and new.date is not None
            and new.date != cur.date
        ):
            decider = entry  # weaker, but brings a day the postponement did not name
    group = decider.report.status
    why.append(f"status {group.value}: decided by {_label(decider)}")
    ignored = [
        e
        for e in ordered
        if e.report.status != group
        and not (e.report.status in PLAN_STATUSES and group in PLAN_STATUSES)
        and (e.source.published, e.received_at, e.seq)
        > (decider.source.published, decider.received_at, decider.seq)
    ]
    for e in ignored:
        why.append(
            f"  not overturned by {_label(e)} saying {e.report.status.value}: "
            "a tentative report does not outweigh a firm one"
        )

    # --- day: recency-weighted votes over overlapping ranges
    day_voters = [
        e for e in ordered if e.report.date is not None and not _voided(e, movers, venue=False)
    ]
    chosen: tuple[date, date | None] | None = None
    if day_voters:
        best_key: tuple[float, int, tuple[datetime, datetime, int]] | None = None
        for cand in day_voters:
            crng = _report_range(cand.report)
            assert crng is not None
            support = 0.0
            for voter in day_voters:
                vrng = _report_range(voter.report)
                if vrng is not None and _gap(vrng, crng) <= 0:
                    support += _weight(voter, newest, rules)
            width = (crng[1] - crng[0]).days
            key = (round(support, 6), width, (cand.source.published, cand.received_at, cand.seq))
            if best_key is None or key > best_key:
                best_key = key
                chosen = (crng[0], crng[1] if crng[1] != crng[0] else None)
        assert best_key is not None and chosen is not None
        backers = [
            e
            for e in day_voters
            if (rng := _report_range(e.report)) is not None
            and _gap(rng, (chosen[0], chosen[1] or chosen[0])) <= 0
        ]
        why.append(
            f"day {_fmt_range(*chosen)}: support {best_key[0]:.2f} from "
            + "; ".join(_label(e) for e in backers)
        )
        others = {
            _fmt_range(e.report.date, e.report.date_end) for e in day_voters if e not in backers
        }
        if others:
            why.append(f"  outvoted days: {', '.join(sorted(others))}")
    voided_days = [e for e in ordered if e.report.date is not None and e not in day_voters]
    if voided_days:
        why.append(
            "  days superseded by a rescheduling: "
            + ", ".join(_fmt_range(e.report.date, e.report.date_end) for e in voided_days)
        )

    # --- venue: the same vote; places outside the watchlist count half
    venue_support: dict[str, float] = {}
    venue_last: dict[str, tuple[datetime, datetime, int]] = {}
    for e in ordered:
        v = e.report.venue
        if v is None or _voided(e, movers, venue=True):
            continue
        w = _weight(e, newest, rules) * (0.5 if v.startswith("other:") else 1.0)
        venue_support[v] = venue_support.get(v, 0.0) + w
        venue_last[v] = (e.source.published, e.received_at, e.seq)
    venue: str | None = None
    if venue_support:
        venue = max(venue_support, key=lambda v: (round(venue_support[v], 6), venue_last[v]))
        why.append(f"venue {venue}: support {venue_support[venue]:.2f}")
        rest = sorted(v for v in venue_support if v != venue)
        if rest:
            why.append(f"  outvoted venues: {', '.join(rest)}")
    else:
        why.append("venue unknown: no report names a place")

    start, end = chosen if chosen else (None, None)
    crange = _range(start, end)

    # --- where it moved from: explicit in a rescheduling report, else derived history
    prev_date = prior.previous_date if prior else None
    prev_venue = prior.previous_venue if prior else None
    if prior is not None and _moved(_state_range(prior), crange):
        prev_date = prior.date
    if prior is not None and prior.venue and venue and venue != prior.venue:
        prev_venue = prior.venue
    for e in reversed(ordered):
        r = e.report
        rng = _report_range(r)
        supports_day = crange is None or (rng is not None and _gap(rng, crange) <= 0)
        if r.status == MeetingStatus.RESCHEDULED and supports_day:
            if prev_date is None and r.previous_date is not None:
                prev_date = r.previous_date
            if prev_venue is None and r.previous_venue is not None:
                prev_venue = r.previous_venue
            break
    if prev_date is not None and prev_date == start:
        prev_date = None
    if prev_venue is not None and prev_venue == venue:
        prev_venue = None

    # --- status value and tentativeness
    if group in PLAN_STATUSES:
        moved_flag = (
            prev_date is not None
            or prev_venue is not None
            or any(
                e.report.status == MeetingStatus.RESCHEDULED
                and (
                    crange is None
                    or ((rng := _report_range(e.report)) is not None and _gap(rng, crange) <= 0)
                )
                for e in ordered
            )
        )
        status = MeetingStatus.RESCHEDULED if moved_flag else MeetingStatus.UPCOMING
        confirmers = [
            e
            for e in ordered
            if not e.report.tentative
            and e.report.status not in OFF_STATUSES
            and (e.report.venue is None or venue is None or e.report.venue == venue)
            and (
                (
                    crange is not None
                    and (rng := _report_range(e.report)) is not None
                    and _gap(rng, crange) <= 0
                )
                or (crange is None)
            )
        ]
        tentative = not confirmers
        if confirmers:
            why.append(f"confirmed (not tentative) by {_label(confirmers[0])}")
        else:
            why.append("tentative: no firm report supports this day and place yet")
    else:
        status = group
        tentative = decider.report.tentative and not any(
            e.report.status == group and not e.report.tentative for e in ordered
        )
        if tentative:
            why.append(f"tentative: every report saying {group.value} hedges")

    participants: dict[str, None] = {}
    for e in ordered:
        for p in e.report.participants:
            participants.setdefault(p, None)

    time, period = _time_and_period(ordered, crange, movers)
    presumed = _presumed(status, crange[1] if crange else None, now, rules)
    if presumed:
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
        presumed_held=presumed,
        previous_date=prev_date,
        previous_venue=prev_venue,
        time=time,
        period=period,
        unverified=not any(e.report.understood for e in ordered),
    )
    return state, tuple(why)


def _time_and_period(
    ordered: Sequence[ReportEntry],
    crange: tuple[date, date] | None,
    movers: Sequence[ReportEntry],
) -> tuple[TimeOfDay | None, Period | None]:
    """The stated time of day, from the newest report that backs the chosen day (or any
    report while no day is known); the vague period, only while no day is known, from
    the newest report giving one."""
    time: TimeOfDay | None = None
    for entry in reversed(ordered):
        rng = _report_range(entry.report)
        backs = crange is None or (rng is not None and _gap(rng, crange) <= 0)
        if entry.report.time is not None and backs and not _voided(entry, movers, venue=False):
            time = entry.report.time
            break
    if crange is not None:
        return time, None
    period = next((e.report.period for e in reversed(ordered) if e.report.period), None)
    return time, period


def _moved(before: tuple[date, date] | None, after: tuple[date, date] | None) -> bool:
    """A real move of the day (not a refinement like 4 Feb -> 4-5 Feb)."""
    if before is None or after is None:
        return False
    if after[0] != before[0]:
        return True
    return not (after[0] <= before[0] and after[1] >= before[1])


# --------------------------------------------------------------------------- changes


def classify(before: MeetingState | None, after: MeetingState) -> tuple[ChangeKind, str] | None:
    """The one change (most significant) between two states, or None."""
    if before is None:
        if after.status in PLAN_STATUSES:
            return ChangeKind.ANNOUNCED, f"new meeting: {describe(after)}"
        if after.status in OFF_STATUSES:
            return _OFF_KIND[after.status], f"first reported as {after.status.value}"
        return None  # first heard of after the fact: history, not an alert
    found: list[tuple[ChangeKind, str]] = []
    brng, arng = _state_range(before), _state_range(after)
    if after.status == MeetingStatus.HELD and before.status != MeetingStatus.HELD:
        found.append((ChangeKind.HELD, "reported held"))
    if after.status in OFF_STATUSES and after.status != before.status:
        found.append((_OFF_KIND[after.status], f"{before.status.value} → {after.status.value}"))
    day_moved = _moved(brng, arng)
    day_set = brng is None and arng is not None
    venue_moved = after.venue is not None and after.venue != before.venue
    if after.status in PLAN_STATUSES:
        was_off = before.status not in PLAN_STATUSES or before.presumed_held
        if day_moved or day_set or venue_moved:
            what = []
            if day_moved or day_set:
                what.append(
                    f"day {_fmt_range(before.date, before.date_end)} → "
                    f"{_fmt_range(after.date, after.date_end)}"
                )
            if venue_moved:
                what.append(f"venue {before.venue or 'unknown'} → {after.venue}")
            found.append((ChangeKind.RESCHEDULED, "; ".join(what)))
        elif was_off and not after.presumed_held:
            kind = ChangeKind.ANNOUNCED if after.tentative else ChangeKind.CONFIRMED
            found.append((kind, f"back on after being {before.status.value}"))
    same_group = after.status == before.status or (
        after.status in PLAN_STATUSES and before.status in PLAN_STATUSES
    )
    if before.tentative and not after.tentative and same_group:
        found.append((ChangeKind.CONFIRMED, "tentative → confirmed"))
    if after.presumed_held and not before.presumed_held and after.status == before.status:
        found.append((ChangeKind.PRESUMED_HELD, "its day passed with no further report"))
    if not found:
        return None
    return min(found, key=lambda kr: _PRIORITY[kr[0]])


# --------------------------------------------------------------------------- matching


def _ranges(m: TimelineMeeting) -> list[tuple[date, date]]:
    if m.tally is not None:
        out = m.tally.ranges()
    else:
        out = [rng for e in m.reports if (rng := _report_range(e.report)) is not None]
    srng = _state_range(m.state)
    if srng is not None:
        out.append(srng)
    return out


def _venues(m: TimelineMeeting) -> set[str]:
    if m.tally is not None:
        out = m.tally.venues()
    else:
        out = {e.report.venue for e in m.reports if e.report.venue}
    if m.state.venue:
        out.add(m.state.venue)
    return out


def _overlap(a: Iterable[str], b: Iterable[str]) -> int:
    return len(set(a) & set(b))


def _participants_ok(report: MeetingReport, m: TimelineMeeting) -> bool:
    if not report.participants or not m.state.participants:
        return True
    return _overlap(report.participants, m.state.participants) > 0


def _recent(m: TimelineMeeting, ref: datetime, rules: TimelineRules) -> bool:
    return m.last_published >= ref - timedelta(days=rules.recent_days)


def candidate_filter(
    report: MeetingReport, published: datetime, rules: TimelineRules = DEFAULT_RULES
) -> CandidateFilter:
    """Bounds a store uses to load only the meetings :func:`merge` could choose."""
    venues = {v for v in (report.venue, report.previous_venue) if v}
    days = [d for d in (report.date, report.date_end, report.previous_date) if d]
    pad = timedelta(days=max(rules.date_window_days, 1))
    unnamed_change = (
        not venues
        and not days
        and (report.status in OFF_STATUSES or report.status == MeetingStatus.RESCHEDULED)
    )
    pub = published.date()
    return CandidateFilter(
        venues=frozenset(venues),
        date_from=min(days) - pad if days else None,
        date_to=max(days) + pad if days else None,
        since=published - timedelta(days=rules.recent_days),
        soon_from=pub - timedelta(days=1) if unnamed_change else None,
        soon_until=pub + timedelta(days=rules.soon_days) if unnamed_change else None,
    )


def find_meeting(
    meetings: Sequence[TimelineMeeting],
    report: MeetingReport,
    published: datetime,
    rules: TimelineRules = DEFAULT_RULES,
) -> tuple[TimelineMeeting | None, str]:
    """The meeting a report belongs to (None: none fits), and the rule that decided."""
    pub = published.date()
    r = report
    rrange = _report_range(r)

    # 1. moved from an old day / venue
    if r.previous_date is not None or r.previous_venue is not None:
        old_venue = r.previous_venue or r.venue
        cands = []
        for m in meetings:
            if m.state.status == MeetingStatus.HELD:
                continue
            if old_venue is not None and m.state.venue is not None and old_venue not in _venues(m):
                continue
            if r.previous_date is not None:
                point = (r.previous_date, r.previous_date)
                if not any(_gap(rng, point) <= 0 for rng in _ranges(m)):
                    continue
            elif not (is_expected(m.state) and _recent(m, published, rules)):
                continue
            cands.append(m)
        if cands:
            best = max(cands, key=lambda m: (is_expected(m.state), m.last_published))
            return best, "joined the meeting it was moved from"

    # 2. dated
    if rrange is not None:
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
                gap = min(_gap(rng, rrange) for rng in ranges)
            elif same_venue and is_expected(m.state) and _recent(m, published, rules):
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
            scored.append(
                (
                    (
                        same_venue,
                        -max(gap, 0),
                        _overlap(r.participants, m.state.participants),
                        m.last_published,
                    ),
                    m,
                )
            )
        if scored:
            best = max(scored, key=lambda sm: sm[0])[1]
            return best, "joined the meeting at the same place on the same or nearby days"
        return None, "no meeting on those days there: new entry"

    # 3. undated, with a venue
    if r.venue is not None:
        here = [m for m in meetings if m.state.venue == r.venue]
        if r.status == MeetingStatus.HELD:
            held_cands = []
            for m in here:
                end = last_day(m.state)
                if end is None:
                    if (is_expected(m.state) or is_past(m.state)) and _recent(m, published, rules):
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
        live = []
        for m in here:
            if not is_expected(m.state):
                continue
            end = last_day(m.state)
            if end is None:
                if _recent(m, published, rules):
                    live.append(((1, -m.last_published.timestamp()), m))
            elif end >= pub - timedelta(days=1):
                live.append(((0, float((end - pub).days)), m))
        if live:
            best = min(live, key=lambda sm: sm[0])[1]
            return best, "joined the meeting still expected there"
        off = [m for m in here if m.state.status in OFF_STATUSES and _recent(m, published, rules)]
        if off:
            best = max(off, key=lambda m: m.last_published)
            return best, f"joined the recently {best.state.status.value} meeting there"
        return None, "no live meeting there: new entry"

    # 4. no venue, no day: participants only
    if r.participants:
        scored2 = []
        for m in meetings:
            if not (is_expected(m.state) or m.state.status == MeetingStatus.POSTPONED):
                continue
            if not _recent(m, published, rules):
                continue
            end = last_day(m.state)
            if end is not None and end < pub - timedelta(days=1):
                continue
            ov = _overlap(r.participants, m.state.participants)
            if ov:
                scored2.append(((ov, -(end or date.max).toordinal(), m.last_published), m))
        if scored2:
            best = max(scored2, key=lambda sm: sm[0])[1]
            return best, "joined the live meeting with the same participants"

    # 5. "the next round has been postponed": a change of plan that names nothing
    # refers to the one meeting expected soon, if there is exactly one.
    if r.status in OFF_STATUSES or r.status == MeetingStatus.RESCHEDULED:
        soon = [
            m
            for m in meetings
            if is_expected(m.state)
            and (end := last_day(m.state)) is not None
            and end >= pub - timedelta(days=1)
            and m.state.date is not None
            and m.state.date <= pub + timedelta(days=rules.soon_days)
        ]
        if len(soon) == 1:
            return soon[0], "joined the only meeting expected soon (the report names no other)"
    return None, "no venue, no day and no matching participants: ignored"


# --------------------------------------------------------------------------- merge


def merge(
    meetings: Sequence[TimelineMeeting],
    report: MeetingReport,
    source: SourceRef,
    now: datetime,
    rules: TimelineRules = DEFAULT_RULES,
    *,
    seq: int = 0,
) -> MergeResult:
    """Fold one report into the timeline; returns the touched meeting and its changes.

    A new meeting comes back with ``id=None`` and changes carrying ``meeting_id=0``:
    bind the stored id with :meth:`MergeResult.with_id`.
    """
    target, why = find_meeting(meetings, report, source.published, rules)
    entry = ReportEntry(report=report, source=source, received_at=now, seq=seq)
    if target is None:
        if report.venue is None and report.date is None:
            return MergeResult(meeting=None, is_new=False, changes=(), reason=why)
        return new_meeting(entry, now, rules, why)
    result = extend(target, entry, now, rules, why)
    assert result is not None  # a meeting whose reports are all loaded can always be extended
    return result


def new_meeting(
    entry: ReportEntry, now: datetime, rules: TimelineRules, reason: str
) -> MergeResult:
    """A meeting first reported by ``entry``."""
    from bot import tally

    counts = tally.build([entry], rules.half_life_days)
    state = tally.derive(counts, now, rules, None)
    meeting = TimelineMeeting(
        id=None, reports=(entry,), state=state, created_at=now, updated_at=now, tally=counts
    )
    changes = _changes(0, None, state, now, entry.source)
    return MergeResult(meeting=meeting, is_new=True, changes=changes, reason=reason)


def extend(
    target: TimelineMeeting,
    entry: ReportEntry,
    now: datetime,
    rules: TimelineRules,
    reason: str,
    *,
    decider: Content | None = None,
) -> MergeResult | None:
    """Fold one report into ``target`` through its running tallies.

    ``decider`` is the status decider re-read from the report's place on, needed when the
    report is older than the meeting's newest. Returns None when the tallies cannot be
    updated and ``target`` does not carry all its reports (the store then loads them).
    """
    from bot import tally

    loaded = target.tally is None or len(target.reports) == target.tally.count
    counts = target.tally
    if counts is not None and counts.half_life_days != rules.half_life_days:
        counts = None
    updated_counts = tally.add(counts, entry, decider) if counts is not None else None
    if updated_counts is None and not loaded:
        return None
    if updated_counts is None:
        updated_counts = tally.build((*target.reports, entry), rules.half_life_days)
    state = tally.derive(updated_counts, now, rules, target.state)
    updated = replace(
        target,
        reports=(*target.reports, entry) if loaded else (),
        state=state,
        updated_at=now,
        tally=updated_counts,
    )
    return MergeResult(
        meeting=updated,
        is_new=False,
        changes=_changes(target.id or 0, target.state, state, now, entry.source),
        reason=reason,
    )


def change_between(
    meeting_id: int,
    before: MeetingState | None,
    after: MeetingState,
    now: datetime,
    source: SourceRef | None,
) -> Change | None:
    """The one Change from ``before`` to ``after`` (None: nothing worth an alert).

    The store uses it to report the *net* change of an article that carries several
    reports about one meeting, so one article never alerts twice about one meeting.
    """
    found = classify(before, after)
    if found is None:
        return None
    kind, reason = found
    return Change(
        meeting_id=meeting_id,
        kind=kind,
        before=before,
        after=after,
        at=now,
        source=source,
        reason=reason,
    )


def _changes(
    meeting_id: int,
    before: MeetingState | None,
    after: MeetingState,
    now: datetime,
    source: SourceRef | None,
) -> tuple[Change, ...]:
    change = change_between(meeting_id, before, after, now, source)
    return () if change is None else (change,)


def age(
    meetings: Iterable[TimelineMeeting], now: datetime, rules: TimelineRules = DEFAULT_RULES
) -> list[MergeResult]:
    """Presume held the plans whose last day has passed; one PRESUMED_HELD each."""
    out = []
    for m in meetings:
        state = m.state
        if state.presumed_held or not _presumed(state.status, last_day(state), now, rules):
            continue
        after = replace(state, presumed_held=True)
        change = Change(
            meeting_id=m.id or 0,
            kind=ChangeKind.PRESUMED_HELD,
            before=state,
            after=after,
            at=now,
            source=None,
            reason=f"its last day {last_day(state)} passed with no further report",
        )
        out.append(
            MergeResult(
                meeting=replace(m, state=after, updated_at=now),
                is_new=False,
                changes=(change,),
                reason="ageing",
            )
        )
    return out


def explain(
    meeting: TimelineMeeting, now: datetime | None = None, rules: TimelineRules = DEFAULT_RULES
) -> tuple[str, ...]:
    """Why the meeting is in its state: which report decided day, venue and status."""
    when = now or meeting.updated_at
    _, why = derive_state(meeting.reports, when, rules, meeting.state)
    head = f"state: {describe(meeting.state)}; {len(meeting.sources())} source(s)"
    return (head, *why)


# --------------------------------------------------------------------------- queries


def alertable(change: Change, now: datetime, rules: TimelineRules = DEFAULT_RULES) -> bool:
    """Is this change news for a chat, or only history to store?

    PRESUMED_HELD is our inference, not a report, so it updates answers without an
    alert. Changes about a meeting whose day is already well past (a feed's old item
    arriving late) are history too, except HELD, which is the news that it happened.
    """
    if change.kind == ChangeKind.PRESUMED_HELD:
        return False
    if change.kind == ChangeKind.HELD:
        return True
    end = last_day(change.after)
    if end is None:
        return True
    return end >= now.date() - timedelta(days=rules.presumed_held_after_days)


def state_concerns(state: MeetingState | None, entity_ids: frozenset[str]) -> bool:
    if not entity_ids:
        return True
    if state is None:
        return False
    ids = set(state.participants)
    ids.update(v for v in (state.venue, state.previous_venue) if v)
    return bool(ids & entity_ids)


def change_concerns(change: Change, entity_ids: frozenset[str]) -> bool:
    """Subscription filter: any actor id among participants, any venue before or after."""
    if not entity_ids:
        return True
    return state_concerns(change.before, entity_ids) or state_concerns(change.after, entity_ids)


def _listed(m: TimelineMeeting, now: datetime, rules: TimelineRules) -> bool:
    if not is_expected(m.state):
        return False
    end = last_day(m.state)
    if end is None:
        return _recent(m, now, rules)
    return end >= now.date()


def next_meeting(
    meetings: Iterable[TimelineMeeting],
    now: datetime,
    entity_ids: frozenset[str] = frozenset(),
    rules: TimelineRules = DEFAULT_RULES,
) -> TimelineMeeting | None:
    """The earliest meeting still expected whose day (or last day) is today or later."""
    best: TimelineMeeting | None = None
    for m in meetings:
        if m.state.date is None or not _listed(m, now, rules):
            continue
        if not state_concerns(m.state, entity_ids):
            continue
        if best is None or _order_key(m) < _order_key(best):
            best = m
    return best


def _order_key(m: TimelineMeeting) -> tuple[date, int, int]:
    return (m.state.date or date.max, -m.report_count, m.id or 0)


def upcoming(
    meetings: Iterable[TimelineMeeting],
    now: datetime,
    entity_ids: frozenset[str] = frozenset(),
    limit: int | None = None,
    rules: TimelineRules = DEFAULT_RULES,
) -> list[TimelineMeeting]:
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
