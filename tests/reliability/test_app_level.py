"""Whole-app behaviours: secrets never reach logs (the real `bot run` process at DEBUG,
fake tokens, against the fakes), a busy SQLite database is waited out and retried
inside a poll, and one user flooding commands (admin-only ones included) cannot starve
another or make the bot hammer the platform's API."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sqlite3
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest
from fakes.telegram_api import command_update
from feedserver import FeedServer, static
from relkit import (
    SIGNING_SECRET,
    SLACK_CHANNEL,
    SLACK_TOKEN,
    TG_CHAT,
    TG_TOKEN,
    Rig,
    base_env,
    bot_run_argv,
    meeting_item,
    meeting_item_ahead,
    rss,
    write_config,
)
from slack_sdk.signature import SignatureVerifier
from strictfakes import CountingSlack, StrictTelegram, telegram_delivered

from bot.store import Store

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
async def server() -> AsyncIterator[FeedServer]:
    async with FeedServer() as srv:
        srv.route("/feed", static(rss(meeting_item("s1"), meeting_item("s2", 9, "Geneva"))))
        yield srv


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_secrets_never_reach_logs_of_the_real_process(
    tmp_path: Path, server: FeedServer
) -> None:
    tg = StrictTelegram(token=TG_TOKEN)
    slack = CountingSlack()
    await tg.start()
    await slack.start()
    # the real process runs on the real clock: news of today, meetings still ahead
    now = datetime.now(UTC)
    server.route(
        "/today",
        static(
            rss(
                meeting_item_ahead("s1", now, 10, "Abu Dhabi"),
                meeting_item_ahead("s2", now, 16, "Geneva"),
            )
        ),
    )
    try:
        config_dir = write_config(tmp_path, {"wire": server.url("/today")})
        db_path = tmp_path / "bot.sqlite3"
        store = await Store.open(f"sqlite+aiosqlite:///{db_path}")
        await store.subscriptions.subscribe(TG_CHAT, frozenset())
        await store.subscriptions.subscribe(SLACK_CHANNEL, frozenset())
        await store.close()
        # Failures make the adapters log errors with exception text and tracebacks.
        tg.fail_next("sendMessage", 502, "Bad Gateway")
        slack.fail_next("chat.postMessage", "invalid_auth")
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("TELEGRAM_", "SLACK_", "BOT_", "DATABASE_URL"))
        }
        env.update(base_env())
        env.update(
            TELEGRAM_BOT_TOKEN=TG_TOKEN,
            TELEGRAM_API_BASE_URL=tg.base_url,
            TELEGRAM_WEBHOOK_SECRET="reliability-webhook-secret-xyz",
            SLACK_BOT_TOKEN=SLACK_TOKEN,
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            SLACK_API_BASE_URL=slack.base_url,
            SLACK_HTTP_PORT=str(free_port()),
            BOT_SLACK_HTTP_HOST="127.0.0.1",
            BOT_DELIVERY_RETRY_BASE_SECONDS="0.2",
            PTB_TIMEDELTA="true",
            PYTHONUNBUFFERED="1",
        )
        proc = await asyncio.create_subprocess_exec(
            *bot_run_argv(config_dir, db_path, "--log-level", "DEBUG"),
            cwd=str(REPO_ROOT),
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        # Read the log as it comes: DEBUG fills a pipe's buffer in seconds, and a child
        # whose pipe is full blocks in its next log call.
        assert proc.stdout is not None
        reading = asyncio.create_task(proc.stdout.read())
        try:
            # the 502, then the two alerts (the first one retried after its backoff)
            await tg.wait_for("sendMessage", 3, within=25)
            await asyncio.sleep(1.0)  # a few more getUpdates rounds at DEBUG
        finally:
            proc.send_signal(signal.SIGTERM)
            await asyncio.wait_for(proc.wait(), 20)
            output = await asyncio.wait_for(reading, 5)
        log = output.decode("utf-8", "replace")
        assert len(telegram_delivered(tg)) == 2, log[-3000:]
        assert " DEBUG " in log and "invalid_auth" in log  # it really logged, and errors
        for secret in (
            TG_TOKEN,
            TG_TOKEN.split(":", 1)[1],
            SLACK_TOKEN,
            SIGNING_SECRET,
            "reliability-webhook-secret-xyz",
        ):
            assert secret not in log, f"secret leaked into the logs: {secret!r}"
    finally:
        await tg.close()
        await slack.close()


async def test_busy_database_is_waited_out_during_a_poll(
    tmp_path: Path, server: FeedServer
) -> None:
    tg = StrictTelegram()
    await tg.start()
    try:
        async with Rig(tmp_path, {"wire": server.url("/feed")}, tg=tg) as rig:
            other = sqlite3.connect(rig.db_path, isolation_level=None, check_same_thread=False)
            other.execute("BEGIN IMMEDIATE")  # another process holds the write lock

            async def release() -> None:
                await asyncio.sleep(0.6)
                other.execute("COMMIT")

            releaser = asyncio.create_task(release())
            started = time.monotonic()
            reports = await rig.poll_all()
            await releaser
            other.close()
            assert time.monotonic() - started >= 0.5  # it really had to wait
            assert reports["wire"].outcome == "fetched" and reports["wire"].new_items == 2
            # and a lock during delivery (mark_sent) is waited out as well
            other = sqlite3.connect(rig.db_path, isolation_level=None, check_same_thread=False)
            other.execute("BEGIN IMMEDIATE")
            releaser = asyncio.create_task(release())
            await rig.drain()
            await releaser
            other.close()
            assert await rig.outbox_states() == {"sent": 2}
            assert len(telegram_delivered(tg)) == 2
    finally:
        await tg.close()


async def test_one_user_flooding_commands_cannot_starve_another(
    tmp_path: Path, server: FeedServer
) -> None:
    tg = StrictTelegram()
    await tg.start()
    try:
        async with Rig(tmp_path, {"wire": server.url("/feed")}, tg=tg) as rig:
            platform = rig.app.platforms["telegram"]
            await platform.start(rig.app.handle_command)
            try:
                for _ in range(40):
                    tg.push_update(command_update("/help", chat_id=500, user_id=500))
                tg.push_update(command_update("/next_meeting", chat_id=600, user_id=600))
                for _ in range(300):
                    if any(str(c["chat_id"]) == "600" for c in tg.sent):
                        break
                    await asyncio.sleep(0.05)
            finally:
                await platform.stop()
        flood = [c for c in tg.sent if str(c["chat_id"]) == "500"]
        calm = [c for c in tg.sent if str(c["chat_id"]) == "600"]
        assert len(calm) == 1  # answered, not starved
        assert 1 <= len(flood) <= 7  # a burst of 5, one "too many" warning, then silence
        assert "Too many" in flood[-1]["text"]
    finally:
        await tg.close()


# A Bot API / Web API answer as a server far from the platform sees it: what makes 300
# admin checks in a row take a minute.
ROUND_TRIP = 0.2
FLOODED_GROUP = -100777
FLOODER, CALM_USER = 500, 600


async def _first_call(
    calls: Callable[[], list[dict[str, Any]]], matches: Callable[[dict[str, Any]], bool]
) -> bool:
    for _ in range(100):  # up to 5 s
        if any(matches(c) for c in calls()):
            return True
        await asyncio.sleep(0.05)
    return False


async def test_non_admin_flooding_admin_commands_in_a_telegram_group(
    tmp_path: Path, server: FeedServer
) -> None:
    tg = StrictTelegram()
    tg.latency.update(getChatMember=ROUND_TRIP, sendMessage=ROUND_TRIP)
    await tg.start()
    try:
        async with Rig(tmp_path, {"wire": server.url("/feed")}, tg=tg) as rig:
            platform = rig.app.platforms["telegram"]
            await platform.start(rig.app.handle_command)
            try:
                startup = len(tg.calls)
                for _ in range(300):
                    tg.push_update(command_update("/subscribe", FLOODED_GROUP, FLOODER))
                tg.push_update(command_update("/help", chat_id=CALM_USER, user_id=CALM_USER))
                pushed = time.monotonic()
                answered = await _first_call(
                    lambda: tg.sent, lambda c: str(c["chat_id"]) == str(CALM_USER)
                )
                waited = time.monotonic() - pushed
                await asyncio.sleep(1.0)  # what is left of the flood has its chance
            finally:
                await platform.stop()
        caused = [
            c
            for c in tg.calls[startup:]
            if c.method != "getUpdates" and str(c.params.get("chat_id")) != str(CALM_USER)
        ]
        assert answered and waited < 1.0, f"the other user waited {waited:.1f} s"
        assert len(caused) <= 10, [c.method for c in caused]  # was 300 getChatMember
        assert sum(c.method == "getChatMember" for c in caused) == 1  # then cached
        flood_replies = [c["text"] for c in tg.sent if str(c["chat_id"]) == str(FLOODED_GROUP)]
        assert sum("Too many" in t for t in flood_replies) == 1  # warned once, then quiet
        assert all("Only chat admins" in t for t in flood_replies if "Too many" not in t)
    finally:
        await tg.close()


async def test_non_admin_flooding_admin_commands_in_a_slack_channel(
    tmp_path: Path, server: FeedServer
) -> None:
    slack = CountingSlack()
    slack.latency.update({"users.info": ROUND_TRIP, "conversations.info": ROUND_TRIP})
    await slack.start()
    port = free_port()
    env = {"SLACK_HTTP_PORT": str(port), "BOT_SLACK_HTTP_HOST": "127.0.0.1"}
    try:
        async with Rig(tmp_path, {"wire": server.url("/feed")}, slack=slack, env=env) as rig:
            platform = rig.app.platforms["slack"]
            await platform.start(rig.app.handle_command)
            try:
                async with aiohttp.ClientSession() as session:
                    flood = [
                        _slash(session, port, slack, "/subscribe", "UFLOOD", "CREL1", f"f{i}")
                        for i in range(200)
                    ]
                    assert set(await asyncio.gather(*flood)) == {200}
                    pushed = time.monotonic()
                    assert await _slash(session, port, slack, "/help", "UCALM", "DCALM", "calm")
                answered = await _first_call(
                    lambda: slack.calls_to("response"), lambda c: c["_response_id"] == "calm"
                )
                waited = time.monotonic() - pushed
                await asyncio.sleep(1.0)
            finally:
                await platform.stop()
        caused = [c for c in slack.calls if c.params.get("_response_id") != "calm"]
        assert answered and waited < 1.0, f"the other user waited {waited:.1f} s"
        # was 100 auth.test, 200 users.info and 200 conversations.info
        assert len(caused) <= 10, [c.method for c in caused]
        assert [c.method for c in caused].count("auth.test") == 1
    finally:
        await slack.close()


async def _slash(
    session: aiohttp.ClientSession,
    port: int,
    slack: CountingSlack,
    command: str,
    user: str,
    channel: str,
    response_id: str,
) -> int:
    body = urlencode(
        {
            "team_id": "T1",
            "channel_id": channel,
            "channel_name": "directmessage" if channel.startswith("D") else "general",
            "user_id": user,
            "command": command,
            "text": "",
            "response_url": slack.response_url(response_id),
            "trigger_id": "1.2.3",
        }
    )
    stamp = str(int(time.time()))  # the adapter in the rig checks against the real clock
    signature = SignatureVerifier(SIGNING_SECRET).generate_signature(timestamp=stamp, body=body)
    headers = {
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": signature,
        "Content-Type": "application/x-www-form-urlencoded",
    }
    url = f"http://127.0.0.1:{port}/slack/events"
    async with session.post(url, data=body, headers=headers) as response:
        return response.status
