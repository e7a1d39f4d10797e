"""Running tallies of a meeting's reports, so that one more report costs the same
however many a meeting already has.

The rules are the deciders of :mod:`bot.timeline.state`, which
:func:`bot.timeline.derive.derive_state` feeds from all reports (and explains); this
module keeps what they read as running sums:

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
from typing import Any

from bot.models import MeetingState, MeetingStatus
from bot.timeline import state
from bot.timeline.model import (
    PLAN_STATUSES,
    DayRange,
    ReportEntry,
    TimelineRules,
    day_range,
    gap_days,
    presumed,
    reading_key,
)
from bot.timeline.state import Content, step_decider

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
    """The state :func:`bot.timeline.derive.derive_state` gives for the same reports: the
    deciders of :mod:`bot.timeline.state` over what the tallies hold."""
    scale = float(2.0 ** ((t.base_us - t.newest[0]) / (t.half_life_days * _US_PER_DAY)))
    moved_from = _MovedFrom.of(t)
    chosen = state.vote_day(_day_votes(t, scale, moved_from))
    venue = state.vote_venue(*_venue_votes(t, scale, moved_from))
    start, end = chosen if chosen else (None, None)
    crange = day_range(start, end)
    backing = [c for c in t.groups if state.supports(c, crange)]
    prev_date, prev_venue = state.decide_moved_from(prior, _latest_move(t, backing), crange, venue)
    decider = t.decider  # the status rule, kept as reports are added (state.step_decider)
    if decider.status in PLAN_STATUSES:
        status = state.decide_rescheduled(prev_date, prev_venue, backing)
    else:
        status = decider.status
    timed = [
        (g.day.last, c.time)
        for c, g in t.groups.items()
        if c.time is not None
        and state.supports(c, crange)
        and g.day.last is not None
        and not moved_from.voids_always(c, venue=False)
    ]
    vague = [(g.last, c.period) for c, g in t.groups.items() if c.period and g.last]
    time, period = state.decide_time_and_period(timed, vague, crange is not None)
    return MeetingState(
        venue=venue,
        date=start,
        date_end=end,
        status=status,
        tentative=state.decide_tentative(decider, t.groups, backing, venue),
        participants=tuple(sorted(t.participants, key=lambda p: t.participants[p])),
        presumed_held=presumed(status, crange[1] if crange else None, now, rules),
        previous_date=prev_date,
        previous_venue=prev_venue,
        time=time,
        period=period,
        unverified=not any(c.understood for c in t.groups),
    )


def _day_votes(
    t: MeetingTally, scale: float, moved_from: _MovedFrom
) -> dict[DayRange, tuple[float, Key]]:
    """Per range voted for: the weight of its voters and its newest voter."""
    by_range: dict[DayRange, tuple[float, Key]] = {}
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
    return by_range


def _venue_votes(
    t: MeetingTally, scale: float, moved_from: _MovedFrom
) -> tuple[dict[str, float], dict[str, Key]]:
    """Per venue: the weight of its voters and its newest voter."""
    support: dict[str, float] = {}
    last: dict[str, Key] = {}
    for c, g in t.groups.items():
        v = c.venue
        if v is None or g.venue.count == 0 or g.venue.last is None:
            continue
        if moved_from.voids_always(c, venue=True):
            continue
        w = state.venue_weight(v, c.vote_factor * g.venue.total * scale)
        support[v] = support.get(v, 0.0) + w
        last[v] = max(last[v], g.venue.last) if v in last else g.venue.last
    return support, last


def _latest_move(t: MeetingTally, backing: Iterable[Content]) -> Content | None:
    """The newest rescheduling report backing the chosen day."""
    latest: tuple[Key, Content] | None = None
    for c in backing:
        g = t.groups[c]
        if c.status != MeetingStatus.RESCHEDULED or g.last is None:
            continue
        if latest is None or g.last > latest[0]:
            latest = (g.last, c)
    return latest[1] if latest is not None else None
