"""The bound on copies when unknown outcomes (a send that timed out after leaving, and
a sender that died holding its lease) combine, on the real SQLite outbox with the real
Delivery and Telegram adapter. The rule: at most two copies of an alert, ever.

The outbox counts unknown outcomes per row: a timeout after the request left, and a
send under way when its sender died (marked just before it leaves, so the other rows
leased in the same batch are not counted). One unknown outcome is retried; two never.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from chatrig import ChatRig, enqueue, tg_target
from strictfakes import StrictTelegram, telegram_delivered

from bot.models import Message, Platform

TG = Platform.TELEGRAM
A = tg_target(101)


@pytest.fixture
async def tg() -> AsyncIterator[StrictTelegram]:
    fake = StrictTelegram()
    await fake.start()
    yield fake
    await fake.close()


@pytest.fixture
async def rig(tmp_path: Path, tg: StrictTelegram) -> AsyncIterator[ChatRig]:
    r = await ChatRig(tmp_path, tg, None).open()
    await r.subscribe(A)
    await enqueue(r.store, 1)
    yield r
    await r.close()


async def dead_sender_sends(rig: ChatRig) -> None:
    """Another sender claims the row, marks the send as leaving (as Delivery does), the
    platform accepts it, and the sender dies before mark_sent (nothing more is written)."""
    (entry,) = await rig.store.outbox.claim_due(TG, rig.clock(), 10, 30)
    await rig.store.outbox.mark_attempting(entry.id, rig.clock())
    await rig.platforms[TG].send(entry.target, Message(headline=f"Meeting #{entry.id}"))


async def test_crash_after_accept_then_timeout_gives_at_most_two(
    rig: ChatRig, tg: StrictTelegram
) -> None:
    await dead_sender_sends(rig)  # copy 1
    rig.clock.advance(31)  # its lease expires
    tg.slow_next("sendMessage")  # the resend leaves, its answer is lost: copy 2 (maybe)
    await rig.step(TG)
    rig.clock.advance(120)
    await rig.step(TG, 60.0, rounds=5)
    assert len(telegram_delivered(tg)) <= 2


async def test_crash_after_claim_then_success_is_one_copy(rig: ChatRig, tg: StrictTelegram) -> None:
    await rig.store.outbox.claim_due(TG, rig.clock(), 10, 30)  # claimed, died, never sent
    rig.clock.advance(31)
    await rig.step(TG)
    assert rig.rows()[0].state == "sent" and len(telegram_delivered(tg)) == 1


async def test_timeout_then_crash_during_the_retry_gives_at_most_two(
    rig: ChatRig, tg: StrictTelegram
) -> None:
    tg.slow_next("sendMessage")
    await rig.step(TG)  # copy 1 (maybe): UNCERTAIN
    assert rig.rows()[0].state == "uncertain"
    rig.clock.advance(61)
    await dead_sender_sends(rig)  # the one retry: copy 2, then the sender dies
    rig.clock.advance(31)
    await rig.step(TG, 60.0, rounds=5)
    assert len(telegram_delivered(tg)) <= 2
