"""Recording through the store's running tallies gives the state the reference
derivation gives over all of a meeting's stored reports, whatever order they arrive in."""

from __future__ import annotations

import random
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from bot.models import FeedItem, MeetingReport, MeetingState, MeetingStatus
from bot.store import Store
from bot.store.schema import meetings, reports
from bot.timeline import queries
from bot.timeline.derive import derive_state
from bot.timeline.model import DEFAULT_RULES

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_tally import random_entry

NOW = datetime(2026, 2, 1, 12, 0, tzinfo=UTC)


def feed_item(n: int, published: datetime) -> FeedItem:
    return FeedItem(
        feed_id="f",
        key=f"k{n}",
        title=f"item {n}",
        text="",
        link=f"https://news.example/{n}",
        published=published,
        outlet="Outlet",
        link_key=f"l:{n}",
    )


async def states(store: Store) -> dict[int, tuple[MeetingState, int]]:
    found = await store.meetings.all_meetings()
    return {m.id or 0: (m.state, len(m.reports)) for m in found}


async def forget_tallies(store: Store) -> None:
    """What a database migrated from before the tallies looks like."""

    async def work(conn: object) -> None:
        await conn.execute(update(meetings).values(tally=None))  # type: ignore[attr-defined]
        await conn.execute(update(reports).values(decider_after=None))  # type: ignore[attr-defined]

    await store.db.write(work)  # type: ignore[arg-type]


@pytest.mark.parametrize("seed", range(8))
async def test_every_recorded_state_equals_the_reference(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    store = await Store.open(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}")
    try:
        for n in range(45):
            if n == 25:
                await forget_tallies(store)
            now = NOW + timedelta(minutes=n)
            reports_: list[MeetingReport] = [
                random_entry(rng, n).report for _ in range(1 if rng.random() < 0.8 else 2)
            ]
            published = NOW - timedelta(hours=rng.randint(0, 240))
            before = await states(store)
            await store.record_item("f", feed_item(n, published), "en", reports_, now)
            for meeting in await store.meetings.all_meetings():
                prior = before.get(meeting.id or 0)
                if prior is not None and prior[1] == len(meeting.reports):
                    continue  # not touched by this item
                expected = derive_state(meeting.reports, now, DEFAULT_RULES, None)[0]
                if prior is not None and len(meeting.reports) == prior[1] + 1:
                    expected = derive_state(meeting.reports, now, DEFAULT_RULES, prior[0])[0]
                    assert meeting.state == expected, (n, meeting.id)
                else:  # two reports of one item: compare what the rules decide, not history
                    assert meeting.state.date == expected.date
                    assert meeting.state.venue == expected.venue
                    assert meeting.state.tentative == expected.tentative
    finally:
        await store.close()


def plan(rng: random.Random) -> MeetingReport:
    """Mostly plans, over a few weeks and places, a few undated."""
    day = NOW.date() + timedelta(days=rng.randint(-5, 25)) if rng.random() < 0.85 else None
    return MeetingReport(
        venue=rng.choice(("geneva", "abu-dhabi", "riyadh", "other:Oslo", None)),
        date=day,
        date_end=day + timedelta(days=1) if day and rng.random() < 0.2 else None,
        status=rng.choice([MeetingStatus.UPCOMING] * 6 + list(MeetingStatus)),
        tentative=rng.random() < 0.2,
        participants=tuple(rng.sample(("witkoff", "dmitriev", "umerov", "kushner"), 2)),
    )


@pytest.mark.parametrize("seed", range(4))
async def test_indexed_queries_answer_as_the_timeline_does(tmp_path: Path, seed: int) -> None:
    rng = random.Random(100 + seed)
    store = await Store.open(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}")
    try:
        for n in range(40):
            published = NOW - timedelta(hours=rng.randint(0, 240))
            await store.record_item("f", feed_item(n, published), "en", [plan(rng)], NOW)
            if n == 30:
                await store.record_ageing(NOW + timedelta(days=3))
        every = await store.meetings.all_meetings()
        filters = [frozenset(), frozenset({"witkoff"}), frozenset({"geneva", "umerov"})]
        shown = 0
        for days in (-6, -1, 0, 2, 4, 30):
            now = NOW + timedelta(days=days)
            for ids in filters:
                best = queries.next_meeting(every, now, ids)
                found = await store.meetings.next_meeting(now, ids)
                assert (found.id if found else None) == (best.id if best else None), (days, ids)
                listed = [m.id for m in queries.upcoming(every, now, ids, 50)]
                views = await store.meetings.upcoming(now, ids, limit=50)
                assert [v.id for v in views] == listed, (days, ids)
                shown += len(listed)
        assert shown >= 10  # the comparisons were not all empty
    finally:
        await store.close()


async def test_a_database_from_before_the_tallies_upgrades_and_keeps_answering(
    tmp_path: Path,
) -> None:
    from alembic import command
    from sqlalchemy.engine import Connection

    from bot.store.engine import _alembic_config

    rng = random.Random(7)
    url = f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}"
    store = await Store.open(url)
    for n in range(30):
        published = NOW - timedelta(hours=rng.randint(0, 240))
        await store.record_item("f", feed_item(n, published), "en", [plan(rng)], NOW)
    expected_next = await store.meetings.next_meeting(NOW, frozenset({"witkoff"}))
    expected_list = [v.id for v in await store.meetings.upcoming(NOW, frozenset({"geneva"}))]

    def downgrade(sync_conn: Connection) -> None:
        cfg = _alembic_config()
        cfg.attributes["connection"] = sync_conn
        command.downgrade(cfg, "0008")

    await store.db.write(lambda conn: conn.run_sync(downgrade))
    await store.close()
    store = await Store.open(url)  # upgrades again: values and mirrors filled from the rows
    try:
        found = await store.meetings.next_meeting(NOW, frozenset({"witkoff"}))
        assert found is not None and expected_next is not None and found.id == expected_next.id
        listed = [v.id for v in await store.meetings.upcoming(NOW, frozenset({"geneva"}))]
        assert listed == expected_list
        for n in range(30, 45):  # untallied meetings are rebuilt from their reports
            published = NOW - timedelta(hours=rng.randint(0, 240))
            before = {m.id: m for m in await store.meetings.all_meetings()}
            await store.record_item("f", feed_item(n, published), "en", [plan(rng)], NOW)
            for meeting in await store.meetings.all_meetings():
                prior = before.get(meeting.id)
                if prior is None or len(prior.reports) == len(meeting.reports):
                    continue
                reference = derive_state(meeting.reports, NOW, DEFAULT_RULES, prior.state)[0]
                assert meeting.state == reference
    finally:
        await store.close()
