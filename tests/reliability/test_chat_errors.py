"""Every chat error class through the REAL adapters (python-telegram-bot, slack_sdk)
against the fakes, with the REAL SQLite outbox and the real Delivery.

Each case checks the row's final state, the number of deliveries (never more than the
documented ambiguous window allows), and that other chats keep flowing.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest
from chatrig import ChatRig, enqueue, slack_target, tg_target
from relkit import blackhole_port
from strictfakes import CountingSlack, StrictTelegram, telegram_delivered

from bot.models import Platform

TG, SL = Platform.TELEGRAM, Platform.SLACK
A, B = tg_target(101), tg_target(202)
GROUP_OLD, GROUP_NEW = tg_target(-55), tg_target(-100555)
CA, CB = slack_target("CA1"), slack_target("CB2")


@pytest.fixture
async def tg() -> AsyncIterator[StrictTelegram]:
    fake = StrictTelegram()
    await fake.start()
    yield fake
    await fake.close()


@pytest.fixture
async def slack() -> AsyncIterator[CountingSlack]:
    fake = CountingSlack()
    await fake.start()
    yield fake
    await fake.close()


@pytest.fixture
async def rig(tmp_path: Path, tg: StrictTelegram, slack: CountingSlack) -> AsyncIterator[ChatRig]:
    r = await ChatRig(tmp_path, tg, slack).open()
    yield r
    await r.close()


def to(fake_calls: list[dict[str, object]], chat: object) -> int:
    return sum(1 for c in fake_calls if str(c.get("chat_id", c.get("channel"))) == str(chat))


def state_of(rig: ChatRig, chat: str) -> list[str]:
    return [r.state for r in rig.rows() if r.chat_id == chat]


# --------------------------------------------------------------------------- Telegram


async def test_telegram_retry_after_reschedules_and_others_flow(
    rig: ChatRig, tg: StrictTelegram
) -> None:
    await rig.subscribe(A, B)
    await enqueue(rig.store, 1)
    tg.fail_next("sendMessage", 429, "Too Many Requests: retry after 30", {"retry_after": 30})
    await rig.step(TG)
    (ra,) = [r for r in rig.rows() if r.chat_id == "101"]
    assert ra.state == "retry" and ra.attempts == 0
    assert state_of(rig, "202") == ["sent"]  # the other chat was not held up
    rig.clock.advance(29)
    await rig.step(TG)
    assert state_of(rig, "101") == ["retry"]  # not before retry_after
    rig.clock.advance(2)
    await rig.step(TG)
    assert state_of(rig, "101") == ["sent"]
    assert to(telegram_delivered(tg), 101) == 1 and to(tg.sent, 101) == 2


@pytest.mark.parametrize(
    ("status", "description"),
    [
        (403, "Forbidden: bot was blocked by the user"),
        (403, "Forbidden: bot was kicked from the group chat"),
        (403, "Forbidden: user is deactivated"),
        (400, "Bad Request: chat not found"),
    ],
)
async def test_telegram_permanent_errors_deactivate_and_stop(
    rig: ChatRig, tg: StrictTelegram, status: int, description: str
) -> None:
    await rig.subscribe(A, B)
    await enqueue(rig.store, 3)
    tg.fail_next("sendMessage", status, description)
    await rig.step(TG, 1.0, rounds=6)
    assert state_of(rig, "101") == ["failed_permanent"] * 3
    assert state_of(rig, "202") == ["sent"] * 3
    assert to(tg.sent, 101) == 1  # one attempt, then never again
    sub = await rig.store.subscriptions.get(A)
    assert sub is not None and not sub.active
    reason = await rig.store.subscriptions.deactivation_reason(A)
    assert reason and description.split(": ", 1)[1].split()[0].lower() in reason.lower()
    await enqueue(rig.store, 1, start=10)  # later alerts are not even queued for A
    await rig.step(TG, 1.0, rounds=2)
    assert to(tg.sent, 101) == 1


async def test_telegram_chat_migrated_rekeys_and_delivers_once(
    rig: ChatRig, tg: StrictTelegram
) -> None:
    await rig.subscribe(GROUP_OLD)
    await enqueue(rig.store, 3)
    tg.fail_next(
        "sendMessage",
        400,
        "Bad Request: group chat was upgraded to a supergroup chat",
        {"migrate_to_chat_id": int(GROUP_NEW.chat_id)},
    )
    await rig.step(TG, 2.0, rounds=6)
    assert [(r.chat_id, r.state) for r in rig.rows()] == [("-100555", "sent")] * 3
    assert await rig.store.subscriptions.get(GROUP_OLD) is None
    new = await rig.store.subscriptions.get(GROUP_NEW)
    assert new is not None and new.active
    delivered = telegram_delivered(tg)
    assert to(delivered, -100555) == 3 and to(delivered, -55) == 0
    assert to(tg.sent, -55) == 1  # only the attempt that reported the migration
    await enqueue(rig.store, 1, start=10)  # new alerts go to the new id directly
    await rig.step(TG, 2.0, rounds=2)
    assert to(tg.sent, -55) == 1 and to(telegram_delivered(tg), -100555) == 4


async def test_telegram_cant_parse_entities_falls_back_to_plain_once(
    rig: ChatRig, tg: StrictTelegram
) -> None:
    # The fake's scripted answers go to whichever send comes next: one send at a time
    # makes them this chat's (its HTML send, then its plain resend).
    rig.delivery.max_in_flight = 1
    await rig.subscribe(A, B)
    await enqueue(rig.store, 1)
    tg.fail_next("sendMessage", 400, "Bad Request: can't parse entities: unsupported start tag")
    await rig.step(TG)
    plain = [c for c in tg.sent if str(c["chat_id"]) == "101"]
    assert [c.get("parse_mode") for c in plain] == ["HTML", None]
    assert state_of(rig, "101") == ["sent"] and state_of(rig, "202") == ["sent"]
    # rejected as plain too: failed for good, never retried with the same payload
    await enqueue(rig.store, 1, start=5)
    tg.fail_next("sendMessage", 400, "Bad Request: can't parse entities: x")
    tg.fail_next("sendMessage", 400, "Bad Request: can't parse entities: y")
    await rig.step(TG, 5.0, rounds=5)
    assert state_of(rig, "101") == ["sent", "failed_permanent"]
    assert to(tg.sent, 101) == 4
    sub = await rig.store.subscriptions.get(A)
    assert sub is not None and sub.active  # our bug, not the chat's: stays subscribed


@pytest.mark.parametrize("second", ["ok", "timeout-again"])
async def test_telegram_ambiguous_timeout_at_most_two_deliveries(
    rig: ChatRig, tg: StrictTelegram, second: str
) -> None:
    await rig.subscribe(A)
    await enqueue(rig.store, 1)
    tg.slow_next("sendMessage")  # recorded (maybe delivered), then no answer: TimedOut
    await rig.step(TG)
    (row,) = rig.rows()
    assert row.state == "uncertain"
    if second == "timeout-again":
        tg.slow_next("sendMessage")
    rig.clock.advance(30)
    await rig.step(TG)
    assert rig.rows()[0].state == "uncertain"  # the one retry waits its delay
    rig.clock.advance(31)
    await rig.step(TG, 100.0, rounds=5)
    final = rig.rows()[0].state
    assert final == ("sent" if second == "ok" else "undelivered")  # parked, not silently dead
    assert len(telegram_delivered(tg)) <= 2
    assert len(tg.sent) == 2  # never a third attempt


async def test_telegram_connect_timeout_is_retried_once_delivered(
    rig: ChatRig, tg: StrictTelegram
) -> None:
    with blackhole_port() as port:
        await rig.subscribe(A)
        await enqueue(rig.store, 1)
        await rig.swap(
            TG, rig.telegram(tg.token, f"http://127.0.0.1:{port}/bot", connect_timeout=0.3)
        )
        started = time.monotonic()
        await rig.step(TG)
        assert time.monotonic() - started < 3
        (row,) = rig.rows()
        assert row.state == "retry" and row.attempts == 1  # transient, safe to resend
        assert "TimedOut" in (row.last_error or "") or "Timed out" in (row.last_error or "")
    await rig.swap(TG, rig.telegram(tg.token))
    await rig.step(TG, 10.0, rounds=4)
    assert rig.rows()[0].state == "sent" and len(telegram_delivered(tg)) == 1


@pytest.mark.parametrize("failure", ["invalid-token", "conflict"])
async def test_telegram_fatal_pauses_keeps_rows_and_slack_flows(
    rig: ChatRig,
    tg: StrictTelegram,
    slack: CountingSlack,
    failure: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await rig.subscribe(A, B, CA)
    await enqueue(rig.store, 2)
    if failure == "invalid-token":
        await rig.swap(TG, rig.telegram("999:revoked-token"))
    else:
        tg.fail_next("sendMessage", 409, "Conflict: terminated by other getUpdates request")
    await rig.step(TG)
    await rig.step(SL, 1.0, rounds=3)
    assert state_of(rig, "CA1") == ["sent", "sent"]  # Slack is not held up
    tg_rows = [r for r in rig.rows() if r.platform == "telegram"]
    # kept (put back, or never claimed behind the first), not failed, attempt not counted;
    # sends to other chats already in flight when the answer came may have gone out
    kept = [r for r in tg_rows if r.state != "sent"]
    assert kept and all(r.state in ("retry", "pending") and r.attempts == 0 for r in kept)
    assert not rig.delivery.health[TG].healthy(rig.clock())
    assert any("paused" in r.getMessage() for r in caplog.records)
    attempts = len(tg.sent)
    rig.clock.advance(120)
    await rig.step(TG, rounds=3)
    assert len(tg.sent) == attempts  # paused: no crash loop hammering the API
    if failure == "invalid-token":
        await rig.swap(TG, rig.telegram(tg.token))  # operator fixed the token
    rig.clock.advance(300)
    await rig.step(TG, 2.0, rounds=6)
    assert all(r.state == "sent" for r in rig.rows())
    assert to(telegram_delivered(tg), 101) == 2 and to(telegram_delivered(tg), 202) == 2


# --------------------------------------------------------------------------- Slack


@pytest.mark.parametrize("header", ["3", None, "http-date", "garbage"])
async def test_slack_429_retry_after_variants(
    rig: ChatRig, slack: CountingSlack, header: str | None
) -> None:
    await rig.subscribe(CA, CB)
    await enqueue(rig.store, 1)
    headers: dict[str, str] = {}
    expect = {"3": 3.0, None: 30.0, "garbage": 30.0, "http-date": 45.0}[header]
    if header == "http-date":
        headers["Retry-After"] = format_datetime(rig.clock() + timedelta(seconds=45), usegmt=True)
    elif header is not None:
        headers["Retry-After"] = header
    slack.fail_next("chat.postMessage", "ratelimited", status=429, headers=headers)
    now = rig.clock()
    await rig.step(SL)
    (row,) = [r for r in rig.rows() if r.chat_id == "CA1"]
    assert row.state == "retry" and row.attempts == 0
    assert state_of(rig, "CB2") == ["sent"]
    assert row.next_attempt_at is not None
    from datetime import UTC, datetime

    due = datetime.fromisoformat(row.next_attempt_at).replace(tzinfo=UTC)
    assert expect <= (due - now).total_seconds() <= expect + 1.0
    rig.clock.advance(expect - 0.5)
    await rig.step(SL)
    assert state_of(rig, "CA1") == ["retry"]
    rig.clock.advance(2)
    await rig.step(SL)
    assert state_of(rig, "CA1") == ["sent"]
    assert to(slack.delivered, "CA1") == 1


@pytest.mark.parametrize("code", ["channel_not_found", "not_in_channel", "is_archived"])
async def test_slack_permanent_codes_deactivate_without_retry_storm(
    rig: ChatRig, slack: CountingSlack, code: str, caplog: pytest.LogCaptureFixture
) -> None:
    await rig.subscribe(CA, CB)
    await enqueue(rig.store, 3)
    slack.fail_next("chat.postMessage", code)
    await rig.step(SL, 1.0, rounds=6)
    assert state_of(rig, "CA1") == ["failed_permanent"] * 3
    assert state_of(rig, "CB2") == ["sent"] * 3
    assert to(slack.posted, "CA1") == 1
    reason = await rig.store.subscriptions.deactivation_reason(CA)
    assert reason is not None and code in reason
    if code == "not_in_channel":
        assert "invite" in reason  # the admin hint


@pytest.mark.parametrize("code", ["invalid_auth", "missing_scope", "token_revoked"])
async def test_slack_fatal_codes_pause_and_keep_rows(
    rig: ChatRig,
    tg: StrictTelegram,
    slack: CountingSlack,
    code: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await rig.subscribe(CA, A)
    await enqueue(rig.store, 2)
    extra = {"needed": "chat:write", "provided": "channels:read"} if code == "missing_scope" else {}
    slack.fail_next("chat.postMessage", code, **extra)
    await rig.step(SL)
    await rig.step(TG, 1.0, rounds=3)
    assert state_of(rig, "101") == ["sent", "sent"]  # Telegram unaffected
    assert all(
        r.state in ("retry", "pending") and r.attempts == 0
        for r in rig.rows()
        if r.platform == "slack"
    )
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert "paused" in logged
    if code == "missing_scope":
        assert "chat:write" in logged  # tells the operator which scope
    rig.clock.advance(301)
    await rig.step(SL, 1.0, rounds=4)
    assert state_of(rig, "CA1") == ["sent", "sent"]
    assert to(slack.delivered, "CA1") == 2


async def test_slack_ambiguous_timeout_at_most_two(rig: ChatRig, slack: CountingSlack) -> None:
    await rig.subscribe(CA)
    await enqueue(rig.store, 1)
    slack.slow_next("chat.postMessage")
    await rig.step(SL)
    assert rig.rows()[0].state == "uncertain"
    rig.clock.advance(61)
    await rig.step(SL, 10.0, rounds=3)
    assert rig.rows()[0].state == "sent"
    assert len(slack.delivered) == 2 and len(slack.posted) == 2


# --------------------------------------------------------------------------- isolation


async def test_a_hanging_platform_never_delays_the_other(
    tmp_path: Path, tg: StrictTelegram, slack: CountingSlack
) -> None:
    """Telegram accepts connections and never answers; Slack alerts still go out at once
    (real clock, the real delivery loops)."""
    r = ChatRig(tmp_path, tg, slack)
    await r.open()
    t0 = time.monotonic()
    r.delivery.clock = lambda: r.clock.now + timedelta(seconds=time.monotonic() - t0)
    r.delivery.idle_seconds = 0.05
    try:
        await r.swap(TG, r.telegram(tg.token, read_timeout=30.0))
        await r.subscribe(A, CA)
        await enqueue(r.store, 3)
        for _ in range(5):
            tg.slow_next("sendMessage")
        await r.delivery.start()
        started = time.monotonic()
        for _ in range(100):
            if len(slack.delivered) >= 3:
                break
            await asyncio.sleep(0.05)
        assert len(slack.delivered) == 3
        assert time.monotonic() - started < 3
        assert len(tg.sent) == 1  # stuck on its first send the whole time
    finally:
        await r.delivery.stop()
        await r.close()
