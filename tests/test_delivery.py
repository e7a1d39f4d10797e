"""The durable sender: every ChatError class, per-chat order, pacing, platform isolation."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import pytest
from chatkit import state, watchlist
from memports import MemOutbox, MemSubscriptions

from bot.config import DeliverySettings
from bot.delivery import Delivery, Pacer
from bot.models import (
    Change,
    ChangeKind,
    ChatTarget,
    Message,
    Platform,
    SentRef,
    Subscription,
)
from bot.ports import (
    AmbiguousSendError,
    ChatError,
    ChatMigratedError,
    DeliveryState,
    FatalPlatformError,
    FormattingError,
    OutboxEntry,
    PermanentChatError,
    RateLimited,
    TransientError,
)

T0 = datetime(2026, 1, 30, 9, 0, tzinfo=UTC)
TG = Platform.TELEGRAM


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class ScriptedPlatform:
    """A ChatPlatform whose next sends fail as scripted; records every attempt."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.script: list[ChatError | None] = []
        self.attempts: list[tuple[str, str, bool]] = []  # (chat, headline, plain)
        self.delivered: list[tuple[str, str]] = []  # attempts that reached the chat (or may have)
        self.outdated: list[SentRef] = []
        self.originals: list[Message | None] = []
        self.block: asyncio.Event | None = None
        self.sent_event = asyncio.Event()
        self._ids = 0

    async def start(self, on_command: object) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def send(self, target: ChatTarget, message: Message, *, plain: bool = False) -> SentRef:
        if self.block is not None:
            await self.block.wait()
        self.attempts.append((target.chat_id, message.headline, plain))
        outcome = self.script.pop(0) if self.script else None
        if isinstance(outcome, AmbiguousSendError) or outcome is None:
            self.delivered.append((target.chat_id, message.headline))
        if outcome is not None:
            raise outcome
        self._ids += 1
        self.sent_event.set()
        return SentRef(target, str(self._ids))

    async def mark_outdated(self, ref: SentRef, note: str, original: Message | None = None) -> None:
        self.outdated.append(ref)
        self.originals.append(original)


def change(meeting_id: int = 1, day: int = 4) -> Change:
    from datetime import date

    return Change(
        meeting_id=meeting_id,
        kind=ChangeKind.ANNOUNCED,
        before=None,
        after=state(date=date(2026, 2, day), date_end=None),
        at=T0,
    )


class Rig:
    def __init__(self, *names: str, **settings: float) -> None:
        self.clock = Clock()
        self.outbox = MemOutbox()
        self.subs = MemSubscriptions()
        self.subs.outbox = self.outbox
        self.platforms = {n: ScriptedPlatform(n) for n in names or (TG,)}
        defaults: dict[str, float] = {"max_attempts": 4, "retry_base_seconds": 2}
        defaults.update(settings)
        self.delivery = Delivery(
            self.platforms,
            self.outbox,
            self.subs,
            watchlist(),
            DeliverySettings(**defaults),  # type: ignore[arg-type]
            clock=self.clock,
            rng=random.Random(1),
        )

    @property
    def tg(self) -> ScriptedPlatform:
        return self.platforms[TG]

    def add(self, chat: str = "42", platform: str = TG, **kw: object) -> int:
        return self.outbox.add(ChatTarget(Platform(platform), chat), change(**kw), self.clock())  # type: ignore[arg-type]

    async def drain(self, platform: str = TG, ticks: int = 50, step: float = 1.0) -> None:
        for _ in range(ticks):
            await self.delivery.run_once(platform)
            self.clock.advance(step)


async def test_the_outdated_edit_carries_the_earlier_alert_rebuilt_from_its_change() -> None:
    # no memory of the earlier send (a restart): its words come from the change it told of
    rig = Rig()
    row = rig.outbox.rows[rig.add(day=5)]
    row.previous_message = SentRef(ChatTarget(TG, "42"), "99")
    row.previous_change = change(day=4)
    await rig.delivery.run_once(TG)
    (original,) = rig.tg.originals
    assert original is not None and original.headline.endswith("Abu Dhabi — 4 Feb")


async def test_success_marks_sent_and_outdates_previous() -> None:
    rig = Rig()
    prev = SentRef(ChatTarget(TG, "42"), "99")
    rig.outbox.rows[rig.add()].previous_message = prev
    await rig.delivery.run_once(TG)
    row = rig.outbox.rows[1]
    assert row.state is DeliveryState.SENT and row.ref == SentRef(ChatTarget(TG, "42"), "1")
    assert rig.tg.outdated == [prev]
    assert rig.tg.attempts[0][1].startswith("🆕 Announced: US–Russia–Ukraine talks, Abu Dhabi")


async def test_rate_limited_reschedules_without_counting_and_others_flow() -> None:
    rig = Rig()
    a, b = rig.add("42"), rig.add("43")
    rig.tg.script = [RateLimited("429", retry_after=30)]
    await rig.delivery.run_once(TG)
    assert rig.outbox.rows[a].state is DeliveryState.RETRY
    assert rig.outbox.rows[a].attempts == 0
    assert rig.outbox.rows[a].due >= T0 + timedelta(seconds=30)
    assert rig.outbox.rows[b].state is DeliveryState.SENT  # other chats keep going
    rig.clock.advance(29)
    await rig.delivery.run_once(TG)
    assert rig.outbox.rows[a].state is DeliveryState.RETRY  # not before retry_after
    await rig.drain()
    assert rig.outbox.rows[a].state is DeliveryState.SENT
    assert [c for c, _ in rig.tg.delivered].count("42") == 1


async def test_transient_backs_off_then_dead() -> None:
    rig = Rig(max_attempts=3)
    row = rig.add()
    rig.tg.script = [TransientError("502")] * 3
    dues = []
    for _ in range(3):
        await rig.drain(ticks=1, step=0)
        dues.append(rig.outbox.rows[row].due)
        rig.clock.now = rig.outbox.rows[row].due
    assert rig.outbox.rows[row].state is DeliveryState.DEAD
    assert len(rig.tg.attempts) == 3
    assert dues[1] - T0 >= timedelta(seconds=1)  # backoff, not a busy loop
    await rig.drain()
    assert len(rig.tg.attempts) == 3  # no attempt after dead


@pytest.mark.parametrize(
    "script",
    [
        [AmbiguousSendError("timeout")],  # then success
        [AmbiguousSendError("timeout"), AmbiguousSendError("timeout")],
        [AmbiguousSendError("timeout"), TransientError("x"), AmbiguousSendError("timeout")],
        [AmbiguousSendError("t"), RateLimited("429", retry_after=1), AmbiguousSendError("t")],
    ],
)
async def test_ambiguous_at_most_two_deliveries(script: list[ChatError]) -> None:
    rig = Rig(max_attempts=8)
    row = rig.add()
    rig.tg.script = list(script)
    await rig.drain(ticks=400, step=5)
    assert len(rig.tg.delivered) <= 2
    unknown = len([s for s in script if isinstance(s, AmbiguousSendError)])
    # two sends nobody answered: parked for a person, never silently dead
    expected = DeliveryState.SENT if unknown == 1 else DeliveryState.UNDELIVERED
    assert rig.outbox.rows[row].state is expected


async def test_permanent_deactivates_and_stops() -> None:
    rig = Rig()
    target = ChatTarget(TG, "42")
    await rig.subs.subscribe(target, frozenset())
    first, second = rig.add(), rig.add()
    rig.tg.script = [PermanentChatError("Forbidden: bot was blocked by the user")]
    await rig.delivery.run_once(TG)
    assert rig.outbox.rows[first].state is DeliveryState.FAILED_PERMANENT
    assert "blocked" in rig.subs.deactivated[target]
    assert rig.outbox.rows[second].state is not DeliveryState.SENT


async def test_chat_migrated_rekeys_and_resends_once() -> None:
    rig = Rig()
    old, new = ChatTarget(TG, "-5"), ChatTarget(TG, "-1005")
    await rig.subs.subscribe(old, frozenset())
    row, later = rig.add("-5"), rig.add("-5")
    rig.tg.script = [ChatMigratedError("migrated", new)]
    await rig.drain(ticks=5)
    assert rig.outbox.rows[row].state is DeliveryState.SENT
    assert rig.outbox.rows[row].ref is not None and rig.outbox.rows[row].ref.target == new
    assert rig.outbox.rows[later].target == new
    assert await rig.subs.get(new) is not None and await rig.subs.get(old) is None
    assert [c for c, _ in rig.tg.delivered] == ["-1005", "-1005"]  # nothing more to the old id


async def test_formatting_falls_back_to_plain_once() -> None:
    rig = Rig()
    ok = rig.add("42")
    rig.tg.script = [FormattingError("can't parse entities"), None]
    await rig.delivery.run_once(TG)
    assert [p for _, _, p in rig.tg.attempts] == [False, True]
    assert rig.outbox.rows[ok].state is DeliveryState.SENT
    bad = rig.add("43")
    rig.tg.script = [FormattingError("can't parse"), FormattingError("still bad")]
    await rig.drain(ticks=3)
    assert rig.outbox.rows[bad].state is DeliveryState.FAILED_PERMANENT
    assert len(rig.tg.attempts) == 4  # never retried with the same payload
    assert ChatTarget(TG, "43") not in rig.subs.deactivated


async def test_fatal_pauses_platform_keeps_rows_and_other_platform_flows() -> None:
    # one send at a time, so the rows behind the fatal answer have not left yet
    rig = Rig(TG, Platform.SLACK, max_in_flight=1)
    rows = [rig.add("42"), rig.add("43")]
    slack_row = rig.add("C1", Platform.SLACK)
    rig.tg.script = [FatalPlatformError("Unauthorized")]
    await rig.delivery.run_once(TG)
    await rig.delivery.run_once(Platform.SLACK)
    assert rig.outbox.rows[slack_row].state is DeliveryState.SENT
    assert all(rig.outbox.rows[r].state is DeliveryState.RETRY for r in rows)
    assert all(rig.outbox.rows[r].attempts == 0 for r in rows)
    assert not rig.delivery.health[TG].healthy(rig.clock())
    rig.clock.advance(60)
    await rig.delivery.run_once(TG)
    assert len(rig.tg.attempts) == 1  # paused: no hammering with a bad token
    rig.clock.advance(300)
    await rig.drain(ticks=3)
    assert all(rig.outbox.rows[r].state is DeliveryState.SENT for r in rows)


class SlowPlatform(ScriptedPlatform):
    """Answers after a round trip; counts how many sends were in flight at once."""

    def __init__(self, name: str, rtt: float) -> None:
        super().__init__(name)
        self.rtt = rtt
        self.in_flight = 0
        self.most_in_flight = 0

    async def send(self, target: ChatTarget, message: Message, *, plain: bool = False) -> SentRef:
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await asyncio.sleep(self.rtt)
            return await super().send(target, message, plain=plain)
        finally:
            self.in_flight -= 1


@pytest.mark.parametrize(("max_in_flight", "expected_most"), [(1, 1), (4, 4), (8, 8)])
async def test_sends_to_different_chats_overlap_up_to_the_setting(
    max_in_flight: int, expected_most: int
) -> None:
    rig = Rig(max_in_flight=max_in_flight)
    slow = SlowPlatform(TG, rtt=0.02)
    rig.delivery.platforms[TG] = slow
    ids = [rig.add(str(100 + i)) for i in range(12)]
    await rig.delivery.run_once(TG)
    assert slow.most_in_flight == expected_most
    assert all(rig.outbox.rows[i].state is DeliveryState.SENT for i in ids)
    # the overall limit counts sends in flight: a batch never exceeds it
    assert rig.delivery.pacers[TG].in_flight == 0


async def test_sends_in_flight_count_against_the_overall_limit() -> None:
    pacer = Pacer(1000.0, None, 3.0)
    now = datetime(2026, 1, 30, 9, 0, tzinfo=UTC)
    pacer.in_flight = 3
    assert pacer.budget(now) == 0
    assert pacer.next_allowed("7", now) > now
    pacer.in_flight = 1
    pacer.record("5", now)
    assert pacer.budget(now) == 1 and pacer.next_allowed("7", now) == now


async def test_per_chat_fifo_survives_failures() -> None:
    rig = Rig()
    ids = [rig.add("42", day=d) for d in (4, 5, 6, 7)]
    rig.tg.script = [TransientError("x"), None, RateLimited("429", retry_after=3)]
    await rig.drain(ticks=60)
    assert all(rig.outbox.rows[i].state is DeliveryState.SENT for i in ids)
    order = [h for c, h in rig.tg.delivered if c == "42"]
    assert [h.split("— ")[-1] for h in order] == ["4 Feb", "5 Feb", "6 Feb", "7 Feb"]


async def test_pacing_reschedules_instead_of_sleeping() -> None:
    rig = Rig()
    a, b = rig.add("42"), rig.add("42")
    await rig.delivery.run_once(TG)  # one pass, clock frozen
    assert rig.outbox.rows[a].state is DeliveryState.SENT
    assert rig.outbox.rows[b].state is DeliveryState.RETRY
    assert rig.outbox.rows[b].due == T0 + timedelta(seconds=1)
    assert rig.outbox.rows[b].attempts == 0


def test_group_and_global_pacer() -> None:
    pacer = Pacer(100.0, 20, 30, lambda chat: chat.startswith("-"))
    for i in range(20):
        now = T0 + timedelta(seconds=i)
        assert pacer.next_allowed("-1", now) == now
        pacer.record("-1", now)
    assert pacer.next_allowed("-1", T0 + timedelta(seconds=20)) == T0 + timedelta(minutes=1)
    assert pacer.next_allowed("7", T0 + timedelta(seconds=20)) == T0 + timedelta(seconds=20)
    burst = Pacer(100.0, None, 30)
    for i in range(30):
        burst.record(str(i), T0)
    assert burst.next_allowed("x", T0) == T0 + timedelta(seconds=1)


async def test_a_stuck_platform_never_delays_another() -> None:
    rig = Rig(TG, Platform.SLACK)
    rig.delivery.idle_seconds = 0.01
    rig.tg.block = asyncio.Event()  # Telegram hangs forever
    rig.add("42")
    rig.add("C1", Platform.SLACK)
    rig.clock.now = datetime.now(UTC) + timedelta(days=1)  # everything is due
    await rig.delivery.start()
    try:
        await asyncio.wait_for(rig.platforms[Platform.SLACK].sent_event.wait(), 5)
    finally:
        await rig.delivery.stop()
    assert rig.tg.attempts == []


def test_global_budget_and_wait_for_a_batch() -> None:
    pacer = Pacer(1.0, None, 30)
    assert pacer.budget(T0) == 30 and pacer.global_wait(T0) == 0.0
    for i in range(30):  # one send every 10 ms
        pacer.record(str(i), T0 + timedelta(milliseconds=10 * i))
    now = T0 + timedelta(milliseconds=300)
    assert pacer.budget(now) == 0
    assert pacer.global_wait(now) == pytest.approx(0.7)  # the oldest leaves the window
    assert pacer.global_wait(now, 20) == pytest.approx(0.89)  # the 20th oldest leaves
    assert pacer.budget(T0 + timedelta(seconds=1, milliseconds=95)) == 10
    assert Pacer(1.0).budget(T0) >= 1 << 30  # no overall limit


# --------------------------------------------------------------------------- leases, evidence


async def test_a_row_whose_lease_was_lost_is_never_sent_by_its_old_sender() -> None:
    # one send at a time: the second row waits behind the first while its lease runs out
    rig = Rig(lease_seconds=30, send_timeout_seconds=1000, max_in_flight=1)
    first, second = rig.add("42"), rig.add("43")
    rig.tg.block = asyncio.Event()  # the first send hangs; both rows are leased by then
    slow = asyncio.create_task(rig.delivery.run_once(TG))
    for _ in range(20):
        await asyncio.sleep(0)
    rig.clock.advance(31)  # the second row's lease runs out before its sender reaches it
    other = ScriptedPlatform(TG)
    other_sender = Delivery(
        {TG: other},
        rig.outbox,
        rig.subs,
        watchlist(),
        DeliverySettings(lease_seconds=30),
        clock=rig.clock,
    )
    await other_sender.run_once(TG)  # re-claims and sends the second row only
    rig.tg.block.set()
    await slow
    assert [chat for chat, _, _ in rig.tg.attempts] == ["42"]
    assert [chat for chat, _, _ in other.attempts] == ["43"]
    assert rig.outbox.rows[first].state is rig.outbox.rows[second].state is DeliveryState.SENT


@pytest.mark.parametrize(
    ("late", "state_after_answer", "sends"),
    [
        (None, DeliveryState.SENT, 1),  # answered with a message id: it arrived
        (TransientError("502"), DeliveryState.RETRY, 2),  # answered: it did not
        (AmbiguousSendError("read timeout"), DeliveryState.UNCERTAIN, 2),  # never answered
    ],
)
async def test_a_late_answer_decides_a_send_the_sender_stopped_waiting_for(
    late: ChatError | None, state_after_answer: DeliveryState, sends: int
) -> None:
    rig = Rig(send_timeout_seconds=0.05)
    row = rig.add()
    rig.tg.block = asyncio.Event()
    rig.tg.script = [late] if late is not None else []
    await rig.delivery.run_once(TG)
    assert rig.outbox.rows[row].state is DeliveryState.UNCERTAIN
    rig.tg.block.set()  # the answer comes
    await rig.delivery.wait_for_late_answers()
    assert rig.outbox.rows[row].state is state_after_answer
    if state_after_answer is not DeliveryState.SENT:
        still_unknown = state_after_answer is DeliveryState.UNCERTAIN
        assert rig.outbox.rows[row].unknown_outcomes == (1 if still_unknown else 0)
    await rig.drain(ticks=30, step=5)
    assert rig.outbox.rows[row].state is DeliveryState.SENT
    assert len(rig.tg.attempts) == sends


def _rig_that_tells_undelivered_rows() -> tuple[Rig, int, list[int]]:
    """A rig with short answer windows, one row, and the ids of rows parked as undelivered."""
    rig = Rig(send_timeout_seconds=0.05, late_answer_seconds=5)
    told: list[int] = []

    async def listener(entry: OutboxEntry, reason: str) -> None:
        told.append(entry.id)

    rig.delivery.add_undelivered_listener(listener)
    return rig, rig.add(), told


@pytest.mark.parametrize(
    "first_send_unanswered",
    [
        False,  # the awaited send is the first: not resent while its answer may come
        True,  # the awaited send is the second: not parked while its answer may come
    ],
)
async def test_no_decision_before_the_answer_to_a_send_still_awaited(
    first_send_unanswered: bool,
) -> None:
    # a loaded machine: the row falls due again while its send's answer is still awaited
    rig, row, told = _rig_that_tells_undelivered_rows()
    if first_send_unanswered:
        rig.tg.script = [AmbiguousSendError("read timeout")]
        await rig.delivery.run_once(TG)
        rig.clock.advance(60)
    rig.tg.block = asyncio.Event()
    await rig.delivery.run_once(TG)  # this send's answer is awaited
    before = rig.outbox.rows[row].unknown_outcomes
    for _ in range(3):
        rig.clock.advance(60)
        await rig.delivery.run_once(TG)
        assert rig.outbox.rows[row].state is DeliveryState.UNCERTAIN
        assert rig.outbox.rows[row].unknown_outcomes == before
    rig.tg.block.set()  # the answer comes: it arrived
    await rig.delivery.wait_for_late_answers()
    await rig.drain(ticks=10, step=5)
    assert rig.outbox.rows[row].state is DeliveryState.SENT
    assert len(rig.tg.attempts) == (2 if first_send_unanswered else 1)
    assert told == []


async def test_an_answer_that_comes_while_the_row_is_claimed_is_read_before_deciding(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # two sends got no answer; the second's answer ("not sent") comes after the row was
    # claimed again: the claim's copy still counts two unknown outcomes, the row one
    rig, row, told = _rig_that_tells_undelivered_rows()
    rig.tg.script = [AmbiguousSendError("read timeout")]
    await rig.delivery.run_once(TG)
    rig.clock.advance(60)
    rig.tg.block = asyncio.Event()
    rig.tg.script = [TransientError("502")]  # the answer, once it comes
    await rig.delivery.run_once(TG)
    rig.clock.advance(60)
    looked_up = rig.subs.get

    async def answer_comes_meanwhile(target: ChatTarget) -> Subscription | None:
        assert rig.tg.block is not None
        rig.tg.block.set()
        await rig.delivery.wait_for_late_answers()
        return await looked_up(target)

    monkeypatch.setattr(rig.subs, "get", answer_comes_meanwhile)
    await rig.delivery.run_once(TG)
    assert rig.outbox.rows[row].state is DeliveryState.UNCERTAIN
    assert rig.outbox.rows[row].unknown_outcomes == 1
    await rig.drain(ticks=10, step=5)
    assert rig.outbox.rows[row].state is DeliveryState.SENT  # resent once, not parked
    assert told == [] and len(rig.tg.attempts) == 3


async def test_an_unanswered_send_is_retried_after_the_time_its_answer_could_come(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # counted from the end of the wait for the answer, not from before the send
    rig = Rig(send_timeout_seconds=0.05, late_answer_seconds=50)
    row = rig.add()
    rig.tg.block = asyncio.Event()

    async def slow_start() -> None:  # the send leaves 30 s after the row was picked
        rig.clock.advance(30)

    monkeypatch.setattr(
        rig.outbox, "mark_attempting", _after(slow_start, rig.outbox.mark_attempting)
    )
    await rig.delivery.run_once(TG)
    assert rig.outbox.rows[row].due >= T0 + timedelta(seconds=30 + 50)
    rig.tg.block.set()
    await rig.delivery.wait_for_late_answers()


def _after(
    first: Callable[[], Awaitable[None]], then: Callable[..., Awaitable[bool]]
) -> Callable[..., Awaitable[bool]]:
    async def wrapped(*args: object, **kwargs: object) -> bool:
        await first()
        return await then(*args, **kwargs)

    return wrapped


async def test_two_unanswered_sends_park_the_row_and_tell_the_listeners() -> None:
    rig = Rig()
    row = rig.add()
    told: list[tuple[int, str]] = []

    async def listener(entry: OutboxEntry, reason: str) -> None:
        told.append((entry.id, reason))

    rig.delivery.add_undelivered_listener(listener)
    rig.tg.script = [AmbiguousSendError("t1"), AmbiguousSendError("t2")]
    await rig.drain(ticks=60, step=5)
    assert rig.outbox.rows[row].state is DeliveryState.UNDELIVERED
    assert len(rig.tg.attempts) == 2  # never a third copy
    assert [entry_id for entry_id, _ in told] == [row]
    assert "not confirmed" in told[0][1] and "twice" not in told[0][1]
    assert rig.delivery.health[TG].undelivered == 1


def test_the_admin_notice_for_an_undelivered_alert_says_what_and_what_to_do() -> None:
    from bot.delivery import undelivered_notice

    entry = OutboxEntry(7, ChatTarget(TG, "42"), change(), 2, DeliveryState.UNCERTAIN)
    notice = undelivered_notice(entry, "not confirmed after 2 sends", watchlist())
    assert "telegram chat 42" in notice.headline
    assert notice.lines[0].startswith("🆕 Announced")
    assert "bot outbox --resend 7" in notice.lines[-1]
