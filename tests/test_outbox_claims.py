"""Outbox claims on a real SQLite file: the index serves them, they hand out what a send
needs (the chat's zone and whether it is still subscribed), and sends are recorded in
batches."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from test_store import item, report

from bot.models import ChatTarget, Platform, SentRef
from bot.ports import ChatSettings, DeliveryState, SentRecord
from bot.store import Store
from bot.store.outbox import claim_query_plan

NOW = datetime(2026, 1, 30, 12, tzinfo=UTC)
CHATS = [ChatTarget(Platform.TELEGRAM, str(100 + i)) for i in range(3)]


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    s = await Store.open(f"sqlite+aiosqlite:///{tmp_path / 'claims.sqlite3'}")
    yield s
    await s.close()


async def test_the_claim_walks_indexes_without_a_scan_or_a_sort(store: Store) -> None:
    for target in CHATS:
        await store.subscriptions.subscribe(target, frozenset())
    await store.record_item("f1", item("a"), "en", [report(day=date(2026, 2, 1))], NOW)
    plan = await claim_query_plan(store.db, "telegram", NOW, 20)
    assert plan, "no plan read"
    assert not [step for step in plan if "TEMP B-TREE" in step], plan
    assert not [step for step in plan if step.startswith("SCAN outbox")], plan
    assert any("ix_outbox_platform_state_next_attempt_at_id" in step for step in plan), plan
    assert any("ix_outbox_platform_chat_id_state_id" in step for step in plan), plan


async def test_a_claim_hands_out_the_chats_zone_and_whether_it_is_still_subscribed(
    store: Store,
) -> None:
    kyiv, gone, plain = CHATS
    for target in CHATS:
        await store.subscriptions.subscribe(target, frozenset())
    await store.subscriptions.set_timezone(kyiv, "Europe/Kyiv")
    await store.record_item("f1", item("a"), "en", [report(day=date(2026, 2, 1))], NOW)
    await store.subscriptions.deactivate(gone, "blocked the bot")
    claimed = {e.target: e for e in await store.outbox.claim_due("telegram", NOW, 10, 60)}
    assert claimed[kyiv].chat == ChatSettings(active=True, timezone="Europe/Kyiv")
    assert claimed[plain].chat == ChatSettings(active=True, timezone="UTC")
    assert claimed[gone].chat is not None and not claimed[gone].chat.active


async def test_sends_recorded_in_one_batch_and_the_next_alert_knows_the_earlier_one(
    store: Store,
) -> None:
    for target in CHATS:
        await store.subscriptions.subscribe(target, frozenset())
    await store.record_item("f1", item("a"), "en", [report(day=date(2026, 2, 1))], NOW)
    first = await store.outbox.claim_due("telegram", NOW, 10, 60)
    assert len(first) == 3
    await store.outbox.mark_sent_many(
        [SentRecord(e.id, e.change.meeting_id, SentRef(e.target, f"m{e.id}"), NOW) for e in first]
    )
    # the same meeting moved: each chat's new alert carries the message to mark outdated
    moved = report(day=date(2026, 2, 3))
    await store.record_item("f1", item("b"), "en", [moved], NOW + timedelta(minutes=1))
    later = NOW + timedelta(minutes=2)
    second = await store.outbox.claim_due("telegram", later, 10, 60)
    assert len(second) == 3
    sent_as = {e.target: f"m{e.id}" for e in first}
    for entry in second:
        assert entry.previous_message == SentRef(entry.target, sent_as[entry.target])
        assert entry.previous_change == next(e.change for e in first)
    counts = await store.outbox.counts()
    assert counts == {DeliveryState.SENT.value: 3, DeliveryState.SENDING.value: 3}


async def test_an_expired_lease_is_found_again_through_the_due_index(store: Store) -> None:
    await store.subscriptions.subscribe(CHATS[0], frozenset())
    await store.record_item("f1", item("a"), "en", [report(day=date(2026, 2, 1))], NOW)
    (mine,) = await store.outbox.claim_due("telegram", NOW, 10, 60)
    assert await store.outbox.mark_attempting(mine.id, NOW, lease=mine.lease, hold_seconds=90)
    # the send's hold (90 s) outlasts the claim's lease (60 s): not due before it ends
    assert await store.outbox.claim_due("telegram", NOW + timedelta(seconds=80), 10, 60) == []
    (again,) = await store.outbox.claim_due("telegram", NOW + timedelta(seconds=91), 10, 60)
    assert again.id == mine.id and again.unknown_outcomes == 1  # it may have arrived
