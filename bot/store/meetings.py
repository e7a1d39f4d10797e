"""The timeline in the database: recording items (the key transaction), ageing, queries.

The timeline's rules run in ``bot.timeline``; this module loads what they ask for
(``timeline.record.MeetingRecords``, the assignment pre-filters as SQL) and saves what
they return."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, and_, bindparam, delete, exists, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.models import (
    Change,
    FeedItem,
    MeetingReport,
    MeetingState,
    MeetingStatus,
    MeetingView,
    SourceRef,
    Subscription,
)
from bot.ports import DeliveryState, MeetingHistory
from bot.store import codec
from bot.store.engine import Database
from bot.store.schema import (
    changes,
    items,
    meeting_entities,
    meeting_report_values,
    meetings,
    outbox,
    reports,
    subscriptions,
)
from bot.store.upsert import insert_ignore
from bot.timeline import assign, queries, record, state
from bot.timeline.changes import change_concerns
from bot.timeline.derive import explain
from bot.timeline.model import (
    DEFAULT_RULES,
    Meeting,
    ReportEntry,
    TimelineRules,
)


def idem_key(change_id: int, platform: str, chat_id: str) -> str:
    return f"{change_id}:{platform}:{chat_id}"


class MeetingStore:
    """Implements ``bot.ports.MeetingQueries`` plus the timeline's write side."""

    def __init__(self, db: Database, rules: TimelineRules = DEFAULT_RULES) -> None:
        self.db = db
        self.rules = rules

    # ------------------------------------------------------------------ writing

    async def record_item(
        self,
        feed_id: str,
        item: FeedItem,
        lang: str,
        reports_: Sequence[MeetingReport],
        now: datetime,
        *,
        alert: bool = True,
    ) -> list[Change]:
        """Record one item and fold its reports into the timeline, in ONE transaction.

        Already seen (same feed and key, or same canonical link anywhere) → returns []
        and changes nothing, unless the item was updated in place (same key, new
        ``content_hash``): then the reports it did not make before are folded in, so a
        changed fact alerts and an unchanged one does not. With ``alert=False`` (a new
        feed's backlog) everything is stored and merged but no outbox rows are written.
        """

        async def work(conn: AsyncConnection) -> list[Change]:
            known = (
                await conn.execute(
                    select(items.c.id, items.c.content_hash).where(
                        items.c.feed_id == feed_id, items.c.key == item.key
                    )
                )
            ).first()
            if known is not None:
                fresh = await _revision(conn, int(known[0]), known[1], item, reports_)
                return await self._fold(conn, item, int(known[0]), lang, fresh, now, alert)
            if item.link_key:
                dup = await conn.execute(
                    select(items.c.id).where(items.c.link_key == item.link_key).limit(1)
                )
                link_seen = dup.first() is not None
            else:
                link_seen = False
            stmt = insert_ignore(conn, items, ["feed_id", "key"]).values(
                feed_id=feed_id,
                key=item.key,
                link_key=item.link_key,
                title=item.title[:2000],
                link=item.link,
                outlet=item.outlet,
                lang=lang,
                published=item.published,
                seen_at=now,
                alerted=alert and not link_seen,
                content_hash=item.content_hash,
            )
            res = await conn.execute(stmt.returning(items.c.id))
            item_id = res.scalar_one_or_none()
            if item_id is None or link_seen:
                return []  # seen before: nothing else happens
            return await self._fold(conn, item, item_id, lang, reports_, now, alert)

        return await self.db.write(work)

    async def _fold(
        self,
        conn: AsyncConnection,
        item: FeedItem,
        item_id: int,
        lang: str,
        reports_: Sequence[MeetingReport],
        now: datetime,
        alert: bool,
    ) -> list[Change]:
        """Record an item's reports in the timeline; its changes and their outbox rows."""
        if not reports_:
            return []
        sourced = [
            (
                report,
                SourceRef(
                    link=item.link,
                    outlet=item.outlet,
                    lang=lang,
                    published=item.published,
                    evidence=report.evidence,
                    item_key=item.key,
                    title=item.title[:2000],
                ),
            )
            for report in reports_
        ]
        records = _SqlRecords(conn, item_id, now)
        alerts = await record.record_article(records, sourced, now, self.rules, alert=alert)
        return await _save_changes(conn, alerts, now)

    async def record_ageing(self, now: datetime) -> list[Change]:
        """Presume held the plans whose day has passed; PRESUMED_HELD changes + outbox rows."""

        async def work(conn: AsyncConnection) -> list[Change]:
            cutoff = record.ageing_cutoff(now, self.rules)
            rows = (
                (
                    await conn.execute(
                        select(meetings)
                        .where(
                            meetings.c.expected.is_(True),
                            meetings.c.date <= cutoff,  # implied; lets the day index serve
                            meetings.c.last_day <= cutoff,
                        )
                        # by last day, then id: the order alerts have always been made in
                        .order_by(meetings.c.last_day, meetings.c.id)
                    )
                )
                .mappings()
                .all()
            )
            found = [codec.meeting_from_rows(r, []) for r in rows]
            results = record.age(found, now, self.rules)
            if not results:
                return []
            subs = await _active_subscriptions(conn)
            out: list[Change] = []
            for res in results:
                assert res.meeting is not None and res.meeting.id is not None
                await conn.execute(
                    update(meetings)
                    .where(meetings.c.id == res.meeting.id)
                    .values(**codec.meeting_columns(res.meeting.state), updated_at=now)
                )
                await _mirror_to_entities(conn, res.meeting.id, res.meeting.state)
                alerts = record.alerts_for(res.changes, subs, now, self.rules)
                out.extend(await _save_changes(conn, alerts, now))
            return out

        return await self.db.write(work)

    # ------------------------------------------------------------------ queries

    async def all_meetings(self) -> list[Meeting]:
        return await self.db.read(lambda conn: _load_meetings(conn, select(meetings)))

    async def get(self, meeting_id: int) -> Meeting | None:
        async def work(conn: AsyncConnection) -> Meeting | None:
            found = await _load_meetings(conn, select(meetings).where(meetings.c.id == meeting_id))
            return found[0] if found else None

        return await self.db.read(work)

    async def next_meeting(
        self, now: datetime, entity_ids: frozenset[str] = frozenset()
    ) -> MeetingView | None:
        async def work(conn: AsyncConnection) -> MeetingView | None:
            if entity_ids:
                found = await _next_for_entities(conn, now, entity_ids)
            else:
                found = await _load_meetings(
                    conn, _most_reported_first(select(meetings).where(*_expected_dated(now)))
                )
            best = queries.next_meeting(found, now, entity_ids, self.rules)
            return best.view() if best else None

        return await self.db.read(work)

    async def upcoming(
        self, now: datetime, entity_ids: frozenset[str] = frozenset(), limit: int = 10
    ) -> list[MeetingView]:
        async def work(conn: AsyncConnection) -> list[MeetingView]:
            if entity_ids:
                found = await _load_meetings(conn, _upcoming_for_entities(now, entity_ids, limit))
            else:
                dated = select(meetings).where(*_expected_dated(now))
                dated = dated.order_by(meetings.c.date, meetings.c.id).limit(limit)
                found = await _load_meetings(conn, dated)
            undated = (
                select(meetings)
                .where(
                    meetings.c.expected.is_(True),
                    meetings.c.date.is_(None),
                    meetings.c.last_published >= now - timedelta(days=self.rules.recent_days),
                    *_concerning(entity_ids),
                )
                # equal times in id order, as the sort over the former index gave them
                .order_by(meetings.c.last_published.desc(), meetings.c.id)
                .limit(limit)
            )
            found += await _load_meetings(conn, undated)
            listed = queries.upcoming(found, now, entity_ids, limit, self.rules)
            return [m.view() for m in listed]

        return await self.db.read(work)

    async def recent_changes(
        self, since: datetime, entity_ids: frozenset[str] = frozenset(), limit: int = 20
    ) -> list[Change]:
        async def work(conn: AsyncConnection) -> list[Change]:
            out: list[Change] = []
            offset = 0
            page = max(limit * 4, 50)
            while len(out) < limit:
                rows = (
                    (
                        await conn.execute(
                            select(changes)
                            .where(changes.c.at >= since)
                            .order_by(changes.c.at.desc(), changes.c.id.desc())
                            .limit(page)
                            .offset(offset)
                        )
                    )
                    .mappings()
                    .all()
                )
                if not rows:
                    break
                offset += len(rows)
                for row in rows:
                    change = codec.change_from_row(row)
                    if change_concerns(change, entity_ids):
                        out.append(change)
            return out[:limit]

        return await self.db.read(work)

    async def changes_for(self, meeting_id: int) -> list[Change]:
        async def work(conn: AsyncConnection) -> list[Change]:
            rows = (
                (
                    await conn.execute(
                        select(changes)
                        .where(changes.c.meeting_id == meeting_id)
                        .order_by(changes.c.at, changes.c.id)
                    )
                )
                .mappings()
                .all()
            )
            return [codec.change_from_row(r) for r in rows]

        return await self.db.read(work)

    async def all_changes(self) -> list[Change]:
        async def work(conn: AsyncConnection) -> list[Change]:
            rows = (
                (await conn.execute(select(changes).order_by(changes.c.at, changes.c.id)))
                .mappings()
                .all()
            )
            return [codec.change_from_row(r) for r in rows]

        return await self.db.read(work)

    async def meeting_history(self, meeting_id: int, now: datetime) -> MeetingHistory | None:
        meeting = await self.get(meeting_id)
        if meeting is None:
            return None
        history = await self.changes_for(meeting_id)
        return MeetingHistory(
            view=meeting.view(),
            changes=tuple(history),
            explanation=explain(meeting, now, self.rules),
        )


# --------------------------------------------------------------------------- helpers


def _facts(report: MeetingReport) -> tuple[Any, ...]:
    """What a report says, without its wording: equal facts are the same report."""
    return (
        report.venue,
        report.date,
        report.date_end,
        report.status,
        report.tentative,
        report.official,
        tuple(sorted(report.participants)),
        report.previous_date,
        report.previous_venue,
    )


async def _revision(
    conn: AsyncConnection,
    item_id: int,
    stored_hash: str | None,
    item: FeedItem,
    reports_: Sequence[MeetingReport],
) -> list[MeetingReport]:
    """The reports of a seen item to fold in again: none unless its content changed,
    then only those it did not make before (so unchanged facts are not re-alerted)."""
    if item.content_hash is None or stored_hash == item.content_hash:
        return []
    await conn.execute(
        update(items)
        .where(items.c.id == item_id)
        .values(content_hash=item.content_hash, title=item.title[:2000])
    )
    if stored_hash is None:
        return []  # recorded before hashes were kept: remember it, do not re-examine
    rows = (await conn.execute(select(reports).where(reports.c.item_id == item_id))).mappings()
    made = {_facts(codec.report_entry_from_row(row).report) for row in rows}
    return [report for report in reports_ if _facts(report) not in made]


def _expected_dated(now: datetime) -> list[Any]:
    return [
        meetings.c.expected.is_(True),
        meetings.c.date.is_not(None),
        meetings.c.last_day >= now.date(),
    ]


def _concerning(entity_ids: frozenset[str]) -> list[Any]:
    if not entity_ids:
        return []
    return [
        exists().where(
            meeting_entities.c.meeting_id == meetings.c.id,
            meeting_entities.c.entity_id.in_(sorted(entity_ids)),
        )
    ]


def _entity_expected_dated(entity_id: str, now: datetime) -> list[Any]:
    me = meeting_entities.c
    return [
        me.entity_id == entity_id,
        me.expected.is_(True),
        me.date.is_not(None),
        me.last_day >= now.date(),
    ]


async def _next_for_entities(
    conn: AsyncConnection, now: datetime, entity_ids: frozenset[str]
) -> list[Meeting]:
    """The next meeting of any of these entities: their first days in one statement (one
    index probe each), then the most reported meeting of the earliest."""
    me = meeting_entities.c
    firsts = [
        select(me.date)
        .where(*_entity_expected_dated(entity, now))
        .order_by(me.date)
        .limit(1)
        .scalar_subquery()
        for entity in sorted(entity_ids)
    ]
    row = (await conn.execute(select(*firsts))).first()
    days = [day for day in (row or ()) if day is not None]
    if not days:
        return []
    first = min(days)
    on_day = select(me.meeting_id).where(
        me.entity_id.in_(sorted(entity_ids)),
        me.expected.is_(True),
        me.date == first,
        me.last_day >= now.date(),
    )
    query = select(meetings).where(meetings.c.id.in_(on_day))
    return await _load_meetings(conn, _most_reported_first(query))


def _most_reported_first(query: Any) -> Any:
    """The first of these by day, then most reports, then id (``queries.next_meeting``)."""
    return query.order_by(meetings.c.date, meetings.c.report_count.desc(), meetings.c.id).limit(1)


def _upcoming_for_entities(now: datetime, entity_ids: frozenset[str], limit: int) -> Any:
    """The first ``limit`` dated expected meetings (by day, then id) of any of these:
    each entity's first ``limit`` through its index, merged in one statement."""
    me = meeting_entities.c
    each = [
        meetings.c.id.in_(
            select(me.meeting_id)
            .where(*_entity_expected_dated(entity, now))
            .order_by(me.date, me.meeting_id)
            .limit(limit)
        )
        for entity in sorted(entity_ids)
    ]
    return select(meetings).where(or_(*each)).order_by(meetings.c.date, meetings.c.id).limit(limit)


async def _load_meetings(conn: AsyncConnection, query: Any) -> list[Meeting]:
    rows = (await conn.execute(query)).mappings().all()
    if not rows:
        return []
    ids = [r["id"] for r in rows]
    entries: dict[int, list[ReportEntry]] = defaultdict(list)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rep_rows = (
            (
                await conn.execute(
                    select(reports).where(reports.c.meeting_id.in_(chunk)).order_by(reports.c.id)
                )
            )
            .mappings()
            .all()
        )
        for rr in rep_rows:
            entries[rr["meeting_id"]].append(codec.report_entry_from_row(rr))
    return [codec.meeting_from_rows(r, entries[r["id"]]) for r in rows]


async def _load_candidates(conn: AsyncConnection, query: Any) -> list[Meeting]:
    """Meetings with their tallies but not their reports (loaded only when untallied)."""
    rows = (await conn.execute(query)).mappings().all()
    tallied = [codec.meeting_from_rows(r, []) for r in rows if r["tally"] is not None]
    untallied = [r["id"] for r in rows if r["tally"] is None]
    if untallied:
        tallied += await _load_meetings(conn, select(meetings).where(meetings.c.id.in_(untallied)))
    return tallied


# ``model.reading_key`` as columns: the order the state rules read a meeting's reports
_READING_ORDER = (reports.c.source_published, reports.c.received_at, reports.c.id)


def _key_before(published: datetime, received_at: datetime, seq: int) -> Any:
    """Reports read before (published, received_at, seq), in :data:`_READING_ORDER`."""
    pub, rec, seq_column = _READING_ORDER
    return or_(
        pub < published,
        and_(
            pub == published,
            or_(rec < received_at, and_(rec == received_at, seq_column < seq)),
        ),
    )


def _prefilter_condition(predicate: assign.Prefilter) -> Any:
    """One pre-filter predicate of ``timeline.assign`` as a condition on ``meetings``."""
    m = meetings.c
    values = meeting_report_values.c
    if isinstance(predicate, assign.NamedDay):
        by_report_day = select(values.meeting_id).where(
            values.kind == "day",
            values.value.between(predicate.first.isoformat(), predicate.last.isoformat()),
        )
        return or_(m.id.in_(by_report_day), m.date.between(predicate.first, predicate.last))
    if isinstance(predicate, assign.MovedFromDay):
        moved_from = select(values.meeting_id).where(
            values.kind == "from-day", values.value == predicate.day.isoformat()
        )
        return m.id.in_(moved_from)
    if isinstance(predicate, assign.AtVenue):
        return and_(
            m.venue.in_(sorted(predicate.venues)),
            or_(
                m.last_day >= predicate.ended_since,
                and_(
                    m.last_published >= predicate.since,
                    or_(m.date.is_(None), m.status.in_(sorted(predicate.statuses))),
                ),
            ),
        )
    if isinstance(predicate, assign.ExpectedNamingVenue):
        by_report_venue = select(values.meeting_id).where(
            values.kind == "venue", values.value.in_(sorted(predicate.venues))
        )
        return and_(
            m.id.in_(by_report_venue), m.expected.is_(True), m.last_published >= predicate.since
        )
    if isinstance(predicate, assign.LiveSharingParticipant):
        by_who = select(meeting_entities.c.meeting_id).where(
            meeting_entities.c.entity_id.in_(sorted(predicate.participants))
        )
        return and_(
            m.id.in_(by_who),
            or_(m.expected.is_(True), m.status == MeetingStatus.POSTPONED.value),
            m.last_published >= predicate.since,
        )
    return and_(m.expected.is_(True), m.date <= predicate.until, m.last_day >= predicate.start)


@dataclass
class _SqlRecords:
    """``timeline.record.MeetingRecords`` in the transaction recording one item."""

    conn: AsyncConnection
    item_id: int
    now: datetime

    async def candidates(self, prefilters: Sequence[assign.Prefilter]) -> list[Meeting]:
        if not prefilters:
            return []
        query = select(meetings).where(or_(*(_prefilter_condition(p) for p in prefilters)))
        return await _load_candidates(self.conn, query)

    async def deciders_around(self, meeting_id: int, entry: ReportEntry) -> record.DecidersAround:
        pub, rec = entry.source.published, entry.received_at
        r = reports.c
        prev = (
            await self.conn.execute(
                select(r.decider_after)
                .where(r.meeting_id == meeting_id, _key_before(pub, rec, entry.seq))
                .order_by(*(column.desc() for column in _READING_ORDER))
                .limit(1)
            )
        ).first()
        if prev is not None and prev[0] is None:
            return record.DecidersAround(before=None, known=False, later=())
        later = await self.conn.execute(
            select(r.id, r.venue, r.date, r.date_end, r.status, r.tentative, r.official)
            .add_columns(r.previous_date, r.previous_venue, r.decider_after)
            .where(r.meeting_id == meeting_id, ~_key_before(pub, rec, entry.seq))
            .order_by(*_READING_ORDER)
        )
        return record.DecidersAround(
            before=state.Content.from_json(prev[0]) if prev is not None else None,
            known=True,
            # read lazily: the walk stops where the stored deciders agree again
            later=(
                record.LaterReport(
                    report_id=row["id"],
                    content=codec.report_content(row),
                    decider_after=(
                        state.Content.from_json(row["decider_after"])
                        if row["decider_after"] is not None
                        else None
                    ),
                )
                for row in later.mappings()
            ),
        )

    async def with_reports(self, meeting_id: int) -> Meeting:
        found = await _load_meetings(self.conn, select(meetings).where(meetings.c.id == meeting_id))
        return found[0]

    async def save(self, recorded: record.Recorded) -> Meeting:
        return await _save(self.conn, recorded, self.item_id, self.now)

    async def subscriptions(self) -> list[Subscription]:
        return await _active_subscriptions(self.conn)


async def _active_subscriptions(conn: AsyncConnection) -> list[Subscription]:
    rows = (
        (await conn.execute(select(subscriptions).where(subscriptions.c.active.is_(True))))
        .mappings()
        .all()
    )
    return [codec.subscription_from_row(r) for r in rows]


async def _save(
    conn: AsyncConnection, recorded: record.Recorded, item_id: int, now: datetime
) -> Meeting:
    """Store a merge: the meeting row and tallies, the new report, what it names."""
    result, entry, checkpoints, prior = (
        recorded.result,
        recorded.entry,
        recorded.checkpoints,
        recorded.prior,
    )
    meeting = result.meeting
    assert meeting is not None and meeting.tally is not None and checkpoints.own is not None
    cols = codec.meeting_columns(meeting.state)
    last_published = meeting.last_published
    if result.is_new:
        res = await conn.execute(
            insert(meetings)
            .values(**cols, created_at=now, updated_at=now, last_published=last_published)
            .returning(meetings.c.id)
        )
        meeting = replace(meeting, id=int(res.scalar_one()))
    assert meeting.tally is not None
    res = await conn.execute(
        insert(reports)
        .values(
            meeting_id=meeting.id,
            item_id=item_id,
            decider_after=checkpoints.own.to_json(),
            **codec.report_columns(entry),
        )
        .returning(reports.c.id)
    )
    counts = meeting.tally.rebind_seq(record.NEW_SEQ, int(res.scalar_one()))
    await conn.execute(
        update(meetings)
        .where(meetings.c.id == meeting.id)
        .values(
            **cols,
            updated_at=now,
            last_published=last_published,
            tally=counts.to_json(),
            report_count=counts.count,
        )
    )
    if checkpoints.updates:
        await conn.execute(
            update(reports)
            .where(reports.c.id == bindparam("report_id"))
            .values(decider_after=bindparam("decider", type_=JSON)),
            [{"report_id": rid, "decider": c.to_json()} for rid, c in checkpoints.updates],
        )
    if prior is None or not _names_nothing_new(prior, entry.report):
        await _save_report_values(conn, meeting.id, entry.report)
    if prior is None or _entities(prior.state) != _entities(meeting.state):
        await _save_entities(conn, meeting)
    elif codec.entity_columns(prior.state) != codec.entity_columns(meeting.state):
        await _mirror_to_entities(conn, meeting.id, meeting.state)
    return meeting


async def _mirror_to_entities(
    conn: AsyncConnection, meeting_id: int | None, state: MeetingState
) -> None:
    await conn.execute(
        update(meeting_entities)
        .where(meeting_entities.c.meeting_id == meeting_id)
        .values(**codec.entity_columns(state))
    )


def _names_nothing_new(meeting: Meeting, report: MeetingReport) -> bool:
    """The meeting's reports already named this report's day, venue and day moved from."""
    if meeting.tally is None:
        return False
    day_known = report.date is None or any(r[0] == report.date for r in meeting.tally.ranges())
    from_known = report.previous_date is None or any(
        c.previous_date == report.previous_date for c in meeting.tally.groups
    )
    venue_known = report.venue is None or report.venue in meeting.tally.venues()
    return day_known and from_known and venue_known


async def _save_report_values(
    conn: AsyncConnection, meeting_id: int | None, report: MeetingReport
) -> None:
    rows = [
        {"meeting_id": meeting_id, "kind": kind, "value": value}
        for kind, value in (
            ("day", report.date.isoformat() if report.date else None),
            ("venue", report.venue),
            ("from-day", report.previous_date.isoformat() if report.previous_date else None),
        )
        if value is not None
    ]
    if rows:
        stmt = insert_ignore(conn, meeting_report_values, ["meeting_id", "kind", "value"])
        await conn.execute(stmt, rows)


def _entities(state: MeetingState) -> set[str]:
    ids = set(state.participants)
    ids.update(v for v in (state.venue, state.previous_venue) if v)
    return ids


async def _save_entities(conn: AsyncConnection, meeting: Meeting) -> None:
    await conn.execute(delete(meeting_entities).where(meeting_entities.c.meeting_id == meeting.id))
    ids = _entities(meeting.state)
    if ids:
        await conn.execute(
            insert(meeting_entities),
            [
                {"meeting_id": meeting.id, "entity_id": e, **codec.entity_columns(meeting.state)}
                for e in sorted(ids)
            ],
        )


async def _save_changes(
    conn: AsyncConnection, alerts: Iterable[record.Alert], now: datetime
) -> list[Change]:
    """Store each change, and an outbox row for each chat it alerts."""
    out = []
    for alert in alerts:
        change = alert.change
        res = await conn.execute(
            insert(changes).values(**codec.change_columns(change)).returning(changes.c.id)
        )
        change_id = int(res.scalar_one())
        rows = []
        for sub in alert.recipients:
            platform = codec.platform_name(sub.target)
            rows.append(
                {
                    "idem_key": idem_key(change_id, platform, sub.target.chat_id),
                    "change_id": change_id,
                    "platform": platform,
                    "chat_id": sub.target.chat_id,
                    "state": DeliveryState.PENDING.value,
                    "attempts": 0,
                    "next_attempt_at": now,
                    "created_at": now,
                    "updated_at": now,
                }
            )
        if rows:
            await conn.execute(insert_ignore(conn, outbox, ["idem_key"]), rows)
        out.append(change)
    return out
