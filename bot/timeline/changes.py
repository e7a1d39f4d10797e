"""Changes: what changed between two states, and which chats hear of it
(docs/timeline.md, "Changes")."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from bot.models import Change, ChangeKind, MeetingState, MeetingStatus, SourceRef, Subscription
from bot.timeline.model import (
    DEFAULT_RULES,
    OFF_STATUSES,
    PLAN_STATUSES,
    TimelineRules,
    describe,
    format_days,
    last_day,
    moved,
    state_range,
)

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


def classify(before: MeetingState | None, after: MeetingState) -> tuple[ChangeKind, str] | None:
    """The one change (most significant) between two states, or None."""
    if before is None:
        if after.status in PLAN_STATUSES:
            return ChangeKind.ANNOUNCED, f"new meeting: {describe(after)}"
        if after.status in OFF_STATUSES:
            return _OFF_KIND[after.status], f"first reported as {after.status.value}"
        return None  # first heard of after the fact: history, not an alert
    found: list[tuple[ChangeKind, str]] = []
    brng, arng = state_range(before), state_range(after)
    if after.status == MeetingStatus.HELD and before.status != MeetingStatus.HELD:
        found.append((ChangeKind.HELD, "reported held"))
    if after.status in OFF_STATUSES and after.status != before.status:
        found.append((_OFF_KIND[after.status], f"{before.status.value} → {after.status.value}"))
    day_moved = moved(brng, arng)
    day_set = brng is None and arng is not None
    venue_moved = after.venue is not None and after.venue != before.venue
    if after.status in PLAN_STATUSES:
        was_off = before.status not in PLAN_STATUSES or before.presumed_held
        if day_moved or day_set or venue_moved:
            what = []
            if day_moved or day_set:
                what.append(
                    f"day {format_days(before.date, before.date_end)} → "
                    f"{format_days(after.date, after.date_end)}"
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


def changes_between(
    meeting_id: int,
    before: MeetingState | None,
    after: MeetingState,
    now: datetime,
    source: SourceRef | None,
) -> tuple[Change, ...]:
    change = change_between(meeting_id, before, after, now, source)
    return () if change is None else (change,)


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


def recipients(
    change: Change,
    subscriptions: Iterable[Subscription],
    now: datetime,
    rules: TimelineRules = DEFAULT_RULES,
) -> list[Subscription]:
    """The subscribed chats this change alerts: none unless it is news (:func:`alertable`),
    then those whose filter it concerns (:func:`change_concerns`)."""
    if not alertable(change, now, rules):
        return []
    return [sub for sub in subscriptions if change_concerns(change, sub.entity_ids)]


def net_changes(
    before: dict[int, MeetingState | None],
    after: dict[int, tuple[MeetingState, SourceRef]],
    now: datetime,
) -> list[Change]:
    """The net change of one article per meeting (state before it → state after it), so
    an article with several reports about one meeting alerts once."""
    return [
        change
        for mid, (state, source) in after.items()
        if (change := change_between(mid, before[mid], state, now, source))
    ]
