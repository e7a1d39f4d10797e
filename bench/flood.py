"""A non-admin flooding admin-only commands: what it costs the platform and other users.

What runs
---------
The real ``TelegramPlatform`` (python-telegram-bot, long polling) and ``SlackPlatform``
(slack-bolt over HTTP, signed requests) against the fake Bot API / Web API servers of
``tests/fakes`` on 127.0.0.1, each API answer delayed by ``--round-trip`` seconds
(default 0.2: a server far from the platform). Commands go through the real core
(``bot.commands.handle`` with its per-user rate limiter) over a real SQLite store, with
the stored inbound dedup, as ``bot run`` wires them.

* Telegram: ``--telegram`` (default 300) ``/subscribe`` from a non-admin in a group,
  then one ``/help`` from another user in a private chat.
* Slack: ``--slack`` (default 200) ``/subscribe`` from a non-admin in a channel, then one
  ``/help`` from another user in a direct message.

Targets (per platform): the other user is answered in under 1 s; the flood causes at most
10 platform API calls.

    .venv/bin/python bench/flood.py [--telegram N] [--slack N] [--round-trip S]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
from benchlib import REPO_ROOT, Report, ms

from bot import eventloop

sys.path.insert(0, str(REPO_ROOT / "tests"))

from fakes.slack_api import FakeSlack
from fakes.telegram_api import FakeTelegram, command_update
from slack_sdk.signature import SignatureVerifier

from bot import commands
from bot.chat.slack import SlackPlatform
from bot.chat.telegram import TelegramPlatform
from bot.config import SlackSettings, TelegramSettings, load_watchlist
from bot.models import IncomingCommand, Message, Platform
from bot.store import Store
from bot.store.feeds import StoredDedup

SIGNING_SECRET = "bench-signing-secret-0123456789ab"
GROUP, FLOODER, CALM = -100777, 500, 600
MAX_CALLS = 10
MAX_WAIT = 1.0


def now() -> datetime:
    return datetime.now(UTC)


def core(store: Store) -> Callable[[IncomingCommand], Any]:
    watchlist = load_watchlist(REPO_ROOT / "config" / "watchlist.yaml")
    limiter = commands.CommandRateLimiter()

    async def on_command(cmd: IncomingCommand) -> Message:
        ctx = commands.CommandContext(
            store.meetings, store.subscriptions, watchlist, now(), limiter=limiter
        )
        return await commands.handle(cmd, ctx)

    return on_command


async def first(calls: Callable[[], list[dict[str, Any]]], match: Callable[[Any], bool]) -> bool:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if any(match(c) for c in calls()):
            return True
        await asyncio.sleep(0.01)
    return False


async def telegram(store: Store, flood: int, round_trip: float) -> tuple[float, int]:
    fake = FakeTelegram(latency={"getChatMember": round_trip, "sendMessage": round_trip})
    await fake.start()
    platform = TelegramPlatform(
        TelegramSettings(api_base_url=fake.base_url),
        fake.token,
        store.subscriptions,
        dedup=StoredDedup(store.updates, Platform.TELEGRAM, now),
        poll_timeout=1.0,
    )
    try:
        await platform.start(core(store))
        startup = len(fake.calls)
        for _ in range(flood):
            fake.push_update(command_update("/subscribe", GROUP, FLOODER))
        fake.push_update(command_update("/help", chat_id=CALM, user_id=CALM))
        started = time.monotonic()
        await first(lambda: fake.sent, lambda c: str(c["chat_id"]) == str(CALM))
        waited = time.monotonic() - started
        await asyncio.sleep(max(2.0, 10 * round_trip))  # the rest of the flood
        caused = [
            c
            for c in fake.calls[startup:]
            if c.method != "getUpdates" and str(c.params.get("chat_id")) != str(CALM)
        ]
        return waited, len(caused)
    finally:
        await platform.stop()
        await fake.close()


async def slash(session: aiohttp.ClientSession, port: int, fake: FakeSlack, **form: str) -> int:
    body = urlencode({"team_id": "T1", "text": "", "trigger_id": "1", **form})
    stamp = str(int(time.time()))
    signature = SignatureVerifier(SIGNING_SECRET).generate_signature(timestamp=stamp, body=body)
    headers = {
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": signature,
        "Content-Type": "application/x-www-form-urlencoded",
    }
    url = f"http://127.0.0.1:{port}/slack/events"
    async with session.post(url, data=body, headers=headers) as response:
        return response.status


async def slack(store: Store, flood: int, round_trip: float) -> tuple[float, int]:
    fake = FakeSlack()
    fake.latency.update({m: round_trip for m in ("auth.test", "users.info", "conversations.info")})
    await fake.start()
    settings = SlackSettings(api_base_url=fake.base_url, http_host="127.0.0.1")
    platform = SlackPlatform(
        settings.model_copy(update={"http_port": 0}),
        "xoxb-bench",
        store.subscriptions,
        signing_secret=SIGNING_SECRET,
        dedup=StoredDedup(store.updates, Platform.SLACK, now),
    )
    try:
        await platform.start(core(store))
        assert platform.port is not None
        async with aiohttp.ClientSession() as session:
            await asyncio.gather(
                *(
                    slash(session, platform.port, fake, command="/subscribe", user_id="UFLOOD",
                          channel_id="CBENCH", channel_name="general",
                          response_url=fake.response_url(f"f{i}"))
                    for i in range(flood)
                )
            )  # fmt: skip
            started = time.monotonic()
            await slash(session, platform.port, fake, command="/help", user_id="UCALM",
                        channel_id="DCALM", channel_name="directmessage",
                        response_url=fake.response_url("calm"))  # fmt: skip
        await first(lambda: fake.calls_to("response"), lambda c: c["_response_id"] == "calm")
        waited = time.monotonic() - started
        await asyncio.sleep(max(2.0, 10 * round_trip))
        caused = [c for c in fake.calls if c.params.get("_response_id") != "calm"]
        return waited, len(caused)
    finally:
        await platform.stop()
        await fake.close()


async def run(args: argparse.Namespace) -> Report:
    report = Report(
        f"flood: a non-admin sends admin-only commands, API round trip {args.round_trip} s"
    )
    with tempfile.TemporaryDirectory() as workdir:
        store = await Store.open(f"sqlite+aiosqlite:///{Path(workdir) / 'flood.sqlite3'}")
        try:
            for name, flood, measure in (
                ("telegram", args.telegram, telegram),
                ("slack", args.slack, slack),
            ):
                waited, calls = await measure(store, flood, args.round_trip)
                report.figure(f"{name}: {flood} /subscribe, other user answered in", ms(waited))
                report.figure(f"{name}: platform API calls the flood caused", str(calls))
                report.target(f"{name}: other user answered < 1 s", ms(waited), waited < MAX_WAIT)
                report.target(f"{name}: ≤ {MAX_CALLS} API calls", str(calls), calls <= MAX_CALLS)
        finally:
            await store.close()
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--telegram", type=int, default=300)
    parser.add_argument("--slack", type=int, default=200)
    parser.add_argument("--round-trip", type=float, default=0.2)
    args = parser.parse_args()
    report = eventloop.run(run(args))
    report.print()
    return 0 if report.passed else 1


if __name__ == "__main__":
    raise SystemExit(main())
