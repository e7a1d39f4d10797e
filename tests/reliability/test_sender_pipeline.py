"""The running sender (``Delivery.start``) with the real adapters against the fakes, a
real SQLite store and the real clock: many sends in flight keep each chat's order, and
one platform's backlog does not hold the other back."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from chatrig import ChatRig, enqueue, slack_target, tg_target
from strictfakes import CountingSlack, StrictTelegram, telegram_delivered


class ConcurrentTelegram(StrictTelegram):
    """Answers every send after ``delay`` seconds and counts the sends open at once."""

    delay = 0.05

    def __post_init__(self) -> None:
        super().__post_init__()
        self.open_now = 0
        self.most_open = 0

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["method"] != "sendMessage":
            return await super()._handle(request)
        self.open_now += 1
        self.most_open = max(self.most_open, self.open_now)
        try:
            await asyncio.sleep(self.delay)
            return await super()._handle(request)
        finally:
            self.open_now -= 1


@pytest.fixture
async def tg() -> AsyncIterator[ConcurrentTelegram]:
    fake = ConcurrentTelegram()
    await fake.start()
    yield fake
    await fake.close()


@pytest.fixture
async def slack() -> AsyncIterator[CountingSlack]:
    fake = CountingSlack()
    await fake.start()
    yield fake
    await fake.close()


def real_time(rig: ChatRig) -> None:
    """The delivery clock runs from the rig's date at the real pace (pacing is real)."""
    t0, base = time.monotonic(), rig.clock.now

    def now() -> datetime:
        return base + timedelta(seconds=time.monotonic() - t0)

    rig.delivery.clock = now
    rig.delivery.idle_seconds = 0.05


async def until(done: Any, within: float) -> None:
    deadline = time.monotonic() + within
    while not done():
        assert time.monotonic() < deadline, "not done in time"
        await asyncio.sleep(0.02)


def meetings_per_chat(tg: StrictTelegram) -> dict[str, list[int]]:
    order: dict[str, list[int]] = {}
    for call in telegram_delivered(tg):
        found = re.search(r"Meeting #(\d+)", str(call["text"]))
        assert found, call["text"]
        order.setdefault(str(call["chat_id"]), []).append(int(found.group(1)))
    return order


async def test_many_sends_in_flight_keep_each_chats_order(
    tmp_path: Path, tg: ConcurrentTelegram
) -> None:
    rig = await ChatRig(tmp_path, tg, None).open()
    real_time(rig)
    chats = [tg_target(1000 + i) for i in range(6)]
    try:
        await rig.subscribe(*chats)
        await enqueue(rig.store, 4)  # four alerts for every chat, in this order
        await rig.delivery.start()
        await until(lambda: len(telegram_delivered(tg)) >= 24, within=20)
        await asyncio.sleep(0.2)  # nothing more comes
    finally:
        await rig.delivery.stop()
        await rig.close()
    order = meetings_per_chat(tg)
    assert sorted(order) == sorted(c.chat_id for c in chats)
    for chat, meetings in order.items():
        assert meetings == sorted(meetings) and len(meetings) == 4, (chat, meetings)
    assert tg.most_open > 1  # sends to different chats went side by side
    assert {row.state for row in rig.rows()} == {"sent"}


async def test_slack_keeps_its_pace_while_telegram_works_through_a_backlog(
    tmp_path: Path, tg: ConcurrentTelegram, slack: CountingSlack
) -> None:
    # Telegram may send 10 a second: 60 chats take 5 s; Slack's 8 channels go at once
    rig = await ChatRig(tmp_path, tg, slack, telegram_global_per_second=10).open()
    real_time(rig)
    try:
        await rig.subscribe(*(tg_target(2000 + i) for i in range(60)))
        await rig.subscribe(*(slack_target(f"C{i:03d}") for i in range(8)))
        await enqueue(rig.store, 1)
        await rig.delivery.start()
        started = time.monotonic()
        await until(lambda: len(slack.delivered) >= 8, within=10)
        slack_took = time.monotonic() - started
        telegram_then = len(telegram_delivered(tg))
    finally:
        await rig.delivery.stop()
        await rig.close()
    assert slack_took < 1.5
    assert telegram_then < 60  # Telegram still had its backlog meanwhile


async def test_rows_claimed_ahead_are_given_back_when_the_sender_stops(
    tmp_path: Path, tg: ConcurrentTelegram
) -> None:
    # 2 sends a second: most of the rows claimed ahead are still waiting at the stop
    rig = await ChatRig(tmp_path, tg, None, telegram_global_per_second=2).open()
    real_time(rig)
    try:
        await rig.subscribe(*(tg_target(3000 + i) for i in range(12)))
        await enqueue(rig.store, 1)
        await rig.delivery.start()
        await until(lambda: [r.state for r in rig.rows()].count("sent") >= 2, within=10)
        await rig.delivery.stop()
        states = [row.state for row in rig.rows()]
    finally:
        await rig.close()
    # none left leased until its lease runs out: due again at once for the next start
    assert "sending" not in states, states
    assert states.count("retry") >= 8 and states.count("sent") >= 2, states
