"""Recording: a report, the candidate meetings and the rules in; the meeting's new state,
its tallies, the changes and the chats they alert out.

:func:`record_article` is the one place that runs the timeline's rules on a new article:
which meeting each report joins (:mod:`~bot.timeline.assign`), the new state through the
running tallies (:mod:`~bot.timeline.tally`), the article's net change per meeting and
its recipients (:mod:`~bot.timeline.changes`). It reaches storage only through
:class:`MeetingRecords` (load candidates, load what a late report needs, save), so the
store only loads and saves. :func:`merge` is the same on plain lists (replay, tests).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Protocol

from bot.models import (
    Change,
    ChangeKind,
    MeetingReport,
    MeetingState,
    SourceRef,
    Subscription,
)
from bot.timeline import state, tally
from bot.timeline.assign import Prefilter, candidate_filter, find_meeting
from bot.timeline.changes import changes_between, net_changes, recipients
from bot.timeline.model import (
    DEFAULT_RULES,
    Meeting,
    ReportEntry,
    TimelineRules,
    last_day,
    presumed,
)

# A new report is the newest of its meeting until storage gives it an id.
NEW_SEQ = 2**62


@dataclass(frozen=True)
class MergeResult:
    """Where a report went and what changed. ``meeting`` is None when it was ignored."""

    meeting: Meeting | None
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


def merge(
    meetings: Sequence[Meeting],
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
    counts = tally.build([entry], rules.half_life_days)
    derived = tally.derive(counts, now, rules, None)
    meeting = Meeting(
        id=None, reports=(entry,), state=derived, created_at=now, updated_at=now, tally=counts
    )
    changes = changes_between(0, None, derived, now, entry.source)
    return MergeResult(meeting=meeting, is_new=True, changes=changes, reason=reason)


def extend(
    target: Meeting,
    entry: ReportEntry,
    now: datetime,
    rules: TimelineRules,
    reason: str,
    *,
    decider: state.Content | None = None,
) -> MergeResult | None:
    """Fold one report into ``target`` through its running tallies.

    ``decider`` is the status decider re-read from the report's place on, needed when the
    report is older than the meeting's newest. Returns None when the tallies cannot be
    updated and ``target`` does not carry all its reports (the store then loads them).
    """
    loaded = target.tally is None or len(target.reports) == target.tally.count
    counts = target.tally
    if counts is not None and counts.half_life_days != rules.half_life_days:
        counts = None
    updated_counts = tally.add(counts, entry, decider) if counts is not None else None
    if updated_counts is None and not loaded:
        return None
    if updated_counts is None:
        updated_counts = tally.build((*target.reports, entry), rules.half_life_days)
    derived = tally.derive(updated_counts, now, rules, target.state)
    updated = replace(
        target,
        reports=(*target.reports, entry) if loaded else (),
        state=derived,
        updated_at=now,
        tally=updated_counts,
    )
    return MergeResult(
        meeting=updated,
        is_new=False,
        changes=changes_between(target.id or 0, target.state, derived, now, entry.source),
        reason=reason,
    )


def age(
    meetings: Iterable[Meeting], now: datetime, rules: TimelineRules = DEFAULT_RULES
) -> list[MergeResult]:
    """Presume held the plans whose last day has passed; one PRESUMED_HELD each."""
    out = []
    for m in meetings:
        current = m.state
        if current.presumed_held or not presumed(current.status, last_day(current), now, rules):
            continue
        after = replace(current, presumed_held=True)
        change = Change(
            meeting_id=m.id or 0,
            kind=ChangeKind.PRESUMED_HELD,
            before=current,
            after=after,
            at=now,
            source=None,
            reason=f"its last day {last_day(current)} passed with no further report",
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


def ageing_cutoff(now: datetime, rules: TimelineRules = DEFAULT_RULES) -> date:
    """Only plans whose last day is on or before this day can be presumed held now."""
    return now.date() - timedelta(days=rules.presumed_held_after_days + 1)


# --------------------------------------------------------------------------- with storage


@dataclass
class Checkpoints:
    """The status decider after the new report (``own``) and after the stored reports it
    precedes (``updates``, by report id); ``decider`` is the meeting's, for a late one."""

    own: state.Content | None = None
    decider: state.Content | None = None
    updates: list[tuple[int, state.Content]] = field(default_factory=list)


@dataclass(frozen=True)
class LaterReport:
    """A stored report read after a new one: its content and the decider stored after it."""

    report_id: int
    content: state.Content
    decider_after: state.Content | None


@dataclass(frozen=True)
class DecidersAround:
    """The stored status deciders around a late report's place in its meeting."""

    # the decider after the last report read before it (None: it is read first)
    before: state.Content | None
    # False when that report was stored before deciders were kept: read all reports
    known: bool
    later: Iterable[LaterReport]  # in reading order


@dataclass(frozen=True)
class Recorded:
    """One report folded in, ready to save."""

    result: MergeResult
    entry: ReportEntry
    checkpoints: Checkpoints
    prior: Meeting | None  # the meeting as loaded, when the report joined one


class MeetingRecords(Protocol):
    """What recording needs from storage, inside the transaction recording an article."""

    async def candidates(self, prefilters: Sequence[Prefilter]) -> list[Meeting]:
        """Meetings (tallies, reports not needed) matching any of the predicates."""
        ...

    async def deciders_around(self, meeting_id: int, entry: ReportEntry) -> DecidersAround:
        """The stored deciders before ``entry``'s place, and the reports read after it."""
        ...

    async def with_reports(self, meeting_id: int) -> Meeting:
        """The meeting with all its reports."""
        ...

    async def save(self, recorded: Recorded) -> Meeting:
        """Store the meeting, its tallies and the new report; the meeting with its id."""
        ...

    async def subscriptions(self) -> list[Subscription]:
        """The active subscriptions."""
        ...


@dataclass(frozen=True)
class Alert:
    """A change and the subscribed chats it alerts (none: history only)."""

    change: Change
    recipients: tuple[Subscription, ...]


async def record_article(
    records: MeetingRecords,
    reports: Iterable[tuple[MeetingReport, SourceRef]],
    now: datetime,
    rules: TimelineRules = DEFAULT_RULES,
    *,
    alert: bool = True,
) -> list[Alert]:
    """Fold an article's reports into the timeline and save each; its net change per
    meeting (one article alerts once per meeting) and whom each alerts (nobody when
    ``alert`` is False: a new feed's backlog)."""
    before: dict[int, MeetingState | None] = {}
    after: dict[int, tuple[MeetingState, SourceRef]] = {}
    for report, source in reports:
        recorded = await record_report(records, report, source, now, rules)
        if recorded is None:
            continue
        saved = await records.save(recorded)
        assert saved.id is not None
        if saved.id not in before:
            before[saved.id] = None if recorded.prior is None else recorded.prior.state
        after[saved.id] = (saved.state, source)
    found = net_changes(before, after, now)
    subs = await records.subscriptions() if alert and found else []
    return alerts_for(found, subs, now, rules)


def alerts_for(
    changes: Iterable[Change],
    subscriptions: Sequence[Subscription],
    now: datetime,
    rules: TimelineRules = DEFAULT_RULES,
) -> list[Alert]:
    """Each change with the chats it alerts (:func:`bot.timeline.changes.recipients`)."""
    return [Alert(c, tuple(recipients(c, subscriptions, now, rules))) for c in changes]


async def record_report(
    records: MeetingRecords,
    report: MeetingReport,
    source: SourceRef,
    now: datetime,
    rules: TimelineRules = DEFAULT_RULES,
) -> Recorded | None:
    """Fold one report in; None when it is ignored. Reads only the candidates' tallies,
    plus, for a report older than its meeting's newest, the reports after it."""
    candidates = await records.candidates(candidate_filter(report, source.published, rules))
    target, why = find_meeting(candidates, report, source.published, rules)
    entry = ReportEntry(report=report, source=source, received_at=now, seq=NEW_SEQ)
    if target is None:
        if report.venue is None and report.date is None:
            return None
        result = new_meeting(entry, now, rules, why)
        return Recorded(result, entry, Checkpoints(own=state.Content.of(report)), None)
    placed = await _place(records, target, entry)
    if placed is not None:
        extended = extend(target, entry, now, rules, why, decider=placed.decider)
        if extended is not None:
            assert extended.meeting is not None and extended.meeting.tally is not None
            if placed.own is None:  # in order: the decider after it is the meeting's
                placed.own = extended.meeting.tally.decider
            return Recorded(extended, entry, placed, target)
    # no tallies yet, or a late rescheduling: read every report of this meeting once
    assert target.id is not None
    full = replace(await records.with_reports(target.id), tally=None)
    rebuilt = extend(full, entry, now, rules, why)
    assert rebuilt is not None and rebuilt.meeting is not None
    return Recorded(rebuilt, entry, _all_checkpoints(rebuilt.meeting.reports), target)


async def _place(
    records: MeetingRecords, target: Meeting, entry: ReportEntry
) -> Checkpoints | None:
    """Where the status decider stands around a new report; None: read all reports."""
    counts = target.tally
    if counts is None:
        return None
    if tally.entry_key(entry, counts.count) > counts.newest:
        return Checkpoints()
    assert target.id is not None
    around = await records.deciders_around(target.id, entry)
    if not around.known:
        return None
    content = state.Content.of(entry.report)
    if around.before is not None:
        content = state.step_decider(around.before, content)
    current = content
    placed = Checkpoints(own=current)
    for later in around.later:
        current = state.step_decider(current, later.content)
        if later.decider_after is not None and later.decider_after == current:
            placed.decider = counts.decider  # nothing after this point changes
            return placed
        placed.updates.append((later.report_id, current))
    placed.decider = current
    return placed


def _all_checkpoints(entries: Sequence[ReportEntry]) -> Checkpoints:
    ordered = sorted(enumerate(entries), key=lambda ie: tally.entry_key(ie[1], ie[0]))
    deciders = state.fold_deciders(None, (state.Content.of(e.report) for _, e in ordered))
    out = Checkpoints()
    for (_, entry), decider in zip(ordered, deciders, strict=True):
        if entry.seq == NEW_SEQ:
            out.own = decider
        else:
            out.updates.append((entry.seq, decider))
    return out
