"""Delivery soak: thousands of alerts through the real senders while the chat APIs
misbehave and the sender process is killed with SIGKILL and restarted.

    .venv/bin/python bench/soak.py                    # default: 3,000 alerts, 4 kills
    .venv/bin/python bench/soak.py --alerts 600 --chats 60 --kills 2 --seed 7

What runs where
---------------
* This (parent) process builds a real SQLite database: ``--chats`` subscriptions (half
  Telegram, half Slack) and ``alerts / chats`` meeting changes written by the real
  ``MeetingStore.record_item``, so the outbox holds ``--alerts`` due rows.
* It serves a fake Telegram Bot API and a fake Slack Web API (aiohttp, loopback) that
  answer at random: ok, 429 (``retry_after`` / ``Retry-After: 1``), 500, a timeout
  *after* recording the message (delivered, answer lost: ambiguous) and a timeout
  *before* recording it (not delivered, but just as unknown to the sender).
* A child process (``--child``) runs the real ``bot.delivery.Delivery`` with the real
  ``TelegramPlatform`` and ``SlackPlatform`` against those fakes, draining the outbox.
  The parent kills it with SIGKILL ``--kills`` times at random moments and starts it
  again; the last run drains everything.

At the end it prints the alerts due, delivered (at least once), lost (never delivered),
duplicated (delivered more than once) and the ambiguous sends (answer lost after the
fake recorded the message, and sends the fake accepted while the database had not yet
recorded them when the process was killed), counted separately. It exits 1 when an
alert is lost silently (never delivered and not given up) or a duplicate is not
explained by an ambiguous send of the same alert. An alert whose sends twice ended in an
unknown outcome is parked (``undelivered``, logged as an error for the operator, listed by
``bot outbox``) by design, to cap copies at two; if neither send had reached the chat
it is lost, and is counted and listed as such; ``--strict`` makes that fail the run too.

Scaled-down settings (printed in the output): pacing 20 messages/s per chat, 500/s per
platform; client timeouts 0.5 s; retry backoff from 0.2 s; lease 2 s; the one retry
after an unknown outcome after 1 s. The production defaults (1/s per chat, 30/s on
Telegram, 60 s lease and retry) would make the same run take hours, not minutes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import signal
import sqlite3
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from aiohttp import web

SCRIPT = Path(__file__).resolve()
REPO_ROOT = SCRIPT.parents[1]
sys.path.insert(0, str(REPO_ROOT))

BASE = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
TG_TOKEN = "4242:soak-fake-token"
VENUES = ("abu-dhabi", "geneva", "istanbul", "riyadh", "jeddah", "berlin", "doha", "paris",
          "budapest", "miami", "davos", "brussels", "moscow", "washington")  # fmt: skip
FINISHED = ("sent", "failed_permanent", "dead", "undelivered")
GIVEN_UP = ("dead", "undelivered")
ROW_TAG = re.compile(r"soak-row (\d+)")
SCALED = {
    "telegram_per_chat_per_second": 20.0,
    "telegram_per_group_per_minute": 1200.0,
    "telegram_global_per_second": 500.0,
    "slack_per_channel_per_second": 20.0,
    "retry_base_seconds": 0.2,
    "retry_max_seconds": 2.0,
    "lease_seconds": 2.0,
    "send_timeout_seconds": 0.5,  # the clients' own timeout: no answer is awaited later
    "late_answer_seconds": 0.5,
    "max_attempts": 12,
}
CLIENT_TIMEOUT = 0.5
UNCERTAIN_RETRY = 1.0


# --------------------------------------------------------------------------- the fakes


@dataclass
class Chaos:
    """Random answers, shared by both fake APIs. Probabilities per request."""

    rng: random.Random
    p_429: float = 0.04
    p_500: float = 0.04
    p_timeout_recorded: float = 0.01
    p_timeout_unrecorded: float = 0.01
    delivered: Counter[int] = field(default_factory=Counter)  # row → copies the chat got
    acked: dict[int, int] = field(default_factory=lambda: defaultdict(int))  # row → 200s
    timeouts_recorded: Counter[int] = field(default_factory=Counter)
    timeouts_unrecorded: int = 0
    answers: Counter[str] = field(default_factory=Counter)
    message_ids: int = 0
    late_answers: Counter[int] = field(default_factory=Counter)  # ok, but the client had left
    events: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    started: float = field(default_factory=time.monotonic)

    def note(self, row: int, event: str) -> None:
        self.events[row].append(f"{time.monotonic() - self.started:.2f}s {event}")

    def accepted(self, row: int, request: web.Request, platform: str) -> None:
        """A 200 is about to be written: count it, and notice a client that gave up."""
        self.delivered[row] += 1
        self.acked[row] += 1
        self.message_ids += 1
        transport = request.transport
        if transport is None or transport.is_closing():
            self.late_answers[row] += 1  # the sender timed out: an unknown outcome for it
            self.note(row, f"{platform} ok, but the client had already gone")
        else:
            self.note(row, f"{platform} ok")

    def pick(self) -> str:
        roll = self.rng.random()
        for outcome, p in (
            ("429", self.p_429),
            ("500", self.p_500),
            ("timeout-recorded", self.p_timeout_recorded),
            ("timeout-unrecorded", self.p_timeout_unrecorded),
        ):
            if roll < p:
                return outcome
            roll -= p
        return "ok"


def _row_of(text: str) -> int:
    found = ROW_TAG.search(text)
    if not found:
        raise ValueError(f"message without a row tag: {text[:200]!r}")
    return int(found.group(1))


async def _form(request: web.Request) -> dict[str, Any]:
    if request.content_type == "application/json":
        body = await request.json()
        return dict(body) if isinstance(body, dict) else {}
    return {k: v for k, v in (await request.post()).items() if isinstance(v, str)}


def make_fake_api(chaos: Chaos) -> web.Application:
    async def telegram(request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.match_info["token"] != TG_TOKEN:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        params = await _form(request)
        if method != "sendMessage":
            return web.json_response({"ok": True, "result": True})
        outcome = chaos.pick()
        chaos.answers[f"telegram {outcome}"] += 1
        row = _row_of(str(params.get("text", "")))
        if outcome != "ok":
            chaos.note(row, f"telegram {outcome}")
        if outcome == "429":
            return web.json_response(
                {
                    "ok": False,
                    "error_code": 429,
                    "description": "Too Many Requests: retry after 1",
                    "parameters": {"retry_after": 1},
                },
                status=429,
            )
        if outcome == "500":
            return web.json_response(
                {"ok": False, "error_code": 500, "description": "Internal Server Error"}, status=500
            )
        if outcome.startswith("timeout"):
            if outcome == "timeout-recorded":
                chaos.delivered[row] += 1
                chaos.timeouts_recorded[row] += 1
            else:
                chaos.timeouts_unrecorded += 1
            await asyncio.sleep(CLIENT_TIMEOUT * 3)
            return web.json_response(
                {"ok": False, "error_code": 504, "description": "late"}, status=504
            )
        chaos.accepted(row, request, "telegram")
        chat_id = int(str(params.get("chat_id", "0")))
        return web.json_response(
            {
                "ok": True,
                "result": {
                    "message_id": chaos.message_ids,
                    "date": int(time.time()),
                    "chat": {"id": chat_id, "type": "private", "first_name": "U"},
                    "text": params.get("text", ""),
                },
            }
        )

    async def slack(request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await _form(request)
        if method != "chat.postMessage":
            return web.json_response({"ok": True})
        outcome = chaos.pick()
        chaos.answers[f"slack {outcome}"] += 1
        text = str(params.get("text", "")) + json.dumps(params.get("blocks", ""))
        row = _row_of(text)
        if outcome != "ok":
            chaos.note(row, f"slack {outcome}")
        if outcome == "429":
            return web.json_response(
                {"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": "1"}
            )
        if outcome == "500":
            return web.json_response({"ok": False, "error": "internal_error"}, status=500)
        if outcome.startswith("timeout"):
            if outcome == "timeout-recorded":
                chaos.delivered[row] += 1
                chaos.timeouts_recorded[row] += 1
            else:
                chaos.timeouts_unrecorded += 1
            await asyncio.sleep(CLIENT_TIMEOUT * 3)
            return web.json_response({"ok": False, "error": "late"}, status=504)
        chaos.accepted(row, request, "slack")
        return web.json_response(
            {
                "ok": True,
                "channel": params.get("channel"),
                "ts": f"1700000000.{chaos.message_ids:06d}",
            }
        )

    app = web.Application()
    app.router.add_post("/bot{token}/{method}", telegram)
    app.router.add_post("/api/{method}", slack)
    return app


# --------------------------------------------------------------------------- set-up


async def build_database(db_path: Path, alerts: int, chats: int) -> int:
    from bot.models import ChatTarget, FeedItem, MeetingReport, MeetingStatus, Platform
    from bot.store import Store

    store = await Store.open(f"sqlite+aiosqlite:///{db_path}")
    try:
        for i in range(chats):
            target = (
                ChatTarget(Platform.TELEGRAM, str(100_000 + i))
                if i % 2 == 0
                else ChatTarget(Platform.SLACK, f"C{i:06d}")
            )
            await store.subscriptions.subscribe(target, frozenset())
        changes = max(1, alerts // chats)
        for i in range(changes):
            item = FeedItem(
                feed_id="soak",
                key=f"k{i}",
                title=f"item {i}",
                text="",
                link=f"https://news.example/soak/{i}",
                published=BASE,
                outlet="Soak Wire",
                link_key=f"l:soak:{i}",
            )
            report = MeetingReport(
                venue=VENUES[i % len(VENUES)],
                date=date(2026, 12, 1) + timedelta(days=2 * i),
                date_end=None,
                status=MeetingStatus.UPCOMING,
                tentative=False,
                participants=("witkoff", "dmitriev"),
                previous_date=None,
                evidence="Envoys will meet.",
            )
            found = await store.record_item("soak", item, "en", [report], BASE)
            if len(found) != 1:
                raise RuntimeError(f"expected one change for item {i}, got {found}")
        counts = await store.outbox.counts()
        return sum(counts.values())
    finally:
        await store.close()


def outbox_rows(db_path: Path) -> dict[int, str]:
    con = sqlite3.connect(db_path, timeout=30)
    try:
        return {int(r[0]): str(r[1]) for r in con.execute("select id, state from outbox")}
    finally:
        con.close()


# --------------------------------------------------------------------------- the child


async def child(args: argparse.Namespace) -> int:
    """The sender: real Delivery + real adapters, until nothing is left to do."""
    import logging

    from bot.chat.slack import SlackPlatform
    from bot.chat.telegram import TelegramPlatform
    from bot.config import DeliverySettings, SlackSettings, TelegramSettings, load_config
    from bot.delivery import Delivery
    from bot.models import Message
    from bot.ports import OutboxEntry
    from bot.render import render_change
    from bot.store import Store

    logging.basicConfig(level=logging.ERROR, format="child %(levelname)s %(name)s: %(message)s")
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    watchlist = load_config(REPO_ROOT / "config", env={}).watchlist
    store = await Store.open(f"sqlite+aiosqlite:///{args.db}")
    started = time.monotonic()

    def clock() -> datetime:  # later runs start later, so leases of killed runs expire
        return BASE + timedelta(seconds=args.offset + time.monotonic() - started)

    telegram = TelegramPlatform(
        TelegramSettings(api_base_url=args.tg_url),
        TG_TOKEN,
        store.subscriptions,
        connect_timeout=CLIENT_TIMEOUT,
        read_timeout=CLIENT_TIMEOUT,
    )
    slack = SlackPlatform(
        SlackSettings(api_base_url=args.slack_url),
        "xoxb-soak-fake",
        store.subscriptions,
        signing_secret="soak-signing-secret",
        clock=lambda: clock().timestamp(),
        timeout=CLIENT_TIMEOUT,  # type: ignore[arg-type]  # aiohttp takes a float
    )

    def render(entry: OutboxEntry, tz_name: str, now: datetime) -> Message:
        message = render_change(entry.change, watchlist, tz_name=tz_name, now=now)
        return replace(message, footer=f"{message.footer} · soak-row {entry.id}")

    delivery = Delivery(
        {"telegram": telegram, "slack": slack},
        store.outbox,
        store.subscriptions,
        watchlist,
        DeliverySettings(**SCALED),
        clock=clock,
        rng=random.Random(),
        batch_size=20,
        idle_seconds=0.05,
        uncertain_retry_seconds=UNCERTAIN_RETRY,
        render=render,
    )
    await delivery.start()
    try:
        while True:
            await asyncio.sleep(0.5)
            counts = await store.outbox.counts()
            if not any(n for state, n in counts.items() if state not in FINISHED):
                break
    finally:
        await delivery.stop()
        await telegram.stop()
        await slack.stop()
        await store.close()
    print("DONE", flush=True)
    return 0


# --------------------------------------------------------------------------- the parent


def fresh_database_path(workdir: str | None) -> Path:
    folder = Path(workdir or tempfile.mkdtemp(prefix="talkwatch-soak-"))
    folder.mkdir(parents=True, exist_ok=True)
    db_path = folder / "soak.sqlite3"
    db_path.unlink(missing_ok=True)
    return db_path


async def parent(args: argparse.Namespace) -> int:
    rng = random.Random(args.seed)
    db_path = fresh_database_path(args.workdir)
    due = await build_database(db_path, args.alerts, args.chats)
    chaos = Chaos(random.Random(args.seed + 1))
    runner = web.AppRunner(make_fake_api(chaos), access_log=None, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    print(
        f"soak: {due} alerts due to {args.chats} chats (half Telegram, half Slack); "
        f"{args.kills} SIGKILLs; seed {args.seed}; database {db_path}",
        flush=True,
    )
    print(
        "scaled-down settings for speed: "
        + ", ".join(f"{k}={v}" for k, v in SCALED.items())
        + f", client timeouts {CLIENT_TIMEOUT}s, retry after an unknown outcome "
        f"{UNCERTAIN_RETRY}s",
        flush=True,
    )

    ambiguous_kill: Counter[int] = Counter()
    accounted_acks: dict[int, int] = defaultdict(int)
    started = time.monotonic()
    offset = 0.0
    kills = 0
    runs = 0
    env = {**os.environ, "PTB_TIMEDELTA": "true"}
    script = str(SCRIPT)
    while True:
        runs += 1
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            script,
            "--child",
            "--db",
            str(db_path),
            "--tg-url",
            f"http://127.0.0.1:{port}/bot",
            "--slack-url",
            f"http://127.0.0.1:{port}/api/",
            "--offset",
            str(offset),
            env=env,
        )
        run_started = time.monotonic()
        if kills < args.kills:
            await asyncio.sleep(rng.uniform(3.0, 7.0))
            if proc.returncode is None:
                os.kill(proc.pid, signal.SIGKILL)
                await proc.wait()
                kills += 1
                # Requests the killed sender had already written may still be handled
                # by the fake: let them finish before comparing with the database.
                await asyncio.sleep(0.5)
                # Sends the fake accepted that the database never recorded: in the window.
                states = outbox_rows(db_path)
                for row, acks in chaos.acked.items():
                    new = acks - accounted_acks[row]
                    if new > 0 and states.get(row) != "sent":
                        ambiguous_kill[row] += new
                        chaos.note(row, "sender killed before it recorded the send")
                    accounted_acks[row] = acks
                print(
                    f"  killed run {runs} (SIGKILL) after {time.monotonic() - run_started:.1f}s;"
                    f" {sum(chaos.delivered.values())} messages reached the fakes so far",
                    flush=True,
                )
                offset += (time.monotonic() - run_started) + 1.0
                continue
        code = await asyncio.wait_for(proc.wait(), args.timeout)
        if code != 0:
            print(f"sender exited with {code}", flush=True)
            return 2
        break
    elapsed = time.monotonic() - started
    await runner.cleanup()

    states = outbox_rows(db_path)
    delivered = {row for row in states if chaos.delivered[row] > 0}
    lost = sorted(row for row in states if chaos.delivered[row] == 0)
    dup = {row: chaos.delivered[row] for row in states if chaos.delivered[row] > 1}
    explained = {
        row: n
        for row, n in dup.items()
        if n - 1 <= chaos.timeouts_recorded[row] + ambiguous_kill[row] + chaos.late_answers[row]
    }
    unexplained = {row: n for row, n in dup.items() if row not in explained}
    dead = sorted(row for row, s in states.items() if s in GIVEN_UP)
    unfinished = sorted(row for row, s in states.items() if s not in FINISHED)
    over_two = {row: n for row, n in dup.items() if n > 2}

    print(f"\nfinished in {elapsed:.1f}s over {runs} sender runs ({kills} killed)")
    print("fake API answers: " + ", ".join(f"{k} {v}" for k, v in sorted(chaos.answers.items())))
    print(f"alerts due:                     {due}")
    print(f"delivered (at least once):      {len(delivered)}")
    print(
        f"lost (never delivered):         {len(lost)}  (of which given up after two "
        f"unknown outcomes, parked with an error log: "
        f"{sum(1 for r in lost if states[r] in GIVEN_UP)})"
    )
    print(
        f"duplicated (more than once):    {len(dup)}"
        f"  (explained by an ambiguous send: {len(explained)}, unexplained: "
        f"{len(unexplained)}, more than 2 copies: {len(over_two)})"
    )
    print(
        f"ambiguous sends, answer lost after the fake recorded it: "
        f"{sum(chaos.timeouts_recorded.values())}"
    )
    print(
        f"ambiguous sends, accepted but not recorded when killed:  {sum(ambiguous_kill.values())}"
    )
    print(
        f"ambiguous sends, answered ok after the sender timed out: "
        f"{sum(chaos.late_answers.values())}"
    )
    print(f"timeouts before the fake recorded (nothing delivered):   {chaos.timeouts_unrecorded}")
    print(
        f"rows given up (dead or undelivered, operator alerted): {len(dead)}"
        + (f" {dead[:10]}" if dead else "")
    )
    print(f"rows unfinished: {len(unfinished)}")
    if lost:
        print(f"LOST rows: {lost[:20]} (states: {[states[r] for r in lost[:20]]})")
    if unexplained:
        print(f"UNEXPLAINED duplicates: {dict(list(unexplained.items())[:20])}")
        for row in list(unexplained)[:5]:
            print(f"  row {row} ({states[row]}): " + "; ".join(chaos.events[row]))
    given_up = [row for row in lost if states[row] in GIVEN_UP]
    silent = [row for row in lost if row not in given_up]
    ok = (
        not silent
        and not (args.strict and given_up)
        and not unexplained
        and not unfinished
        and len(states) == due
    )
    print("RESULT: " + ("ok" if ok else "FAILED"))
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--alerts", type=int, default=3000)
    parser.add_argument("--chats", type=int, default=300)
    parser.add_argument("--kills", type=int, default=4)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workdir", default=None, help="where the database goes (temp dir)")
    parser.add_argument("--timeout", type=float, default=600.0, help="last run's time limit")
    parser.add_argument(
        "--strict",
        action="store_true",
        help="also fail when an alert was given up after two unknown outcomes (dead)",
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--tg-url", help=argparse.SUPPRESS)
    parser.add_argument("--slack-url", help=argparse.SUPPRESS)
    parser.add_argument("--offset", type=float, default=0.0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    return asyncio.run(child(args) if args.child else parent(args))


if __name__ == "__main__":
    raise SystemExit(main())
