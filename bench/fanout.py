"""Fan-out: one change to every subscribed Telegram chat and Slack channel, within limits.

What runs
---------
* Fake Telegram Bot API and Slack Web API in a SEPARATE PROCESS (``--serve``, aiohttp)
  that ENFORCE the platforms' limits on arrival and answer 429 when one is exceeded:

  - Telegram ``sendMessage``: 30 messages in any 1 s window overall, and 1 s between
    two messages to one chat; 429 with ``parameters.retry_after`` (whole seconds).
  - Slack ``chat.postMessage``: 1 s between two messages to one channel; 429 with
    ``Retry-After``. Slack also keeps an unpublished workspace-wide limit; it is not
    modelled by default (the bot has no setting for it). ``--slack-workspace-per-second N``
    turns on an N-per-1-s-window limit in the fake to see how the bot copes.

  Only accepted messages count towards a window. ``--rtt-ms R`` models a real network:
  each request reaches the fake R/2 ms after it is sent (the limits judge it then) and
  its answer reaches the bot R/2 ms later.
* The bot in THIS process: a real SQLite store; subscriptions for ``10,000 × scale``
  Telegram chats and ``1,000 × scale`` Slack channels (bulk inserted through the store's
  schema); ONE change recorded by ``Store.record_item`` (which writes one outbox row per
  chat in its transaction); then ``bot.delivery.Delivery`` with the real
  ``TelegramPlatform`` (python-telegram-bot) and ``SlackPlatform`` (slack_sdk) and the
  default ``[delivery]`` settings drains the outbox.

What is measured
----------------
* the time from ``Delivery.start()`` until the fake accepted the last message, per
  platform and overall, against the minimum the limits allow: for Telegram
  ``ceil(chats / 30) - 1`` s (30 at once, 30 more a second later, ...; about
  ``chats / 30``; per-chat limits do not bind: one message each); for Slack 0 without
  a workspace limit (one message per channel), else ``ceil(channels / N) - 1``. The ratio
  actual / minimum is the figure that matters; ``--scale`` (default 0.1: 1,000 chats
  and 100 channels) only shortens the run (10,000 chats take at least 333 s).
* 429 answers provoked, messages accepted (every chat exactly once), the time to queue
  the fan-out (``record_item``), CPU of this process during delivery.

Targets: fan-out within 110 % of the minimum time the limits allow; no 429 provoked.

    .venv/bin/python bench/fanout.py [--quick] [--scale 0.1] [--rtt-ms 150]
        [--slack-workspace-per-second N]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import deque
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from benchlib import REPO_ROOT, Report, cpu_seconds, peak_rss_mb, start_server

from bot import eventloop

TG_TOKEN = "123456:BENCH-token"

# --------------------------------------------------------------------------- fake APIs


class Window:
    """Accepted sends in a sliding 1 s window (``limit`` per second; 0 = unlimited)."""

    def __init__(self, limit: float) -> None:
        self.limit = limit
        self.times: deque[float] = deque()

    def wait(self, now: float) -> float:
        """0 when a send may be accepted now, else the seconds until it may."""
        if not self.limit:
            return 0.0
        while self.times and self.times[0] <= now - 1.0:
            self.times.popleft()
        if len(self.times) < self.limit:
            return 0.0
        return self.times[0] + 1.0 - now

    def add(self, now: float) -> None:
        if self.limit:
            self.times.append(now)


class Gap:
    """At most one accepted send per key every ``1 / per_second`` seconds."""

    def __init__(self, per_second: float) -> None:
        self.gap = 1.0 / per_second
        self.last: dict[str, float] = {}

    def wait(self, key: str, now: float) -> float:
        last = self.last.get(key)
        return 0.0 if last is None or now - last >= self.gap else last + self.gap - now

    def add(self, key: str, now: float) -> None:
        self.last[key] = now


async def _serve(args: argparse.Namespace) -> None:
    from aiohttp import web

    stats: dict[str, Any] = {
        "telegram_sent": 0,
        "telegram_429": 0,
        "telegram_first": None,
        "telegram_last": None,
        "slack_sent": 0,
        "slack_429": 0,
        "slack_first": None,
        "slack_last": None,
        "telegram_chats": 0,
        "slack_channels": 0,
    }
    tg_global, tg_chat = Window(args.tg_global), Gap(args.tg_chat)
    sl_channel, sl_workspace = Gap(args.slack_channel), Window(args.slack_workspace_per_second)
    tg_seen: set[str] = set()
    sl_seen: set[str] = set()
    message_ids = itertools.count(1)
    ts = itertools.count(1)

    def accepted(platform: str, now: float) -> None:
        stats[f"{platform}_sent"] += 1
        if stats[f"{platform}_first"] is None:
            stats[f"{platform}_first"] = now
        stats[f"{platform}_last"] = now

    half_rtt = args.rtt_ms / 2000.0

    async def telegram(request: web.Request) -> web.StreamResponse:
        await asyncio.sleep(half_rtt)  # the request's way there
        response = await telegram_answer(request)
        await asyncio.sleep(half_rtt)  # the answer's way back
        return response

    async def slack(request: web.Request) -> web.StreamResponse:
        await asyncio.sleep(half_rtt)
        response = await slack_answer(request)
        await asyncio.sleep(half_rtt)
        return response

    async def telegram_answer(request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        if method == "getMe":
            me = {"id": 123456, "is_bot": True, "first_name": "Talkwatch", "username": "tw_bot"}
            return web.json_response({"ok": True, "result": me})
        if method != "sendMessage":
            return web.json_response({"ok": True, "result": True})
        form = await request.post()
        chat = str(form.get("chat_id", ""))
        now = time.time()
        wait = max(tg_global.wait(now), tg_chat.wait(chat, now))
        if wait > 0:
            stats["telegram_429"] += 1
            retry = max(1, math.ceil(wait))
            return web.json_response(
                {
                    "ok": False,
                    "error_code": 429,
                    "description": f"Too Many Requests: retry after {retry}",
                    "parameters": {"retry_after": retry},
                },
                status=429,
            )
        tg_global.add(now)
        tg_chat.add(chat, now)
        accepted("telegram", now)
        if chat not in tg_seen:
            tg_seen.add(chat)
            stats["telegram_chats"] += 1
        cid = int(chat)
        kind = (
            {"type": "private", "first_name": "U"} if cid > 0 else {"type": "group", "title": "G"}
        )
        result = {
            "message_id": next(message_ids),
            "date": int(now),
            "chat": {"id": cid, **kind},
            "text": str(form.get("text", "")),
        }
        return web.json_response({"ok": True, "result": result})

    async def slack_answer(request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        if method != "chat.postMessage":
            return web.json_response({"ok": True})
        if request.content_type == "application/json":
            params = await request.json()
        else:
            params = dict(await request.post())
        channel = str(params.get("channel", ""))
        now = time.time()
        wait = max(sl_channel.wait(channel, now), sl_workspace.wait(now))
        if wait > 0:
            stats["slack_429"] += 1
            return web.json_response(
                {"ok": False, "error": "ratelimited"},
                status=429,
                headers={"Retry-After": str(max(1, math.ceil(wait)))},
            )
        sl_channel.add(channel, now)
        sl_workspace.add(now)
        accepted("slack", now)
        if channel not in sl_seen:
            sl_seen.add(channel)
            stats["slack_channels"] += 1
        return web.json_response(
            {"ok": True, "channel": channel, "ts": f"1700000000.{next(ts):06d}"}
        )

    async def stats_handler(request: web.Request) -> web.StreamResponse:
        return web.json_response(stats)

    app = web.Application()
    app.router.add_route("*", "/bot{token}/{method}", telegram)
    app.router.add_route("*", "/api/{method}", slack)
    app.router.add_get("/stats", stats_handler)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    server = site._server  # aiohttp has no public accessor for the bound port
    assert server is not None
    print(json.dumps({"port": server.sockets[0].getsockname()[1]}), flush=True)  # type: ignore[attr-defined]
    await asyncio.Event().wait()


# --------------------------------------------------------------------------- the bot


async def fetch_stats(port: int) -> dict[str, Any]:
    import httpx

    async with httpx.AsyncClient(trust_env=False) as client:
        response = await client.get(f"http://127.0.0.1:{port}/stats")
        return dict(response.json())


def chat_counts(args: argparse.Namespace) -> tuple[int, int]:
    """Telegram chats and Slack channels: as given (0 is a count), else by the scale."""
    tg_chats = max(1, round(10_000 * args.scale))
    slack_channels = max(1, round(1_000 * args.scale))
    if args.telegram_chats is not None:
        tg_chats = args.telegram_chats
    if args.slack_channels is not None:
        slack_channels = args.slack_channels
    return tg_chats, slack_channels


async def subscribe_all(store: Any, tg_chats: int, slack_channels: int) -> None:
    """Bulk insert the subscriptions through the store's schema (one transaction)."""
    from sqlalchemy import insert

    from bot.store.schema import subscriptions

    now = datetime.now(UTC)
    rows = [{"platform": "telegram", "chat_id": str(100_000_000 + i)} for i in range(tg_chats)] + [
        {"platform": "slack", "chat_id": f"C{i:08d}"} for i in range(slack_channels)
    ]
    for row in rows:
        row.update(entity_ids=[], timezone="UTC", active=True, created_at=now, updated_at=now)

    async def work(conn: Any) -> None:
        await conn.execute(insert(subscriptions), rows)

    await store.db.write(work)


async def one_change(store: Any) -> tuple[int, float]:
    """Record one item announcing a meeting: returns (outbox rows queued, seconds)."""
    from bot.models import FeedItem, MeetingReport, MeetingStatus

    now = datetime.now(UTC)
    item = FeedItem(
        feed_id="bench",
        key="bench-1",
        title="Witkoff and Dmitriev to meet in Geneva",
        text="Steve Witkoff will meet Kirill Dmitriev in Geneva next week, officials said.",
        link="https://news.example/bench-1",
        published=now - timedelta(minutes=5),
        outlet="Bench Wire",
    )
    report = MeetingReport(
        venue="geneva",
        date=date.today() + timedelta(days=9),  # noqa: DTZ011 - a day a week ahead, any zone
        date_end=None,
        status=MeetingStatus.UPCOMING,
        tentative=False,
        participants=("witkoff", "dmitriev"),
        evidence="Steve Witkoff will meet Kirill Dmitriev in Geneva next week.",
    )
    started = time.monotonic()
    changes = await store.record_item("bench", item, "en", [report], now)
    elapsed = time.monotonic() - started
    assert len(changes) == 1, changes
    counts = await store.outbox.counts()
    return sum(counts.values()), elapsed


async def run_bot(args: argparse.Namespace, port: int, workdir: Path) -> int:
    import logging

    from bot.chat.slack import SlackPlatform
    from bot.chat.telegram import TelegramPlatform
    from bot.config import DeliverySettings, SlackSettings, TelegramSettings, load_watchlist
    from bot.delivery import Delivery
    from bot.models import IncomingCommand, Message, Platform
    from bot.ports import DeliveryState
    from bot.store import Store

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    tg_chats, slack_channels = chat_counts(args)
    store = await Store.open(f"sqlite+aiosqlite:///{workdir / 'fanout.sqlite3'}")
    await subscribe_all(store, tg_chats, slack_channels)
    rows, queue_seconds = await one_change(store)

    async def no_commands(cmd: IncomingCommand) -> Message:
        return Message(headline="")

    base = f"http://127.0.0.1:{port}"
    telegram = TelegramPlatform(
        TelegramSettings(api_base_url=f"{base}/bot"), TG_TOKEN, store.subscriptions
    )
    await telegram.setup(no_commands)  # getMe + setMyCommands, as at start-up
    slack = SlackPlatform(
        SlackSettings(api_base_url=f"{base}/api/"),
        "xoxb-bench",
        store.subscriptions,
        signing_secret="bench-secret",
    )
    settings = DeliverySettings(slack_global_per_second=args.slack_workspace_per_second or None)
    delivery = Delivery(
        {Platform.TELEGRAM: telegram, Platform.SLACK: slack},
        store.outbox,
        store.subscriptions,
        load_watchlist(REPO_ROOT / "config" / "watchlist.yaml"),
        settings,
    )
    total = tg_chats + slack_channels
    cpu0, wall0 = cpu_seconds(), time.time()
    await delivery.start()
    finished = False
    if args.window:
        try:
            return await measure_window(args, port, store, cpu0)
        finally:
            await delivery.stop()
            await telegram.stop()
            await slack.stop()
            await store.close()
    try:
        deadline = time.monotonic() + args.timeout
        while time.monotonic() < deadline:
            # seldom: counting every row is this process's CPU too (the end time is the
            # fake's, so how soon the end is seen here does not change it)
            await asyncio.sleep(2.0)
            counts = await store.outbox.counts()
            if counts.get(DeliveryState.SENT.value, 0) >= total:
                finished = True
                break
    finally:
        cpu1 = cpu_seconds()
        await delivery.stop()
        await telegram.stop()
        await slack.stop()
        counts = await store.outbox.counts()
        await store.close()
    stats = await fetch_stats(port)

    # The fastest a sliding 1 s window of N allows: N at once, N more a second later...,
    # so the last of n messages goes ceil(n / N) - 1 seconds after the first.
    tg_min = math.ceil(tg_chats / args.tg_global) - 1
    sl_min = (
        math.ceil(slack_channels / args.slack_workspace_per_second) - 1
        if args.slack_workspace_per_second
        else 0.0
    )
    tg_time = (stats["telegram_last"] or wall0) - wall0
    sl_time = (stats["slack_last"] or wall0) - wall0
    overall = max(tg_time, sl_time)
    minimum = max(tg_min, sl_min)
    ratio = overall / minimum if minimum else math.inf
    too_many = stats["telegram_429"] + stats["slack_429"]

    report = Report(
        f"fanout: scale {args.scale:g} -> {tg_chats} Telegram chats, "
        f"{slack_channels} Slack channels"
    )
    report.figure(
        "limits (fake)",
        f"Telegram {args.tg_global:g}/s overall, 1 per {1 / args.tg_chat:g} s per chat; "
        f"Slack 1 per {1 / args.slack_channel:g} s per channel, workspace "
        + (
            f"{args.slack_workspace_per_second:g}/s"
            if args.slack_workspace_per_second
            else "not modelled"
        ),
    )
    report.figure(
        "fan-out queued (record_item, one transaction)",
        f"{rows} outbox rows in {queue_seconds * 1000:.0f} ms",
    )
    report.figure(
        "Telegram",
        f"{stats['telegram_sent']} accepted ({stats['telegram_chats']} chats), "
        f"{stats['telegram_429']} x 429, last at {tg_time:.1f} s, minimum {tg_min:.1f} s "
        f"(chats / 30 = {tg_chats / args.tg_global:.1f} s) "
        f"-> {tg_time / max(tg_min, 1e-9):.3f} x minimum, "
        f"{stats['telegram_sent'] / max(tg_time, 1e-9):.1f}/s",
    )
    report.figure(
        "Slack",
        f"{stats['slack_sent']} accepted ({stats['slack_channels']} channels), "
        f"{stats['slack_429']} x 429, last at {sl_time:.1f} s, minimum {sl_min:.1f} s, "
        f"{stats['slack_sent'] / max(sl_time, 1e-9):.1f}/s",
    )
    report.figure("outbox states at the end", json.dumps(counts, sort_keys=True))
    report.figure(
        "CPU during delivery (this process)",
        f"{cpu1 - cpu0:.1f} s over {time.time() - wall0:.1f} s; peak RSS {peak_rss_mb():.0f} MB",
    )
    sent = max(stats["telegram_sent"] + stats["slack_sent"], 1)
    report.figure("round trip of each API call (fake)", f"{args.rtt_ms:g} ms")
    report.figure("machine load (1, 5, 15 min)", load_average())
    report.target(
        "CPU per message <= 3 ms",
        f"{(cpu1 - cpu0) * 1000 / sent:.2f} ms",
        (cpu1 - cpu0) * 1000 / sent <= 3.0,
    )
    report.target(
        "every chat got its message exactly once",
        f"{stats['telegram_chats'] + stats['slack_channels']}/{total} chats, "
        f"{stats['telegram_sent'] + stats['slack_sent']} messages",
        finished
        and stats["telegram_sent"] == stats["telegram_chats"] == tg_chats
        and stats["slack_sent"] == stats["slack_channels"] == slack_channels,
    )
    report.target(
        "fan-out <= 110% of the minimum the limits allow",
        f"{overall:.1f} s / {minimum:.1f} s = {ratio:.3f}"
        + ("" if finished else " (not all delivered: no ratio)"),
        finished and ratio <= 1.10,
    )
    report.target("no 429 provoked", str(too_many), too_many == 0)
    report.print()
    return 0 if report.passed else 1


def load_average() -> str:
    """Wall-clock rates suffer when the cores are shared: say how busy they were."""
    one, five, fifteen = os.getloadavg()
    return f"{one:.1f}, {five:.1f}, {fifteen:.1f} on {os.cpu_count()} cores"


async def measure_window(args: argparse.Namespace, port: int, store: Any, cpu0: float) -> int:
    """Both platforms' rates over ``--window`` seconds while both still have a backlog
    (the first 2 s, the start-up burst, left out), against their limits."""
    await asyncio.sleep(2.0)
    first, cpu1, t1 = await fetch_stats(port), cpu_seconds(), time.monotonic()
    await asyncio.sleep(args.window)
    last, cpu2, t2 = await fetch_stats(port), cpu_seconds(), time.monotonic()
    seconds = t2 - t1
    tg_rate = (last["telegram_sent"] - first["telegram_sent"]) / seconds
    sl_rate = (last["slack_sent"] - first["slack_sent"]) / seconds
    sent = max(last["telegram_sent"] - first["telegram_sent"], 0) + max(
        last["slack_sent"] - first["slack_sent"], 0
    )
    report = Report(
        f"fanout, both platforms at once: {args.telegram_chats or 'scaled'} Telegram chats, "
        f"{args.slack_channels or 'scaled'} Slack channels, {seconds:.0f} s window"
    )
    report.figure(
        "limits (fake)",
        f"Telegram {args.tg_global:g}/s, Slack workspace {args.slack_workspace_per_second:g}/s",
    )
    report.figure("Telegram", f"{tg_rate:.1f}/s, {last['telegram_429']} x 429")
    report.figure("Slack", f"{sl_rate:.1f}/s, {last['slack_429']} x 429")
    report.figure(
        "CPU over the window",
        f"{cpu2 - cpu1:.1f} s ({(cpu2 - cpu1) * 1000 / max(sent, 1):.2f} ms per message)",
    )
    report.figure("round trip of each API call (fake)", f"{args.rtt_ms:g} ms")
    report.figure("machine load (1, 5, 15 min)", load_average())
    report.target(
        "Telegram >= 95% of its limit",
        f"{tg_rate / args.tg_global:.1%}",
        tg_rate >= 0.95 * args.tg_global,
    )
    slack_limit = args.slack_workspace_per_second
    report.target(
        "Slack >= 95% of its limit",
        f"{sl_rate / slack_limit:.1%}" if slack_limit else "no limit",
        bool(slack_limit) and sl_rate >= 0.95 * slack_limit,
    )
    report.target(
        "no 429 provoked",
        str(last["telegram_429"] + last["slack_429"]),
        last["telegram_429"] + last["slack_429"] == 0,
    )
    report.print()
    return 0 if report.passed else 1


def launch_server(args: argparse.Namespace) -> tuple[subprocess.Popen[str], int]:
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--serve",
        "--tg-global",
        str(args.tg_global),
        "--tg-chat",
        str(args.tg_chat),
        "--slack-channel",
        str(args.slack_channel),
        "--slack-workspace-per-second",
        str(args.slack_workspace_per_second),
        "--rtt-ms",
        str(args.rtt_ms),
    ]
    proc, ready = start_server(cmd, "fake API server")
    return proc, int(ready["port"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=None, help="share of 10,000/1,000 (0.1)")
    parser.add_argument("--quick", action="store_true", help="scale 0.03 (300 chats, 30 channels)")
    parser.add_argument("--tg-global", type=float, default=30.0, help=argparse.SUPPRESS)
    parser.add_argument("--tg-chat", type=float, default=1.0, help=argparse.SUPPRESS)
    parser.add_argument("--slack-channel", type=float, default=1.0, help=argparse.SUPPRESS)
    parser.add_argument("--slack-workspace-per-second", type=float, default=0.0)
    parser.add_argument("--telegram-chats", type=int, default=None, help="instead of the scale")
    parser.add_argument("--slack-channels", type=int, default=None, help="instead of the scale")
    parser.add_argument(
        "--window",
        type=float,
        default=0.0,
        help="measure both platforms' rates over this many seconds, then stop",
    )
    parser.add_argument(
        "--rtt-ms", type=float, default=0.0, help="network round trip of each API call (0)"
    )
    parser.add_argument("--timeout", type=float, default=None, help="seconds (3 x minimum + 60)")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(_serve(args))
        return 0
    args.scale = args.scale or (0.03 if args.quick else 0.1)
    if args.timeout is None:
        args.timeout = 3 * chat_counts(args)[0] / args.tg_global + 60
    workdir = Path(tempfile.mkdtemp(prefix="talkwatch-bench-fanout-"))
    proc, port = launch_server(args)
    try:
        return eventloop.run(run_bot(args, port, workdir))
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
