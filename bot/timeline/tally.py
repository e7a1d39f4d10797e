"""Running tallies of a meeting's reports, so that one more report costs the same
however many a meeting already has.

The rules are those of :func:`bot.timeline.derive.derive_state` (the literal form, which
also explains them; its deciders have the same names as this module's); this module only
keeps what they need as running sums:

* Reports with the same vote-relevant content (venue, days, status, tentative, official,
  where moved from) form a *group*. The status, moved-from, tentative and confirmation
  rules only ask which groups exist and which is the latest of a kind.
* The recency weight strength x 0.5^(age / half-life), age counted back from the newest
  report, factors as strength x 2^(published / h) x 2^(-newest / h). Each group keeps the
  sum of 2^((published - base) / h) of its voting members; the common factor is applied
  when the state is read (``base`` moves forward so the exponents never overflow).
* A rescheduling voids the votes of reports published before it: each group keeps the
  key of the latest move that voids it (``cut``) and sums only the members at or after
  it. A move arriving in publication order voids whole groups; a move arriving late
  that splits a group cannot be tallied and :func:`add` returns None (rebuild from the
  reports). Moves that void a group whatever the order are counted when the state is read.
* The status is decided by reading the reports in publication order: the tally keeps the
  deciding report's content. A report arriving out of order needs the decider re-read
  from its place on, which the caller supplies (the store keeps it per report row).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from functools import cached_property
from typing import Any

from bot.models import Day, MeetingReport, MeetingState, MeetingStatus, Period, TimeOfDay
from bot.timeline.model import (
    OFF_STATUSES,
    PLAN_STATUSES,
    DayRange,
    ReportEntry,
    TimelineRules,
    day_range,
    gap_days,
    moved,
    presumed,
    reading_key,
    state_range,
    strength,
)

# (published, received_at in microseconds, arrival seq, arrival count): the reading order
# of reports (the count keeps equal times in the order they came, as a stable sort does).
Key = tuple[int, int, int, int]
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US_PER_DAY = 86_400_000_000
# Rebase the weight exponent before 2^x leaves the comfortable float range.
_MAX_EXPONENT = 500.0


def _us(moment: datetime) -> int:
    return (moment - _EPOCH) // timedelta(microseconds=1)


def entry_key(entry: ReportEntry, arrival: int) -> Key:
    """:func:`bot.timeline.model.reading_key` in integers, then the arrival count."""
    published, received_at, seq = reading_key(entry)
    return (_us(published), _us(received_at), seq, arrival)


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


@dataclass
class Votes:
    """The voting members of a group: those at or after the latest move voiding them."""

    total: float = 0.0  # sum of 2^((published - base) / half-life)
    count: int = 0
    last: Key | None = None
    cut: Key | None = None

    def to_json(self) -> list[Any]:
        return [self.total, self.count, _k(self.last), _k(self.cut)]

    @classmethod
    def from_json(cls, data: list[Any]) -> Votes:
        return cls(float(data[0]), int(data[1]), _key(data[2]), _key(data[3]))


def _k(key: Key | None) -> list[int] | None:
    return list(key) if key is not None else None


def _key(data: list[int] | None) -> Key | None:
    if data is None:
        return None
    return (int(data[0]), int(data[1]), int(data[2]), int(data[3]))


@dataclass
class Group:
    content: Content
    count: int = 0
    last: Key | None = None
    last_weight: float = 0.0  # the weight of the member at ``last``
    day: Votes = field(default_factory=Votes)
    venue: Votes = field(default_factory=Votes)

    def copy(self) -> Group:
        return replace(self, day=replace(self.day), venue=replace(self.venue))


@dataclass
class MeetingTally:
    half_life_days: float
    base_us: int
    newest: Key
    count: int
    decider: Content
    groups: dict[Content, Group]
    participants: dict[str, tuple[Key, int]]  # first report naming each, and where in it

    @property
    def last_published(self) -> datetime:
        return _EPOCH + timedelta(microseconds=self.newest[0])

    def ranges(self) -> list[tuple[date, date]]:
        return [rng for c in self.groups if (rng := c.range) is not None]

    def venues(self) -> set[str]:
        return {c.venue for c in self.groups if c.venue}

    def copy(self) -> MeetingTally:
        """A copy whose groups are shared until :meth:`own` copies one to change it."""
        return replace(self, groups=dict(self.groups), participants=dict(self.participants))

    def deep_copy(self) -> MeetingTally:
        out = self.copy()
        out.groups = {c: g.copy() for c, g in self.groups.items()}
        return out

    def own(self, content: Content, copied: set[Content]) -> Group:
        """The group of ``content``, copied once before it changes (see :meth:`copy`)."""
        if content not in copied:
            self.groups[content] = self.groups[content].copy()
            copied.add(content)
        return self.groups[content]

    def rebind_seq(self, placeholder: int, seq: int) -> MeetingTally:
        """Give the report stored under a placeholder arrival number its real one."""

        def fix(key: Key | None) -> Key | None:
            if key is None or key[2] != placeholder:
                return key
            return (key[0], key[1], seq, key[3])

        out = self.deep_copy()
        newest = fix(out.newest)
        assert newest is not None
        out.newest = newest
        for g in out.groups.values():
            g.last = fix(g.last)
            for votes in (g.day, g.venue):
                votes.last, votes.cut = fix(votes.last), fix(votes.cut)
        out.participants = {
            p: (k, i) for p, (key, i) in out.participants.items() if (k := fix(key)) is not None
        }
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "half_life_days": self.half_life_days,
            "base_us": self.base_us,
            "newest": list(self.newest),
            "count": self.count,
            "decider": self.decider.to_json(),
            "groups": [
                [
                    g.content.to_json(),
                    g.count,
                    _k(g.last),
                    g.last_weight,
                    g.day.to_json(),
                    g.venue.to_json(),
                ]
                for g in self.groups.values()
            ],
            "participants": [[p, list(k), i] for p, (k, i) in self.participants.items()],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> MeetingTally:
        groups: dict[Content, Group] = {}
        for c, count, last, lw, day, venue in data["groups"]:
            content = Content.from_json(c)
            groups[content] = Group(
                content,
                int(count),
                _key(last),
                float(lw),
                Votes.from_json(day),
                Votes.from_json(venue),
            )
        newest = _key(data["newest"])
        assert newest is not None
        return cls(
            half_life_days=float(data["half_life_days"]),
            base_us=int(data["base_us"]),
            newest=newest,
            count=int(data["count"]),
            decider=Content.from_json(data["decider"]),
            groups=groups,
            participants={
                p: (k, int(i)) for p, raw, i in data["participants"] if (k := _key(raw)) is not None
            },
        )


# --------------------------------------------------------------------------- voiding


def _voids_day_in_order(c: Content, mover: Content) -> bool:
    """Does ``mover`` void the day of an earlier report with content ``c``?"""
    rng = c.range
    if rng is None:
        return False
    if mover.previous_date is not None:
        return c.exempt and rng[0] <= mover.previous_date <= rng[1]
    mrng = mover.range
    return mrng is not None and gap_days(rng, mrng) > 0


def _voids_day_always(c: Content, mover: Content) -> bool:
    """Does ``mover`` void the day of a report with content ``c`` whatever their order?"""
    rng = c.range
    return (
        not c.exempt
        and rng is not None
        and mover.previous_date is not None
        and rng[0] <= mover.previous_date <= rng[1]
    )


def _voids_venue_in_order(c: Content, mover: Content) -> bool:
    return c.exempt and mover.previous_venue is not None and c.venue == mover.previous_venue


def _voids_venue_always(c: Content, mover: Content) -> bool:
    return (
        not c.exempt
        and c.venue is not None
        and mover.previous_venue is not None
        and c.venue == mover.previous_venue
    )


def _cut(t: MeetingTally, c: Content, *, venue: bool) -> Key | None:
    rule = _voids_venue_in_order if venue else _voids_day_in_order
    cuts = [g.last for m, g in t.groups.items() if m.is_mover and g.last is not None and rule(c, m)]
    return max(cuts) if cuts else None


@dataclass
class _MovedFrom:
    """How many reports moved the meeting from each day and from each venue."""

    days: dict[date, int]
    venues: dict[str, int]

    @classmethod
    def of(cls, t: MeetingTally) -> _MovedFrom:
        days: dict[date, int] = {}
        venues: dict[str, int] = {}
        for m, g in t.groups.items():
            if m.is_mover and m.previous_date is not None:
                days[m.previous_date] = days.get(m.previous_date, 0) + g.count
            if m.is_mover and m.previous_venue is not None:
                venues[m.previous_venue] = venues.get(m.previous_venue, 0) + g.count
        return cls(days, venues)

    def voids_always(self, c: Content, *, venue: bool) -> bool:
        """Another report (not itself) voids every member of the group whatever the order
        (:func:`_voids_day_always`, :func:`_voids_venue_always`)."""
        if c.exempt:
            return False
        if venue:
            movers = self.venues.get(c.venue, 0) if c.venue is not None else 0
        else:
            rng = c.range
            if rng is None:
                return False
            movers = sum(n for day, n in self.days.items() if rng[0] <= day <= rng[1])
        rule = _voids_venue_always if venue else _voids_day_always
        if c.is_mover and rule(c, c):
            movers -= 1  # each member is one of those movers, and never voids itself
        return movers >= 1


def _move_cut(g: Group, votes: Votes, cut: Key) -> bool:
    """Void the members before ``cut``; False when that splits the group (late move)."""
    if votes.cut is not None and cut < votes.cut:
        return False
    assert g.last is not None
    if cut > g.last:
        votes.total, votes.count, votes.last = 0.0, 0, None
    elif cut == g.last:
        votes.total, votes.count, votes.last = g.last_weight, 1, g.last
    else:
        return False
    votes.cut = cut
    return True


# --------------------------------------------------------------------------- building


def build(entries: Iterable[ReportEntry], half_life_days: float) -> MeetingTally:
    """The tally of a meeting's reports (read in publication order)."""
    ordered = sorted(enumerate(entries), key=lambda ie: entry_key(ie[1], ie[0]))
    if not ordered:
        raise ValueError("a meeting needs at least one report")
    first = ordered[0][1]
    content = Content.of(first.report)
    t = MeetingTally(
        half_life_days=half_life_days,
        base_us=_us(first.source.published),
        newest=(-1, -1, -1, -1),
        count=0,
        decider=content,
        groups={},
        participants={},
    )
    for arrival, entry in ordered:
        added = add(t, entry, arrival=arrival)
        assert added is not None  # in publication order a move never splits a group
        t = added
    return t


def add(
    t: MeetingTally,
    entry: ReportEntry,
    decider: Content | None = None,
    *,
    arrival: int | None = None,
) -> MeetingTally | None:
    """The tally with one more report, or None when only a rebuild can tell.

    A report older than the newest needs ``decider`` (the status decider re-read from
    its place on); a late rescheduling that voids part of a group needs a rebuild.
    """
    key = entry_key(entry, t.count if arrival is None else arrival)
    content = Content.of(entry.report)
    out = t.copy()
    if t.count == 0 or key > t.newest:
        out.decider = content if t.count == 0 else step_decider(t.decider, content)
        out.newest = key
    elif decider is None:
        return None
    else:
        out.decider = decider
    half_life_us = out.half_life_days * _US_PER_DAY
    if (key[0] - out.base_us) / half_life_us > _MAX_EXPONENT:
        _rebase(out, key[0], half_life_us)  # older reports only shrink towards 0
    weight = float(2.0 ** ((key[0] - out.base_us) / half_life_us))
    copied: set[Content] = set()
    if content in out.groups:
        group = out.own(content, copied)
    else:
        group = Group(content)
        group.day.cut = _cut(out, content, venue=False)
        group.venue.cut = _cut(out, content, venue=True)
        out.groups[content] = group
        copied.add(content)
    group.count += 1
    if group.last is None or key > group.last:
        group.last, group.last_weight = key, weight
    for votes in (group.day, group.venue):
        if votes.cut is None or key >= votes.cut:
            votes.total += weight
            votes.count += 1
            votes.last = key if votes.last is None else max(votes.last, key)
    out.count += 1
    for index, who in enumerate(entry.report.participants):
        seen = out.participants.get(who)
        if seen is None or (key, index) < seen:
            out.participants[who] = (key, index)
    if content.is_mover and not _recut(out, content, copied):
        return None
    return out


def _recut(t: MeetingTally, mover: Content, copied: set[Content]) -> bool:
    """Move the cuts a (newer) member of the mover group ``mover`` voids: a group's cut is
    the latest move voiding it, and only this mover group's latest key changed."""
    moved_at = t.groups[mover].last
    assert moved_at is not None
    for c in list(t.groups):
        for venue in (False, True):
            rule = _voids_venue_in_order if venue else _voids_day_in_order
            old = t.groups[c].venue.cut if venue else t.groups[c].day.cut
            if not rule(c, mover) or (old is not None and moved_at <= old):
                continue
            g = t.own(c, copied)
            if not _move_cut(g, g.venue if venue else g.day, moved_at):
                return False
    return True


def _rebase(t: MeetingTally, base_us: int, half_life_us: float) -> None:
    factor = float(2.0 ** ((t.base_us - base_us) / half_life_us))
    t.base_us = base_us
    t.groups = {c: g.copy() for c, g in t.groups.items()}
    for g in t.groups.values():
        g.last_weight *= factor
        g.day.total *= factor
        g.venue.total *= factor


# --------------------------------------------------------------------------- state


def derive(
    t: MeetingTally, now: datetime, rules: TimelineRules, prior: MeetingState | None = None
) -> MeetingState:
    """The state :func:`bot.timeline.derive.derive_state` gives for the same reports."""
    scale = float(2.0 ** ((t.base_us - t.newest[0]) / (t.half_life_days * _US_PER_DAY)))
    moved_from = _MovedFrom.of(t)
    chosen = vote_day(t, scale, moved_from)
    venue = vote_venue(t, scale, moved_from)
    start, end = chosen if chosen else (None, None)
    crange = day_range(start, end)
    prev_date, prev_venue = decide_moved_from(t, prior, crange, start, venue)
    group = decide_status(t).status
    supporting = [c for c in t.groups if _supports(c, crange)]
    if group in PLAN_STATUSES:
        status = decide_rescheduled(supporting, prev_date, prev_venue)
    else:
        status = group
    tentative = decide_tentative(t, supporting, venue)
    participants = sorted(t.participants, key=lambda p: t.participants[p])
    time, period = decide_time_and_period(t, crange, moved_from)
    return MeetingState(
        venue=venue,
        date=start,
        date_end=end,
        status=status,
        tentative=tentative,
        participants=tuple(participants),
        presumed_held=presumed(status, crange[1] if crange else None, now, rules),
        previous_date=prev_date,
        previous_venue=prev_venue,
        time=time,
        period=period,
        unverified=not any(c.understood for c in t.groups),
    )


def decide_status(t: MeetingTally) -> Content:
    """Status: the decider kept as reports are read (:func:`step_decider`)."""
    return t.decider


def decide_rescheduled(
    supporting: Iterable[Content], prev_date: date | None, prev_venue: str | None
) -> MeetingStatus:
    """A plan is ``rescheduled`` once its day or venue moved, else ``upcoming``."""
    moved_flag = (
        prev_date is not None
        or prev_venue is not None
        or any(c.status == MeetingStatus.RESCHEDULED for c in supporting)
    )
    return MeetingStatus.RESCHEDULED if moved_flag else MeetingStatus.UPCOMING


def decide_tentative(t: MeetingTally, supporting: Iterable[Content], venue: str | None) -> bool:
    """Tentative: a plan until a firm report supports its day (or, undated, its place);
    any other status while every report saying it hedges."""
    group = t.decider.status
    if group in PLAN_STATUSES:
        return not any(
            not c.tentative
            and c.status not in OFF_STATUSES
            and (c.venue is None or venue is None or c.venue == venue)
            for c in supporting
        )
    return t.decider.tentative and not any(c.status == group and not c.tentative for c in t.groups)


def decide_time_and_period(
    t: MeetingTally, crange: DayRange | None, moved_from: _MovedFrom
) -> tuple[TimeOfDay | None, Period | None]:
    """As ``derive.decide_time_and_period``: the time from the newest report backing the day
    that no move voided; the period, while no day is known, from the newest giving one."""
    timed = [
        (g.day.last, c.time)
        for c, g in t.groups.items()
        if c.time is not None
        and _supports(c, crange)
        and g.day.last is not None
        and not moved_from.voids_always(c, venue=False)
    ]
    time = max(timed, key=lambda kv: kv[0])[1] if timed else None
    if crange is not None:
        return time, None
    vague = [(g.last, c.period) for c, g in t.groups.items() if c.period and g.last]
    return time, (max(vague, key=lambda kv: kv[0])[1] if vague else None)


def _supports(c: Content, crange: DayRange | None) -> bool:
    rng = c.range
    return crange is None or (rng is not None and gap_days(rng, crange) <= 0)


def vote_day(
    t: MeetingTally, scale: float, moved_from: _MovedFrom
) -> tuple[date, date | None] | None:
    # per range: the weight of its voters and its newest voter
    by_range: dict[tuple[date, date], tuple[float, Key]] = {}
    for c, g in t.groups.items():
        rng = c.range
        if rng is None or g.day.count == 0 or g.day.last is None:
            continue
        if moved_from.voids_always(c, venue=False):
            continue
        weight = c.vote_factor * g.day.total * scale
        if rng in by_range:
            total, last = by_range[rng]
            by_range[rng] = (total + weight, max(last, g.day.last))
        else:
            by_range[rng] = (weight, g.day.last)
    best: tuple[float, int, Key] | None = None
    chosen: tuple[date, date | None] | None = None
    for crng, (_, last) in by_range.items():
        support = sum(w for vrng, (w, _) in by_range.items() if gap_days(vrng, crng) <= 0)
        key = (round(support, 6), (crng[1] - crng[0]).days, last)
        if best is None or key > best:
            best = key
            chosen = (crng[0], crng[1] if crng[1] != crng[0] else None)
    return chosen


def vote_venue(t: MeetingTally, scale: float, moved_from: _MovedFrom) -> str | None:
    support: dict[str, float] = {}
    last: dict[str, Key] = {}
    for c, g in t.groups.items():
        v = c.venue
        if v is None or g.venue.count == 0 or g.venue.last is None:
            continue
        if moved_from.voids_always(c, venue=True):
            continue
        w = c.vote_factor * g.venue.total * scale * (0.5 if v.startswith("other:") else 1.0)
        support[v] = support.get(v, 0.0) + w
        last[v] = max(last[v], g.venue.last) if v in last else g.venue.last
    if not support:
        return None
    return max(support, key=lambda v: (round(support[v], 6), last[v]))


def decide_moved_from(
    t: MeetingTally,
    prior: MeetingState | None,
    crange: DayRange | None,
    start: date | None,
    venue: str | None,
) -> tuple[date | None, str | None]:
    prev_date = prior.previous_date if prior else None
    prev_venue = prior.previous_venue if prior else None
    if prior is not None and moved(state_range(prior), crange):
        prev_date = prior.date
    if prior is not None and prior.venue and venue and venue != prior.venue:
        prev_venue = prior.venue
    latest: tuple[Key, Content] | None = None
    for c, g in t.groups.items():
        if c.status != MeetingStatus.RESCHEDULED or g.last is None or not _supports(c, crange):
            continue
        if latest is None or g.last > latest[0]:
            latest = (g.last, c)
    if latest is not None:
        mover = latest[1]
        if prev_date is None and mover.previous_date is not None:
            prev_date = mover.previous_date
        if prev_venue is None and mover.previous_venue is not None:
            prev_venue = mover.previous_venue
    if prev_date is not None and prev_date == start:
        prev_date = None
    if prev_venue is not None and prev_venue == venue:
        prev_venue = None
    return prev_date, prev_venue
