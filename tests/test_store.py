"""The store on a real SQLite file: migrations, the record_item transaction, outbox."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.ingest.state import FetchState
from bot.models import (
    ChangeKind,
    ChatTarget,
    FeedItem,
    MeetingReport,
    MeetingStatus,
    Platform,
    SentRef,
)
from bot.ports import DeliveryState
from bot.store import Store
from bot.store.engine import current_revision, head_revision
from bot.store.schema import changes, items, meetings, outbox, reports

NOW = datetime(2026, 1, 30, 12, tzinfo=UTC)
TG = ChatTarget(Platform.TELEGRAM, "100")
TG2 = ChatTarget(Platform.TELEGRAM, "200")
SLACK = ChatTarget(Platform.SLACK, "C1")


def item(key: str, *, published: datetime = NOW, link: str | None = None) -> FeedItem:
    return FeedItem(
        feed_id="f1",
        key=key,
        title=f"title {key}",
        text="",
        link=link or f"https://example.org/{key}",
        published=published,
        outlet="Example",
        link_key=f"l:{link or key}",
    )


def report(
    venue: str | None = "abu-dhabi",
    day: date | None = date(2026, 2, 1),
    status: MeetingStatus = MeetingStatus.UPCOMING,
    *,
    who: tuple[str, ...] = ("witkoff",),
    tentative: bool = False,
    prev: date | None = None,
) -> MeetingReport:
    return MeetingReport(
        venue=venue,
        date=day,
        date_end=None,
        status=status,
        tentative=tentative,
        participants=who,
        previous_date=prev,
        evidence="A sentence.",
    )


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    s = await Store.open(f"sqlite+aiosqlite:///{tmp_path / 'sub' / 'bot.sqlite3'}")
    yield s
    await s.close()


async def count(store: Store, table: object) -> int:
    async def work(conn: object) -> int:
        return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())  # type: ignore[attr-defined]

    return await store.db.read(work)  # type: ignore[arg-type]


async def test_migrations_create_file_and_schema(tmp_path: Path) -> None:
    path = tmp_path / "new" / "dir" / "bot.sqlite3"
    s = await Store.open(f"sqlite+aiosqlite:///{path}")
    try:
        assert path.exists()
        assert await current_revision(s.db) == head_revision()
        con = sqlite3.connect(path)
        tables = {r[0] for r in con.execute("select name from sqlite_master where type='table'")}
        mode = con.execute("pragma journal_mode").fetchone()[0]
        con.close()
        assert {
            "feeds",
            "items",
            "meetings",
            "reports",
            "changes",
            "subscriptions",
            "outbox",
            "sent_messages",
            "processed_updates",
        } <= tables
        assert mode == "wal"
    finally:
        await s.close()
    s2 = await Store.open(f"sqlite+aiosqlite:///{path}")  # re-running is a no-op
    await s2.close()


async def test_record_item_is_idempotent_and_fans_out(store: Store) -> None:
    await store.subscriptions.subscribe(TG, frozenset())
    await store.subscriptions.subscribe(SLACK, frozenset({"miami"}))
    first = await store.record_item("f1", item("a"), "en", [report()], NOW)
    assert [c.kind for c in first] == [ChangeKind.ANNOUNCED]
    assert first[0].meeting_id > 0
    again = await store.record_item("f1", item("a"), "en", [report()], NOW)
    assert again == []
    # the same article under another key (GUID churn) is also recognised by its link
    churn = await store.record_item("f1", item("a2", link="a"), "en", [report()], NOW)
    assert churn == []
    assert await count(store, reports) == 1
    assert await count(store, outbox) == 1  # the slack chat filters for Miami only
    # a second outlet saying the same: a source, no change, no alert
    same = await store.record_item("f2", item("b"), "ru", [report()], NOW)
    assert same == [] and await count(store, outbox) == 1
    view = await store.meetings.next_meeting(NOW)
    assert view is not None and len(view.sources) == 2


async def test_backlog_is_recorded_without_alerts(store: Store) -> None:
    await store.subscriptions.subscribe(TG, frozenset())
    found = await store.record_item("f1", item("a"), "en", [report()], NOW, alert=False)
    assert [c.kind for c in found] == [ChangeKind.ANNOUNCED]
    assert await count(store, outbox) == 0
    assert await store.meetings.next_meeting(NOW) is not None


async def test_failure_mid_transaction_leaves_nothing(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    await store.subscriptions.subscribe(TG, frozenset())
    import bot.store.meetings as mod

    async def boom(*args: object, **kwargs: object) -> list[object]:
        raise RuntimeError("disk full")

    monkeypatch.setattr(mod, "_save_changes", boom)
    with pytest.raises(RuntimeError):
        await store.record_item("f1", item("a"), "en", [report()], NOW)
    for table in (items, meetings, reports, changes, outbox):
        assert await count(store, table) == 0
    monkeypatch.undo()
    assert await store.record_item("f1", item("a"), "en", [report()], NOW)  # retried: works
    assert await count(store, outbox) == 1


async def test_rescheduling_story_and_queries(store: Store) -> None:
    await store.subscriptions.subscribe(TG, frozenset({"abu-dhabi"}))
    t1 = datetime(2026, 1, 31, 23, 59, tzinfo=UTC)
    await store.record_item("f1", item("a", published=t1), "pl", [report(tentative=True)], t1)
    t2 = datetime(2026, 2, 3, 23, 59, tzinfo=UTC)
    moved = report(day=date(2026, 2, 4), status=MeetingStatus.RESCHEDULED, prev=date(2026, 2, 1))
    found = await store.record_item("f1", item("b", published=t2), "ru", [moved], t2)
    assert [c.kind for c in found] == [ChangeKind.RESCHEDULED]
    nxt = await store.meetings.next_meeting(t2)
    assert nxt is not None and nxt.state.date == date(2026, 2, 4)
    assert nxt.state.previous_date == date(2026, 2, 1)
    assert await store.meetings.next_meeting(t2, frozenset({"miami"})) is None
    assert [v.id for v in await store.meetings.upcoming(t2)] == [nxt.id]
    assert len(await store.meetings.recent_changes(t1 - timedelta(days=1))) == 2
    history = await store.meetings.meeting_history(nxt.id, t2)
    assert history is not None and len(history.changes) == 2
    assert any(line.startswith("day 2026-02-04") for line in history.explanation)
    # ageing: after the day passes it is presumed held, once
    later = datetime(2026, 2, 7, 12, tzinfo=UTC)
    aged = await store.record_ageing(later)
    assert [c.kind for c in aged] == [ChangeKind.PRESUMED_HELD]
    assert await store.record_ageing(later) == []
    assert await store.meetings.next_meeting(later) is None
    # presumed held is our inference, stored for history but not alerted
    assert await count(store, outbox) == 2


async def _three_rows(store: Store) -> None:
    await store.subscriptions.subscribe(TG, frozenset())
    await store.subscriptions.subscribe(TG2, frozenset())
    await store.record_item("f1", item("a"), "en", [report(day=date(2026, 2, 1))], NOW)
    await store.record_item("f1", item("b"), "en", [report("miami", date(2026, 3, 1))], NOW)


async def test_claim_lease_expiry_and_fifo(store: Store) -> None:
    await _three_rows(store)
    first = await store.outbox.claim_due("telegram", NOW, 10, 60)
    # one head row per chat: each chat's second alert waits for its first
    assert sorted(e.target.chat_id for e in first) == ["100", "200"]
    assert all(e.state == DeliveryState.PENDING for e in first)
    assert await store.outbox.claim_due("telegram", NOW, 10, 60) == []  # leased
    assert await store.outbox.claim_due("slack", NOW, 10, 60) == []
    a, b = sorted(first, key=lambda e: e.target.chat_id)
    await store.outbox.mark_sent(a.id, SentRef(a.target, "m1"), NOW)
    # chat 100 moves on to its next row; chat 200 is still leased
    nxt = await store.outbox.claim_due("telegram", NOW, 10, 60)
    assert [e.target.chat_id for e in nxt] == ["100"]
    assert nxt[0].change.after.venue == "miami"
    # the sender of chat 200 died: its lease expires and the row comes back
    back = await store.outbox.claim_due("telegram", NOW + timedelta(seconds=61), 10, 60)
    assert (b.id, DeliveryState.SENDING) in [(e.id, e.state) for e in back]
    assert len(back) == 2  # chat 100's leased row expired too
    await store.outbox.mark_sent(nxt[0].id, SentRef(nxt[0].target, "m2"), NOW)
    await store.outbox.mark_retry(b.id, NOW + timedelta(minutes=5), "429", count_attempt=False)
    assert await store.outbox.claim_due("telegram", NOW + timedelta(minutes=2), 10, 60) == []
    again = await store.outbox.claim_due("telegram", NOW + timedelta(minutes=6), 10, 60)
    assert [e.id for e in again] == [b.id] and again[0].attempts == 0
    await store.outbox.mark_uncertain(b.id, NOW + timedelta(minutes=7), "timeout")
    unc = await store.outbox.claim_due("telegram", NOW + timedelta(minutes=8), 10, 60)
    assert unc[0].state == DeliveryState.UNCERTAIN and unc[0].attempts == 1
    await store.outbox.mark_failed(b.id, DeliveryState.DEAD, "gave up")


async def test_a_late_answer_on_a_claimed_row_is_counted_and_the_row_given_back(
    store: Store,
) -> None:
    # the row's first send got no answer; it is claimed again when a late answer says
    # that send failed: one unknown outcome fewer, and the claim gives it back untried
    await store.subscriptions.subscribe(TG, frozenset())
    await store.record_item("f1", item("a"), "en", [report()], NOW)
    [row] = await store.outbox.claim_due("telegram", NOW, 10, 60)
    await store.outbox.mark_uncertain(
        row.id, NOW + timedelta(minutes=1), "timeout", lease=row.lease
    )
    [again] = await store.outbox.claim_due("telegram", NOW + timedelta(minutes=2), 10, 60)
    assert again.unknown_outcomes == 1
    await store.outbox.forget_unknown_outcome(again.id)
    await store.outbox.mark_uncertain(
        again.id, NOW + timedelta(minutes=2), "answered meanwhile", lease=again.lease, counted=False
    )
    [fresh] = await store.outbox.claim_due("telegram", NOW + timedelta(minutes=2), 10, 60)
    assert (fresh.state, fresh.unknown_outcomes, fresh.attempts) == (DeliveryState.RETRY, 0, 1)
    # given back untried while an unknown outcome remains, it stays uncertain
    await store.outbox.mark_uncertain(
        fresh.id, NOW + timedelta(minutes=3), "timeout", lease=fresh.lease
    )
    [third] = await store.outbox.claim_due("telegram", NOW + timedelta(minutes=3), 10, 60)
    await store.outbox.mark_uncertain(
        third.id, NOW + timedelta(minutes=3), "still awaited", lease=third.lease, counted=False
    )
    [fourth] = await store.outbox.claim_due("telegram", NOW + timedelta(minutes=3), 10, 60)
    assert (fourth.state, fourth.unknown_outcomes, fourth.attempts) == (
        DeliveryState.UNCERTAIN,
        1,
        2,
    )


async def test_previous_message_is_offered_for_the_same_meeting(store: Store) -> None:
    await store.subscriptions.subscribe(TG, frozenset())
    await store.record_item("f1", item("a"), "en", [report(tentative=True)], NOW)
    [e1] = await store.outbox.claim_due("telegram", NOW, 10, 60)
    assert e1.previous_message is None
    await store.outbox.mark_sent(e1.id, SentRef(TG, "555"), NOW)
    await store.record_item("f1", item("b"), "en", [report()], NOW)  # confirmed
    [e2] = await store.outbox.claim_due("telegram", NOW, 10, 60)
    assert e2.change.kind == ChangeKind.CONFIRMED
    assert e2.previous_message == SentRef(TG, "555")


async def test_subscriptions_unique_filters_and_deactivation(store: Store) -> None:
    subs = store.subscriptions
    await asyncio.gather(
        subs.subscribe(TG, frozenset({"witkoff"})), subs.subscribe(TG, frozenset({"witkoff"}))
    )
    assert len(await subs.active()) == 1
    sub = await subs.subscribe(TG, frozenset({"miami"}))
    assert sub.entity_ids == {"witkoff", "miami"}
    left = await subs.unsubscribe(TG, frozenset({"witkoff"}))
    assert left is not None and left.entity_ids == {"miami"}
    await subs.deactivate(TG, "Forbidden: bot was blocked by the user")
    kept = await subs.get(TG)
    assert kept is not None and not kept.active and kept.entity_ids == {"miami"}
    assert await subs.deactivation_reason(TG) == "Forbidden: bot was blocked by the user"
    assert await subs.active() == []
    await subs.reactivate(TG)
    assert (await subs.get(TG)).active  # type: ignore[union-attr]
    tz = await subs.set_timezone(SLACK, "Europe/Warsaw")
    assert tz.timezone == "Europe/Warsaw" and not tz.active
    assert await subs.unsubscribe(TG, None) is None
    console = ChatTarget(Platform.CONSOLE, "stdout")
    assert (await subs.subscribe(console, frozenset())).target == console


async def test_migrate_rekeys_subscription_and_pending_rows(store: Store) -> None:
    await store.subscriptions.subscribe(TG, frozenset())
    await store.record_item("f1", item("a"), "en", [report()], NOW)
    await store.record_item("f1", item("b"), "en", [report("miami", date(2026, 3, 1))], NOW)
    [first] = await store.outbox.claim_due("telegram", NOW, 10, 60)
    await store.outbox.mark_sent(first.id, SentRef(TG, "1"), NOW)
    new = ChatTarget(Platform.TELEGRAM, "-100999")
    await store.subscriptions.migrate(TG, new)
    assert await store.subscriptions.get(TG) is None
    assert (await store.subscriptions.get(new)) is not None
    [pending] = await store.outbox.claim_due("telegram", NOW, 10, 60)
    assert pending.target == new


async def test_feed_state_items_and_update_dedup(store: Store) -> None:
    assert await store.feeds.load("f1") is None
    state = FetchState(etag='"x"', last_status=200, items_seen=3, last_fetch_at=NOW)
    await store.feeds.save("f1", state, NOW)
    await store.feeds.save("f1", state, NOW)
    assert await store.feeds.load("f1") == state
    assert list(await store.feeds.all()) == ["f1"]
    await store.record_item("f1", item("a"), "en", [], NOW)
    assert await store.items.is_seen("f1", "a")
    assert not await store.items.is_seen("f2", "a")
    assert await store.items.is_seen("f2", "zz", link_key="l:a")
    assert await store.items.seen_keys("f1", ["a", "b"]) == {"a"}
    assert await store.updates.first_time("telegram", "42", NOW)
    assert not await store.updates.first_time("telegram", "42", NOW)
    assert await store.updates.first_time("slack", "42", NOW)


async def test_busy_database_is_retried(tmp_path: Path) -> None:
    path = tmp_path / "busy.sqlite3"
    s = await Store.open(f"sqlite+aiosqlite:///{path}", busy_timeout_ms=20, busy_retries=8)
    try:
        other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        other.execute("BEGIN IMMEDIATE")  # another process holds the write lock

        async def release() -> None:
            await asyncio.sleep(0.3)
            other.execute("COMMIT")

        releaser = asyncio.create_task(release())
        found = await s.record_item("f1", item("a"), "en", [report()], NOW)
        await releaser
        other.close()
        assert [c.kind for c in found] == [ChangeKind.ANNOUNCED]
        assert s.db.busy_retried >= 1
    finally:
        await s.close()


async def test_stored_dedup_survives_restart_and_releases(tmp_path: Path) -> None:
    from bot.store.feeds import StoredDedup

    url = f"sqlite+aiosqlite:///{tmp_path / 'dedup.db'}"
    store = await Store.open(url)
    dedup = StoredDedup(store.updates, "telegram", lambda: NOW)
    assert await dedup.claim("1001") is True
    assert await dedup.claim("1001") is False
    assert await dedup.claim("1002") is True
    await dedup.release("1002")  # the handler failed: a redelivery must be handled
    await store.close()
    store = await Store.open(url)
    dedup = StoredDedup(store.updates, "telegram", lambda: NOW)
    assert await dedup.claim("1001") is False  # remembered across a restart
    assert await dedup.claim("1002") is True
    assert await StoredDedup(store.updates, "slack", lambda: NOW).claim("1001") is True
    await store.close()


async def test_upgrade_from_the_first_schema_keeps_pending_rows(tmp_path: Path) -> None:
    """A database made by revision 0001 upgrades in place; rows waiting after an unknown
    outcome keep it counted."""
    from bot.store.engine import Database, make_engine, upgrade

    path = tmp_path / "old.sqlite3"
    url = f"sqlite+aiosqlite:///{path}"
    old = Database(make_engine(url))
    await upgrade(old, "0001")
    await old.dispose()
    con = sqlite3.connect(path)
    con.execute(
        "insert into changes (id, meeting_id, kind, at, after, reason) "
        "values (1, 1, 'announced', '2026-01-01 00:00:00', '{}', '')"
    )
    con.execute(
        "insert into outbox (idem_key, change_id, platform, chat_id, state, attempts, "
        "next_attempt_at, created_at, updated_at) values "
        "('1:telegram:5', 1, 'telegram', '5', 'uncertain', 1, '2026-01-01 00:00:00', "
        "'2026-01-01 00:00:00', '2026-01-01 00:00:00')"
    )
    con.commit()
    con.close()
    store = await Store.open(url)
    try:
        assert await current_revision(store.db) == head_revision()
        con = sqlite3.connect(path)
        row = con.execute("select state, unknown_outcomes from outbox").fetchone()
        con.close()
        assert row == ("uncertain", 1)
    finally:
        await store.close()


async def test_a_send_goes_out_only_under_the_lease_that_still_holds_the_row(
    store: Store,
) -> None:
    await _three_rows(store)
    first = await store.outbox.claim_due("telegram", NOW, 1, 60)
    (mine,) = first
    later = NOW + timedelta(seconds=61)  # expired before its sender reached it
    assert not await store.outbox.mark_attempting(mine.id, later, lease=mine.lease)
    (theirs,) = await store.outbox.claim_due("telegram", later, 1, 60)
    assert theirs.id == mine.id and theirs.lease != mine.lease
    assert not await store.outbox.mark_attempting(mine.id, later, lease=mine.lease)
    # the old sender's outcome writes are ignored too; the new holder's go through
    await store.outbox.mark_retry(mine.id, later, "stale", lease=mine.lease)
    assert await store.outbox.mark_attempting(
        theirs.id, later, lease=theirs.lease, hold_seconds=120
    )
    # the attempt extended the lease over the send: nobody else may claim it meanwhile
    meanwhile = await store.outbox.claim_due("telegram", later + timedelta(seconds=90), 10, 60)
    assert theirs.id not in [e.id for e in meanwhile]
    (row,) = [r for r in await store.outbox.listing(None, 10) if r.id == theirs.id]
    assert row.state == "sending" and row.last_error is None


async def test_moved_from_finds_the_meeting_that_records_that_old_day(store: Store) -> None:
    # the newer report of the move arrives first; the older one, naming another new day,
    # still finds the meeting through the day it moved from (only its recorded history)
    t1 = datetime(2026, 1, 28, 23, 59, tzinfo=UTC)
    first = report(day=date(2026, 2, 20), status=MeetingStatus.RESCHEDULED, prev=date(2026, 2, 1))
    await store.record_item("f1", item("a", published=t1), "en", [first], t1)
    t0 = datetime(2026, 1, 27, 23, 59, tzinfo=UTC)
    late = report(
        None, date(2026, 2, 10), MeetingStatus.RESCHEDULED, prev=date(2026, 2, 1)
    )  # no venue: only the day it moved from leads to the meeting
    await store.record_item("f1", item("b", published=t0), "en", [late], t1)
    assert await count(store, meetings) == 1


async def test_upgrade_indexes_the_days_meetings_moved_from(tmp_path: Path) -> None:
    """A database from before the moved-from days were indexed learns them on upgrade,
    so a late report of the move still finds its meeting."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'moved.sqlite3'}"
    store = await Store.open(url)
    t1 = datetime(2026, 1, 28, 23, 59, tzinfo=UTC)
    first = report(day=date(2026, 2, 20), status=MeetingStatus.RESCHEDULED, prev=date(2026, 2, 1))
    await store.record_item("f1", item("a", published=t1), "en", [first], t1)
    await store.close()
    con = sqlite3.connect(tmp_path / "moved.sqlite3")
    con.execute("delete from meeting_report_values where kind = 'from-day'")
    # back to the outbox indexes of 0009, which a later migration replaces
    con.execute("drop index ix_outbox_platform_chat_id_state_id")
    con.execute("drop index ix_outbox_platform_state_next_attempt_at_id")
    con.execute(
        "create index ix_outbox_platform_state_next_attempt_at"
        " on outbox (platform, state, next_attempt_at)"
    )
    con.execute("update alembic_version set version_num = '0009'")
    con.commit()
    con.close()
    store = await Store.open(url)
    try:
        assert await current_revision(store.db) == head_revision()
        t0 = datetime(2026, 1, 27, 23, 59, tzinfo=UTC)
        late = report(None, date(2026, 2, 10), MeetingStatus.RESCHEDULED, prev=date(2026, 2, 1))
        await store.record_item("f1", item("b", published=t0), "en", [late], t1)
        assert await count(store, meetings) == 1
    finally:
        await store.close()
