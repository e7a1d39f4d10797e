"""Rows ↔ bot.models dataclasses. Nothing ORM-shaped leaves the store."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from bot.models import (
    Change,
    ChangeKind,
    ChatTarget,
    MeetingReport,
    MeetingState,
    MeetingStatus,
    Period,
    Platform,
    SourceRef,
    Subscription,
    TimeOfDay,
)
from bot.timeline.model import PLAN_STATUSES, Meeting, ReportEntry, last_day
from bot.timeline.state import Content
from bot.timeline.tally import MeetingTally


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _day(value: Any) -> date | None:
    if value is None:
        return None
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def time_columns(time: TimeOfDay | None, period: Period | None) -> dict[str, Any]:
    """A stated time of day and a vague period as the columns that hold them."""
    return {
        "time_of_day": time.text if time else None,
        "time_zone": time.zone if time else None,
        "period_label": period.label if period else None,
        "period_start": period.start if period else None,
        "period_end": period.end if period else None,
    }


def time_from(row: Mapping[Any, Any]) -> TimeOfDay | None:
    text = row.get("time_of_day")
    if not text:
        return None
    hour, _, minute = str(text).partition(":")
    return TimeOfDay(int(hour), int(minute or 0), row.get("time_zone") or None)


def period_from(row: Mapping[Any, Any]) -> Period | None:
    label = row.get("period_label")
    if not label:
        return None
    return Period(str(label), _day(row.get("period_start")), _day(row.get("period_end")))


def state_to_json(state: MeetingState | None) -> dict[str, Any] | None:
    if state is None:
        return None
    return {
        "venue": state.venue,
        "date": _iso(state.date),
        "date_end": _iso(state.date_end),
        "status": state.status.value,
        "tentative": state.tentative,
        "participants": list(state.participants),
        "presumed_held": state.presumed_held,
        "previous_date": _iso(state.previous_date),
        "previous_venue": state.previous_venue,
        "unverified": state.unverified,
        **{
            k: _iso(v) if isinstance(v, date) else v
            for k, v in time_columns(state.time, state.period).items()
        },
    }


def state_from_json(data: Mapping[str, Any] | None) -> MeetingState | None:
    if data is None:
        return None
    return MeetingState(
        venue=data.get("venue"),
        date=_day(data.get("date")),
        date_end=_day(data.get("date_end")),
        status=MeetingStatus(data["status"]),
        tentative=bool(data.get("tentative")),
        participants=tuple(data.get("participants") or ()),
        presumed_held=bool(data.get("presumed_held")),
        previous_date=_day(data.get("previous_date")),
        previous_venue=data.get("previous_venue"),
        time=time_from(data),
        period=period_from(data),
        unverified=bool(data.get("unverified")),
    )


def meeting_columns(state: MeetingState) -> dict[str, Any]:
    return {
        "venue": state.venue,
        "date": state.date,
        "date_end": state.date_end,
        "last_day": last_day(state),
        "status": state.status.value,
        "tentative": state.tentative,
        "presumed_held": state.presumed_held,
        "expected": state.status in PLAN_STATUSES and not state.presumed_held,
        "previous_date": state.previous_date,
        "previous_venue": state.previous_venue,
        "participants": list(state.participants),
        "unverified": state.unverified,
        **time_columns(state.time, state.period),
    }


def entity_columns(state: MeetingState) -> dict[str, Any]:
    """What ``meeting_entities`` mirrors of its meeting (see the schema)."""
    cols = meeting_columns(state)
    return {"expected": cols["expected"], "date": cols["date"], "last_day": cols["last_day"]}


def meeting_state_from_row(row: Mapping[Any, Any]) -> MeetingState:
    return MeetingState(
        venue=row["venue"],
        date=_day(row["date"]),
        date_end=_day(row["date_end"]),
        status=MeetingStatus(row["status"]),
        tentative=bool(row["tentative"]),
        participants=tuple(row["participants"] or ()),
        presumed_held=bool(row["presumed_held"]),
        previous_date=_day(row["previous_date"]),
        previous_venue=row["previous_venue"],
        time=time_from(row),
        period=period_from(row),
        unverified=bool(row["unverified"]),
    )


def report_columns(entry: ReportEntry) -> dict[str, Any]:
    r, s = entry.report, entry.source
    return {
        "venue": r.venue,
        "date": r.date,
        "date_end": r.date_end,
        "status": r.status.value,
        "tentative": r.tentative,
        "official": r.official,
        "understood": r.understood,
        "participants": list(r.participants),
        "previous_date": r.previous_date,
        "previous_venue": r.previous_venue,
        "when_text": r.when_text,
        **time_columns(r.time, r.period),
        "evidence": r.evidence,
        "source_link": s.link,
        "source_outlet": s.outlet,
        "source_lang": s.lang,
        "source_published": s.published,
        "source_item_key": s.item_key,
        "source_title": s.title or None,
        "received_at": entry.received_at,
    }


def report_entry_from_row(row: Mapping[Any, Any]) -> ReportEntry:
    report = MeetingReport(
        venue=row["venue"],
        date=_day(row["date"]),
        date_end=_day(row["date_end"]),
        status=MeetingStatus(row["status"]),
        tentative=bool(row["tentative"]),
        participants=tuple(row["participants"] or ()),
        previous_date=_day(row["previous_date"]),
        previous_venue=row["previous_venue"],
        when_text=row["when_text"],
        evidence=row["evidence"] or "",
        official=bool(row["official"]),
        understood=bool(row["understood"]),
        time=time_from(row),
        period=period_from(row),
    )
    source = SourceRef(
        link=row["source_link"],
        outlet=row["source_outlet"],
        lang=row["source_lang"],
        published=row["source_published"],
        evidence=row["evidence"] or "",
        item_key=row["source_item_key"] or "",
        title=row["source_title"] or "",
    )
    return ReportEntry(report=report, source=source, received_at=row["received_at"], seq=row["id"])


def report_content(row: Mapping[Any, Any]) -> Content:
    """What the state rules read of a stored report."""
    return Content(
        venue=row["venue"],
        date=_day(row["date"]),
        date_end=_day(row["date_end"]),
        status=MeetingStatus(row["status"]),
        tentative=bool(row["tentative"]),
        official=bool(row["official"]),
        previous_date=_day(row["previous_date"]),
        previous_venue=row["previous_venue"],
    )


def meeting_from_rows(row: Mapping[Any, Any], entries: list[ReportEntry]) -> Meeting:
    data = row.get("tally")
    return Meeting(
        id=row["id"],
        reports=tuple(entries),
        state=meeting_state_from_row(row),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        tally=MeetingTally.from_json(data) if data is not None else None,
    )


def change_columns(change: Change) -> dict[str, Any]:
    src = change.source
    return {
        "meeting_id": change.meeting_id,
        "kind": change.kind.value,
        "before": state_to_json(change.before),
        "after": state_to_json(change.after),
        "at": change.at,
        "reason": change.reason,
        "source_link": src.link if src else None,
        "source_outlet": src.outlet if src else None,
        "source_lang": src.lang if src else None,
        "source_published": src.published if src else None,
        "source_evidence": src.evidence if src else None,
        "source_item_key": src.item_key if src else None,
        "source_title": (src.title or None) if src else None,
    }


def change_from_row(row: Mapping[Any, Any]) -> Change:
    source = None
    if row["source_published"] is not None:
        source = SourceRef(
            link=row["source_link"],
            outlet=row["source_outlet"],
            lang=row["source_lang"] or "",
            published=row["source_published"],
            evidence=row["source_evidence"] or "",
            item_key=row["source_item_key"] or "",
            title=row["source_title"] or "",
        )
    after = state_from_json(row["after"])
    assert after is not None
    return Change(
        meeting_id=row["meeting_id"],
        kind=ChangeKind(row["kind"]),
        before=state_from_json(row["before"]),
        after=after,
        at=row["at"],
        source=source,
        reason=row["reason"] or "",
    )


def target(platform: str, chat_id: str) -> ChatTarget:
    """Platforms are free text in the database; known ones map to the enum."""
    try:
        plat: Any = Platform(platform)
    except ValueError:
        plat = platform
    return ChatTarget(platform=plat, chat_id=chat_id)


def subscription_from_row(row: Mapping[Any, Any]) -> Subscription:
    return Subscription(
        target=target(row["platform"], row["chat_id"]),
        entity_ids=frozenset(row["entity_ids"] or ()),
        timezone=row["timezone"],
        active=bool(row["active"]),
    )


def platform_name(t: ChatTarget) -> str:
    return str(t.platform.value if isinstance(t.platform, Platform) else t.platform)


def utc(dt: datetime) -> datetime:
    if dt.tzinfo is None:
        raise ValueError("timezone-aware datetime required")
    return dt
