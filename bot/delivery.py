"""The durable sender: drains the Outbox per platform and classifies every failure.

One loop per platform, so a platform that is down or paused never delays another.
Pacing (per chat, per group, overall) is done by rescheduling rows
(``next_attempt_at``), never by sleeping while a lease is held. Per-chat order is
kept: once a row of a chat is put off, the later rows of that chat in the same batch
are put off to the same time (the Outbox also serves each chat head-of-line first).

What each error class does:

* RateLimited   → retry at now + retry_after, attempt not counted
* TransientError→ exponential backoff with jitter; after max_attempts → DEAD + error log
* Ambiguous     → UNCERTAIN: a late answer is still awaited (see below); retried once when
                  nothing says it arrived; after a second unknown outcome → UNDELIVERED,
                  parked for a person (never a 3rd copy), listeners told
* Permanent     → FAILED_PERMANENT and the subscription deactivated with the reason
* ChatMigrated  → subscription + pending rows re-keyed, then resent to the new chat
* Formatting    → one plain-text resend; if that is rejected too → FAILED_PERMANENT
* Fatal         → platform paused, rows stay pending, a clear error log

Leases (issue 14, several senders on one database): each claim holds its rows under
its own lease token, and a row is sent only after ``mark_attempting`` succeeded under
that token, which also extends the lease over the send. A row whose lease expired
while earlier rows of the batch were being sent, or that another sender re-claimed,
is skipped here: it is the other sender's to send.

Evidence over counting: a send not answered within ``send_timeout_seconds`` frees the
sender (the row becomes UNCERTAIN) but its answer is still awaited in the background,
up to the adapter's own timeout. An answer that arrives with a message id marks the
row sent (it arrived: no resend); an answer that says the send failed takes back the
unknown outcome. Only sends that nobody answered count towards the two-copy bound.
No decision before the answer: a row that falls due while its send's answer is still
awaited here is given back untouched, and one answered while it was claimed is read
again, so a slow machine neither resends it early nor parks it on a stale count.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import random
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bot.backoff import exponential_backoff
from bot.config import DeliverySettings
from bot.models import Change, ChatTarget, Message, Platform, SentRef, Watchlist
from bot.ports import (
    AmbiguousSendError,
    ChatError,
    ChatMigratedError,
    ChatPlatform,
    ChatSettings,
    Clock,
    DeliveryState,
    FatalPlatformError,
    FormattingError,
    Outbox,
    OutboxEntry,
    PermanentChatError,
    RateLimited,
    SentRecord,
    SubscriptionRepository,
    TransientError,
    utc_now,
)
from bot.render import render_change
from bot.rendercache import AlertCache

log = logging.getLogger(__name__)

Renderer = Callable[[OutboxEntry, str, datetime], Message]
# Told about every row parked as undelivered (e.g. to notify an admin chat).
UndeliveredListener = Callable[[OutboxEntry, str], Awaitable[None]]
# Told about every chat that blocked or removed the bot (its subscription is paused).
ChatLostListener = Callable[[ChatTarget, str], Awaitable[None]]

FATAL_PAUSE_SECONDS = 300.0
# rows the running sender keeps claimed ahead of its sends: under two seconds of sends at
# Telegram's overall limit, well inside a lease
CLAIM_AHEAD = 50
# how soon a chat put off only by sends still in flight is tried again
IN_FLIGHT_RECHECK = timedelta(milliseconds=200)
# after the last moment a late answer could come, before an uncertain row is retried
LATE_ANSWER_MARGIN_SECONDS = 1.0
DEFAULT_RETRY_AFTER = 5.0
# A send is counted in the pacer's windows from its answer less the fastest round trip
# seen on the platform: the next send then arrives no sooner after it than the window
# allows (each way takes at least its share of that round trip), and the windows are not
# held a whole round trip longer than the platform's. Never more than this much less...
ROUND_TRIP_CREDIT_MAX = timedelta(milliseconds=200)
# ...and every overall window is this much longer than the platform's, for the part of
# a round trip that is not symmetric.
WINDOW_GUARD = timedelta(milliseconds=40)


async def _until(event: asyncio.Event, seconds: float) -> None:
    """Until the event is set or ``seconds`` passed."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(event.wait(), seconds)


# --------------------------------------------------------------------------- pacing


class Pacer:
    """Per-platform send budget: per chat, per group (sliding minute), overall (per second)."""

    def __init__(
        self,
        per_chat_per_second: float,
        per_group_per_minute: float | None = None,
        global_per_second: float | None = None,
        is_group: Callable[[str], bool] = lambda chat_id: False,
        guard: timedelta = timedelta(0),
    ) -> None:
        self.chat_gap = timedelta(seconds=1.0 / per_chat_per_second)
        self.window = timedelta(seconds=1) + guard  # the overall limit's window
        self.per_group_per_minute = per_group_per_minute
        self.global_per_second = global_per_second
        self.is_group = is_group
        self._last: dict[str, datetime] = {}
        # sends under way: each counts against the overall limit until it is recorded at
        # its end, so a send in flight is never counted late (the platform counts it
        # when it arrives, which is between the two)
        self.in_flight = 0
        self._group: dict[str, deque[datetime]] = defaultdict(deque)
        self._global: deque[datetime] = deque()

    def next_allowed(self, chat_id: str, now: datetime) -> datetime:
        """``now`` when a send to this chat may go now, else the earliest time it may."""
        times = [now]
        last = self._last.get(chat_id)
        if last is not None:
            times.append(last + self.chat_gap)
        if self.per_group_per_minute and self.is_group(chat_id):
            window = self._group[chat_id]
            while window and window[0] <= now - timedelta(minutes=1):
                window.popleft()
            if len(window) >= self.per_group_per_minute:
                times.append(window[0] + timedelta(minutes=1))
        if self.global_per_second:
            while self._global and self._global[0] <= now - self.window:
                self._global.popleft()
            if len(self._global) + self.in_flight >= self.global_per_second:
                # the oldest recorded send leaves the window, or one in flight ends
                times.append(
                    self._global[0] + self.window if self._global else now + IN_FLIGHT_RECHECK
                )
        return max(times)

    @property
    def global_limit(self) -> int:
        """Sends allowed in any one second overall (a large number when unlimited)."""
        return math.ceil(self.global_per_second) if self.global_per_second else 1 << 30

    def budget(self, now: datetime) -> int:
        """Sends the overall limit allows right now (a large number when there is none)."""
        if not self.global_per_second:
            return self.global_limit
        while self._global and self._global[0] <= now - self.window:
            self._global.popleft()
        return max(0, self.global_limit - len(self._global) - self.in_flight)

    def global_wait(self, now: datetime, sends: int = 1) -> float:
        """Seconds until the overall limit allows ``sends`` more sends (0: now)."""
        budget = self.budget(now)
        if budget >= sends or not self._global:
            return 0.0
        leaving = self._global[min(sends - budget, len(self._global)) - 1]
        return max(0.0, (leaving + self.window - now).total_seconds())

    def record(self, chat_id: str, now: datetime) -> None:
        self._last[chat_id] = now
        if self.per_group_per_minute and self.is_group(chat_id):
            self._group[chat_id].append(now)
        if self.global_per_second:
            self._global.append(now)


def telegram_is_group(chat_id: str) -> bool:
    # Telegram groups, supergroups and channels have negative ids.
    return chat_id.startswith("-")


def counted_at(answered: datetime, fastest_round_trip: timedelta) -> datetime:
    """When a send counts in the pacer's windows: its answer less the platform's fastest
    round trip (at most ``ROUND_TRIP_CREDIT_MAX``), as if later sends took that too."""
    return answered - min(fastest_round_trip, ROUND_TRIP_CREDIT_MAX)


def pacer_for(platform: str, settings: DeliverySettings) -> Pacer:
    if platform == Platform.TELEGRAM:
        return Pacer(
            settings.telegram_per_chat_per_second,
            settings.telegram_per_group_per_minute,
            settings.telegram_global_per_second,
            telegram_is_group,
            guard=WINDOW_GUARD,
        )
    if platform == Platform.SLACK:
        return Pacer(
            settings.slack_per_channel_per_second,
            global_per_second=settings.slack_global_per_second,
            guard=WINDOW_GUARD,
        )
    return Pacer(float("inf"))  # the console has no rate limit


# --------------------------------------------------------------------------- delivery


def undelivered_notice(entry: OutboxEntry, reason: str, watchlist: Watchlist) -> Message:
    """What an admin chat is told about an alert parked as undelivered."""
    alert = render_change(entry.change, watchlist)
    target = entry.target
    return Message(
        headline=f"⚠️ An alert may not have reached {target.platform} chat {target.chat_id}",
        lines=(
            alert.headline,
            reason,
            f"If it is not there, `bot outbox --resend {entry.id}` sends it again.",
        ),
    )


def _had_unknown_outcome(entry: OutboxEntry) -> bool:
    """Has an earlier send of this row possibly arrived (timeout, crash mid-send)?"""
    return entry.unknown_outcomes >= 1 or entry.state is DeliveryState.UNCERTAIN


@dataclass
class PlatformHealth:
    paused_until: datetime | None = None
    last_error: str = ""
    sent: int = 0
    failed: int = 0
    undelivered: int = 0  # parked in this process's lifetime

    def healthy(self, now: datetime) -> bool:
        return self.paused_until is None or self.paused_until <= now


class Delivery:
    """Drains the outbox for every platform given: ``start``/``stop``, or ``run_once``."""

    def __init__(
        self,
        platforms: Mapping[str, ChatPlatform],
        outbox: Outbox,
        subscriptions: SubscriptionRepository,
        watchlist: Watchlist,
        settings: DeliverySettings,
        *,
        clock: Clock = utc_now,
        rng: random.Random | None = None,
        batch_size: int = 20,
        idle_seconds: float = 1.0,
        fatal_pause_seconds: float = FATAL_PAUSE_SECONDS,
        uncertain_retry_seconds: float = 0.0,  # at least until a late answer could come
        render: Renderer | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        on_undelivered: Sequence[UndeliveredListener] = (),
    ) -> None:
        self.platforms = dict(platforms)
        self.outbox = outbox
        self.subscriptions = subscriptions
        self.watchlist = watchlist
        self.settings = settings
        self.clock = clock
        self.rng = rng or random.Random()
        self.batch_size = batch_size
        self.max_in_flight = settings.max_in_flight
        self.idle_seconds = idle_seconds
        self.fatal_pause = timedelta(seconds=fatal_pause_seconds)
        self.send_timeout = settings.send_timeout_seconds
        # An uncertain row is retried only once its late answer can no longer come.
        last_answer = max(settings.late_answer_seconds - self.send_timeout, 0.0)
        self.uncertain_retry = timedelta(
            seconds=max(uncertain_retry_seconds, last_answer + LATE_ANSWER_MARGIN_SECONDS)
        )
        self._undelivered_listeners: list[UndeliveredListener] = list(on_undelivered)
        self._chat_lost_listeners: list[ChatLostListener] = []
        self._awaiting: dict[int, asyncio.Task[None]] = {}  # row -> its send's late answer
        self._in_hand: set[int] = set()  # rows claimed here and not yet tried
        # rows whose late answer came while they were claimed here: the claim read them
        # before the answer changed them, so they are read again before a decision
        self._answered_in_hand: set[int] = set()
        self._alerts = AlertCache(self._render_alert)
        self._render = render or self._default_render
        self._sleep = sleep
        self.pacers = {name: pacer_for(name, settings) for name in self.platforms}
        self.health = {name: PlatformHealth() for name in self.platforms}
        self._plain_only: set[int] = set()
        self._migrated: dict[ChatTarget, ChatTarget] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = asyncio.Event()
        # the running loops' rows claimed ahead, and a signal each time a send ends
        self._queues: dict[str, asyncio.Queue[OutboxEntry]] = {}
        self._taken: dict[str, asyncio.Event] = {}
        self._fastest_round_trip: dict[str, timedelta] = {}
        self._send_ended: dict[str, asyncio.Event] = {}

    # ----------------------------------------------------------------- lifecycle

    async def start(self) -> None:
        self._stopping.clear()
        for name in self.platforms:
            self._tasks.append(asyncio.create_task(self._loop(name), name=f"delivery-{name}"))

    async def stop(self) -> None:
        self._stopping.set()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        await self.stop_listening()

    async def stop_listening(self) -> None:
        """Stop awaiting late answers (their rows stay UNCERTAIN: retried or parked)."""
        late = list(self._awaiting.values())
        for task in late:
            task.cancel()
        for task in late:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def add_chat_lost_listener(self, listener: ChatLostListener) -> None:
        """Call ``listener(target, reason)`` whenever a chat blocked or removed the bot."""
        self._chat_lost_listeners.append(listener)

    async def _tell_chat_lost(self, target: ChatTarget, reason: str) -> None:
        for listener in self._chat_lost_listeners:
            try:
                await listener(target, reason)
            except Exception:  # a listener's failure must not stop delivery
                log.exception("chat-lost listener failed for %s", target.chat_id)

    def add_undelivered_listener(self, listener: UndeliveredListener) -> None:
        """Call ``listener(entry, reason)`` whenever a row is parked as undelivered
        (``undelivered_notice`` words it for an admin chat)."""
        self._undelivered_listeners.append(listener)

    async def wait_for_late_answers(self) -> None:
        """Until every send still awaiting its answer has one (or its client gave up)."""
        while self._awaiting:
            await asyncio.wait(set(self._awaiting.values()))

    async def _loop(self, platform: str) -> None:
        """One platform's sender: claims rows ahead of its sends and keeps up to
        ``max_in_flight`` sends going, each as soon as the pacer lets it out (not batch
        by batch: a batch would wait for its slowest send, and the budget with it)."""
        queue: asyncio.Queue[OutboxEntry] = asyncio.Queue()
        self._queues[platform] = queue
        workers = [
            asyncio.create_task(self._sending(platform, queue)) for _ in range(self.max_in_flight)
        ]
        try:
            await self._claiming(platform, queue)
        finally:
            for worker in workers:
                worker.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
            await self._give_back(platform, queue)

    async def _claiming(self, platform: str, queue: asyncio.Queue[OutboxEntry]) -> None:
        """Keep up to ``CLAIM_AHEAD`` due rows claimed ahead of the sends, claiming again
        when fewer than the send slots wait (a claim's cost is shared by many sends)."""
        ahead = max(self.batch_size, CLAIM_AHEAD)
        low_water = self.max_in_flight
        while not self._stopping.is_set():
            now, health = self.clock(), self.health[platform]
            if not health.healthy(now):
                await self._sleep(self.idle_seconds)
                continue
            health.paused_until = None
            if queue.qsize() >= low_water:
                await _until(self._signal(self._taken, platform), self.idle_seconds)
                continue
            room = ahead - queue.qsize()
            try:
                entries = await self.outbox.claim_due(
                    platform, now, room, self.settings.lease_seconds
                )
            except Exception:  # a store hiccup must not kill the loop
                log.exception("claiming rows for %s failed; continuing", platform)
                entries = []
            for entry in entries:
                self._in_hand.add(entry.id)
                queue.put_nowait(entry)
            if len(entries) < room:  # nothing more is due now
                await self._sleep(self.idle_seconds)

    async def _sending(self, platform: str, queue: asyncio.Queue[OutboxEntry]) -> None:
        """One send slot: the next claimed row, once the overall limit lets it out."""
        while True:
            entry = await queue.get()
            self._tell(self._taken, platform)
            try:
                await self._wait_for_budget(platform)
            except asyncio.CancelledError:
                queue.put_nowait(entry)  # not sent: given back when the loop ends
                raise
            try:
                await self._try_row(platform, entry, {})
            except Exception:  # a store hiccup must not kill the slot
                log.exception("sending row %s on %s failed; continuing", entry.id, platform)

    async def _wait_for_budget(self, platform: str) -> None:
        pacer = self.pacers[platform]
        while True:
            now = self.clock()
            if pacer.budget(now) > 0:
                return
            wait = pacer.global_wait(now)
            if wait > 0:  # the oldest send of the window leaves it then
                await self._sleep(min(wait, self.idle_seconds))
            else:  # the window is all sends still in flight: one must end first
                await _until(self._signal(self._send_ended, platform), self.idle_seconds)

    def _signal(self, signals: dict[str, asyncio.Event], platform: str) -> asyncio.Event:
        if platform not in signals:
            signals[platform] = asyncio.Event()
        return signals[platform]

    def _tell(self, signals: dict[str, asyncio.Event], platform: str) -> None:
        """Wake everyone waiting on this signal (each wait holds the event it began on)."""
        self._signal(signals, platform).set()
        signals[platform] = asyncio.Event()

    async def _give_back(self, platform: str, queue: asyncio.Queue[OutboxEntry]) -> None:
        """Rows claimed ahead and never tried: due again at once (not at lease end)."""
        now = self.clock()
        while not queue.empty():
            entry = queue.get_nowait()
            self._in_hand.discard(entry.id)
            try:
                await self.outbox.mark_retry(
                    entry.id, now, "sender stopped", count_attempt=False, lease=entry.lease
                )
            except Exception:  # its lease runs out instead
                log.exception("giving back row %s failed", entry.id)

    # ----------------------------------------------------------------- one pass

    async def run_once(self, platform: str) -> int:
        """Claim due rows for one platform and try each once. Returns rows handled."""
        now = self.clock()
        health = self.health[platform]
        if not health.healthy(now):
            return 0
        health.paused_until = None
        # Claim no more rows than the overall limit lets out now: rows claimed beyond it
        # would only be put off again, one write each, over and over while a large
        # fan-out waits for its turn.
        limit = min(self.batch_size, self.pacers[platform].budget(now))
        if limit <= 0:
            return 0
        entries = await self.outbox.claim_due(platform, now, limit, self.settings.lease_seconds)
        self._in_hand.update(entry.id for entry in entries)
        # Chats are served side by side, each chat's rows one after another in order.
        gate = asyncio.Semaphore(self.max_in_flight)
        held: dict[ChatTarget, datetime] = {}  # chats put off in this batch → until when
        by_chat: dict[ChatTarget, list[OutboxEntry]] = {}
        for entry in entries:
            by_chat.setdefault(self._migrated.get(entry.target, entry.target), []).append(entry)

        async def one_chat(rows: list[OutboxEntry]) -> None:
            for entry in rows:
                async with gate:
                    await self._try_row(platform, entry, held)

        await asyncio.gather(*(one_chat(rows) for rows in by_chat.values()))
        return len(entries)

    async def _try_row(
        self, platform: str, entry: OutboxEntry, held: dict[ChatTarget, datetime]
    ) -> None:
        """Pace, send and record one claimed row (or give it back for later)."""
        try:
            await self._try_claimed_row(platform, entry, held)
        finally:
            self._in_hand.discard(entry.id)

    async def _try_claimed_row(
        self, platform: str, entry: OutboxEntry, held: dict[ChatTarget, datetime]
    ) -> None:
        now = self.clock()
        health, pacer = self.health[platform], self.pacers[platform]
        if not health.healthy(now):
            # Fatal on another row of this batch: give this one back untouched.
            resume = health.paused_until or now
            await self.outbox.mark_retry(
                entry.id, resume, "platform paused", count_attempt=False, lease=entry.lease
            )
            return
        if entry.target in self._migrated:  # re-keyed earlier in this batch
            entry = replace(entry, target=self._migrated[entry.target])
        if entry.target in held:
            await self.outbox.mark_retry(
                entry.id,
                held[entry.target],
                "waiting for an earlier message",
                count_attempt=False,
                lease=entry.lease,
            )
            return
        allowed = pacer.next_allowed(entry.target.chat_id, now)
        if allowed > now:
            held[entry.target] = allowed
            await self.outbox.mark_retry(
                entry.id, allowed, "paced", count_attempt=False, lease=entry.lease
            )
            return
        pacer.in_flight += 1
        try:
            later = await self._deliver(platform, entry, now)
        finally:
            pacer.in_flight -= 1
            self._tell(self._send_ended, platform)
        if later is not None:
            held[entry.target] = later

    def _default_render(self, entry: OutboxEntry, tz_name: str, now: datetime) -> Message:
        return self._alerts.message(entry.change, tz_name, now)

    def _render_alert(self, change: Change, tz_name: str, now: datetime) -> Message:
        return render_change(change, self.watchlist, tz_name=tz_name, now=now)

    async def _chat_settings(self, entry: OutboxEntry) -> ChatSettings:
        """The chat's subscription as the claim read it, else as it is now."""
        if entry.chat is not None:
            return entry.chat
        sub = await self.subscriptions.get(entry.target)
        return ChatSettings() if sub is None else ChatSettings(sub.active, sub.timezone)

    async def _deliver(self, platform: str, entry: OutboxEntry, now: datetime) -> datetime | None:
        """Send one row and record the outcome. Returns a time the chat is held until."""
        chat = self.platforms[platform]
        settings = await self._chat_settings(entry)
        if not settings.active:
            # Blocked, removed or unsubscribed since the row was queued: never send there.
            await self.outbox.mark_failed(
                entry.id, DeliveryState.FAILED_PERMANENT, "subscription inactive", lease=entry.lease
            )
            return None
        put_off = await self._answer_still_to_come(entry, now)
        if put_off is not None:
            return put_off
        if entry.unknown_outcomes >= 2:
            await self._park(platform, entry)
            return None
        message = self._render(entry, settings.timezone, now)
        target = entry.target
        plain = entry.id in self._plain_only
        # The conditional write that makes a lost lease stop the send; from here a crash
        # leaves the outcome unknown (the store counts it on re-claim).
        hold = max(self.settings.lease_seconds, self.send_timeout + LATE_ANSWER_MARGIN_SECONDS)
        if not await self.outbox.mark_attempting(
            entry.id, now, lease=entry.lease, hold_seconds=hold
        ):
            log.info(
                "row %s to %s: lease lost before sending (another sender has it); not sent here",
                entry.id,
                entry.target.chat_id,
            )
            return None
        send = self._sender(platform, entry, chat)
        started = self.clock()
        try:
            ref = await send(target, message, plain)
        except ChatMigratedError as exc:
            new = exc.new_target
            log.info("chat %s migrated to %s; re-keying and resending", target, new.chat_id)
            await self.subscriptions.migrate(target, new)
            await self.outbox.retarget(target, new)
            self._migrated[target] = new
            try:
                ref = await send(new, message, plain)
            except ChatError as again:
                return await self._failed(platform, entry, again, new, now)
            target = new
        except FormattingError as exc:
            if plain:
                return await self._failed(platform, entry, exc, target, now)
            log.warning(
                "%s rejected markup for row %s (%s); resending as plain text",
                platform,
                entry.id,
                exc,
            )
            self._plain_only.add(entry.id)
            try:
                ref = await send(target, message, True)
            except ChatError as again:
                return await self._failed(platform, entry, again, target, now)
        except ChatError as exc:
            return await self._failed(platform, entry, exc, target, now)
        except Exception as exc:  # an adapter bug: retry like a transient error, loudly
            log.exception("unexpected error sending row %s on %s", entry.id, platform)
            return await self._failed(platform, entry, TransientError(repr(exc)), target, now)
        await self._succeeded(platform, entry, ref, now, started)
        return None

    async def _answer_still_to_come(self, entry: OutboxEntry, now: datetime) -> datetime | None:
        """Rule *no decision before the answer*: a row whose earlier send is still awaited
        here is neither resent nor parked; it is given back, its counts unchanged, and
        looked at again soon. One answered while it was claimed is given back at once, to
        be decided on the row as the answer left it. Returns when the chat is held until."""
        if entry.id in self._awaiting:
            until = now + timedelta(seconds=LATE_ANSWER_MARGIN_SECONDS)
            reason = "the answer to its earlier send is still awaited"
        elif entry.id in self._answered_in_hand:
            self._answered_in_hand.discard(entry.id)
            until, reason = now, "its earlier send was answered meanwhile"
        else:
            return None
        await self.outbox.mark_uncertain(entry.id, until, reason, lease=entry.lease, counted=False)
        log.info("row %s to %s: %s; not decided yet", entry.id, entry.target.chat_id, reason)
        return until

    def _late_answer_ended(self, row_id: int) -> None:
        self._awaiting.pop(row_id, None)
        if row_id in self._in_hand:
            self._answered_in_hand.add(row_id)

    def _sender(
        self, platform: str, entry: OutboxEntry, chat: ChatPlatform
    ) -> Callable[[ChatTarget, Message, bool], Awaitable[SentRef]]:
        async def send(target: ChatTarget, message: Message, plain: bool) -> SentRef:
            sending = chat.send(target, message, plain=plain)
            return await self._send_or_listen(platform, entry, sending)

        return send

    async def _send_or_listen(
        self, platform: str, entry: OutboxEntry, sending: Awaitable[SentRef]
    ) -> SentRef:
        """The send's answer, if it comes within ``send_timeout``; else AmbiguousSendError
        while the answer is still awaited in the background (``_late_answer``)."""
        task = asyncio.ensure_future(sending)
        try:
            done, _ = await asyncio.wait({task}, timeout=self.send_timeout)
        except asyncio.CancelledError:
            task.cancel()
            raise
        if task in done:
            return task.result()
        late = asyncio.create_task(self._late_answer(platform, entry, task))
        self._awaiting[entry.id] = late
        late.add_done_callback(lambda _: self._late_answer_ended(entry.id))
        raise AmbiguousSendError(
            f"no answer within {self.send_timeout:g}s; its answer is still awaited"
        )

    async def _late_answer(
        self, platform: str, entry: OutboxEntry, task: asyncio.Future[SentRef]
    ) -> None:
        """Decide a timed-out send from its answer, if one comes before the adapter gives up."""
        try:
            ref = await task
        except asyncio.CancelledError:
            task.cancel()
            raise
        except AmbiguousSendError as exc:
            log.warning(
                "row %s to %s: still no answer (%s); its outcome stays unknown",
                entry.id,
                entry.target.chat_id,
                exc,
            )
            return
        except ChatError as exc:  # the platform answered: this send did not take effect
            log.info(
                "row %s to %s: late answer: not sent (%s); it will be sent again",
                entry.id,
                entry.target.chat_id,
                exc,
            )
            await self.outbox.forget_unknown_outcome(entry.id)
            return
        except Exception:  # an adapter bug: nothing learnt, the outcome stays unknown
            log.exception("row %s: reading a late answer failed", entry.id)
            return
        log.info(
            "row %s to %s: late answer: sent as message %s; not sent again",
            entry.id,
            ref.target.chat_id,
            ref.message_id,
        )
        await self._succeeded(platform, entry, ref, self.clock())

    async def _park(self, platform: str, entry: OutboxEntry) -> None:
        """Two sends of this row may have arrived, or neither: never risk a third copy.
        Parked for a person to check, and every listener (e.g. an admin chat) told."""
        reason = (
            f"not confirmed after {entry.unknown_outcomes} sends that got no answer; "
            "not sent again (that could be a third copy): check the chat"
        )
        await self.outbox.mark_failed(
            entry.id, DeliveryState.UNDELIVERED, reason, lease=entry.lease
        )
        health = self.health[platform]
        health.failed += 1
        health.undelivered += 1
        log.error(
            "row %s to %s %s is undelivered and needs attention: %s (see `bot outbox`)",
            entry.id,
            platform,
            entry.target.chat_id,
            reason,
        )
        for listener in self._undelivered_listeners:
            try:
                await listener(entry, reason)
            except Exception:
                log.exception("an undelivered-alert listener failed for row %s", entry.id)

    async def _succeeded(
        self,
        platform: str,
        entry: OutboxEntry,
        ref: SentRef,
        now: datetime,
        started: datetime | None = None,
    ) -> None:
        # Paced from the answer less the fastest round trip (a late answer: from itself).
        done = self.clock()
        counted = done
        if started is not None:
            fastest = min(self._fastest_round_trip.get(platform, done - started), done - started)
            self._fastest_round_trip[platform] = fastest
            counted = counted_at(done, fastest)
        self.pacers[platform].record(ref.target.chat_id, counted)
        await self.outbox.mark_sent_many([SentRecord(entry.id, entry.change.meeting_id, ref, done)])
        self._plain_only.discard(entry.id)
        self.health[platform].sent += 1
        if _had_unknown_outcome(entry):
            log.warning(
                "row %s to %s sent on its retry after an unknown outcome: possible duplicate",
                entry.id,
                ref.target.chat_id,
            )
        previous = entry.previous_message
        if previous is not None and previous.target.platform == ref.target.platform:
            original = None
            if entry.previous_change is not None:
                settings = await self._chat_settings(entry)
                original = self._render(
                    replace(entry, change=entry.previous_change), settings.timezone, now
                )
            try:
                await self.platforms[platform].mark_outdated(
                    previous, "Superseded by a newer alert below.", original
                )
            except ChatError as exc:  # best effort: the new alert is what matters
                log.info("could not mark %s outdated: %s", previous.message_id, exc)
            except Exception:
                log.exception("mark_outdated failed for %s", previous.message_id)

    def backoff(self, attempts: int) -> timedelta:
        """Exponential backoff with jitter, capped (``bot.backoff.exponential_backoff``)."""
        settings = self.settings
        return timedelta(
            seconds=exponential_backoff(
                attempts, settings.retry_base_seconds, settings.retry_max_seconds, self.rng.random()
            )
        )

    async def _failed(
        self, platform: str, entry: OutboxEntry, exc: ChatError, target: ChatTarget, now: datetime
    ) -> datetime | None:
        health = self.health[platform]
        health.last_error = f"{type(exc).__name__}: {exc}"
        reason = f"{type(exc).__name__}: {exc}"
        uncertain_before = _had_unknown_outcome(entry)

        if isinstance(exc, RateLimited):
            wait = exc.retry_after if exc.retry_after is not None else DEFAULT_RETRY_AFTER
            until = now + timedelta(seconds=max(wait, 0.0) + self.rng.random() * 0.5)
            # the row keeps its count of unknown outcomes: this send surely did not land
            await self.outbox.mark_retry(
                entry.id, until, reason, count_attempt=False, lease=entry.lease
            )
            log.info("%s rate limited for %s; retry at %s", platform, target.chat_id, until)
            return until

        if isinstance(exc, PermanentChatError):
            await self.outbox.mark_failed(
                entry.id, DeliveryState.FAILED_PERMANENT, reason, lease=entry.lease
            )
            await self.subscriptions.deactivate(target, str(exc))
            health.failed += 1
            await self._tell_chat_lost(target, str(exc))
            log.warning(
                "%s chat %s: permanent failure, deactivated: %s", platform, target.chat_id, exc
            )
            return None

        if isinstance(exc, FormattingError):
            await self.outbox.mark_failed(
                entry.id, DeliveryState.FAILED_PERMANENT, reason, lease=entry.lease
            )
            self._plain_only.discard(entry.id)
            health.failed += 1
            log.error("row %s rejected even as plain text: %s", entry.id, exc)
            return None

        if isinstance(exc, ChatMigratedError):  # migrated twice in a row: treat as transient
            exc = TransientError(str(exc))

        if isinstance(exc, FatalPlatformError):
            health.paused_until = now + self.fatal_pause
            await self.outbox.mark_retry(
                entry.id, health.paused_until, reason, count_attempt=False, lease=entry.lease
            )
            log.error(
                "%s is paused until %s: %s. Check the token and the app's scopes; "
                "pending alerts are kept and will be sent once it works.",
                platform,
                health.paused_until.isoformat(),
                exc,
            )
            return health.paused_until

        if isinstance(exc, AmbiguousSendError):
            # Decided at the next claim, after any late answer: sent, resent once, or parked.
            # Counted from now, when the wait ended, not from before the send: the answer
            # can come until the client's own timeout, counted from the send.
            until = max(now, self.clock()) + self.uncertain_retry
            await self.outbox.mark_uncertain(entry.id, until, reason, lease=entry.lease)
            log.warning(
                "row %s to %s: no answer to a send that left (%s); %s at %s unless an answer "
                "confirms it",
                entry.id,
                target.chat_id,
                exc,
                "parked as undelivered" if uncertain_before else "retried once",
                until,
            )
            return until

        return await self._transient(platform, entry, exc, target, now)

    async def _transient(
        self, platform: str, entry: OutboxEntry, exc: ChatError, target: ChatTarget, now: datetime
    ) -> datetime | None:
        """Transient (and anything unclassified): back off, or give up after max_attempts."""
        attempts = entry.attempts + 1
        if attempts >= self.settings.max_attempts:
            await self.outbox.mark_failed(
                entry.id,
                DeliveryState.DEAD,
                f"gave up after {attempts} attempts: {exc}",
                lease=entry.lease,
            )
            self.health[platform].failed += 1
            log.error(
                "row %s to %s %s is dead after %d attempts: %s",
                entry.id,
                platform,
                target.chat_id,
                attempts,
                exc,
            )
            return None
        until = now + self.backoff(attempts)
        # The row keeps its count of unknown outcomes, so one is never retried twice.
        reason = f"{type(exc).__name__}: {exc}"
        await self.outbox.mark_retry(entry.id, until, reason, lease=entry.lease)
        log.info(
            "row %s to %s: transient error, retry at %s: %s", entry.id, target.chat_id, until, exc
        )
        return until
