"""End to end through the real running bot: ``BotApp.run_forever`` with only tokens and
base URLs in its environment, serving Telegram (real long polling against a fake Bot
API) and Slack (real HTTP mode with signed requests, against a fake Web API) at once.

From "a new item appears in a feed" to "the subscribed chat got exactly one alert",
plus ``/next_meeting`` answered from the timeline on both platforms."""

from __future__ import annotations

import asyncio
import json
import shutil
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
import pytest
from fakes.slack_api import FakeSlack
from fakes.telegram_api import FakeTelegram, command_update
from feedserver import ConditionalFeed, FeedServer
from slack_sdk.signature import SignatureVerifier
from test_pipeline import OLD_ITEM, SPORT, rss

from bot.app import BotApp, RunOptions
from bot.config import load_config
from bot.ports import DeliveryState

REPO_CONFIG = Path(__file__).resolve().parents[1] / "config"
SIGNING_SECRET = "e2e-signing-secret"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def eventually(check: Callable[[], Awaitable[bool] | bool], within: float = 15.0) -> None:
    deadline = time.monotonic() + within
    while True:
        result = check()
        if not isinstance(result, bool):
            result = await result
        if result:
            return
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.05)


def announcement(now: datetime) -> tuple[tuple[str, str, str, datetime], datetime]:
    """A fresh announcement relative to the real clock (the bot runs on real time here)."""
    day = (now + timedelta(days=11)).date()
    when = f"{day:%B} {day.day}"
    item = (
        "talks-live",
        f"Witkoff and Dmitriev to meet in Abu Dhabi on {when}",
        f"US envoy Steve Witkoff will meet Kirill Dmitriev in Abu Dhabi on {when}, officials said.",
        now - timedelta(hours=1),
    )
    return item, datetime(day.year, day.month, day.day, tzinfo=UTC)


class Running:
    def __init__(
        self,
        app: BotApp,
        feed: ConditionalFeed,
        server: FeedServer,
        telegram: FakeTelegram,
        slack: FakeSlack,
        slack_port: int,
    ) -> None:
        self.app, self.feed, self.server = app, feed, server
        self.telegram, self.slack, self.slack_port = telegram, slack, slack_port

    async def slash(self, command: str, text: str = "", channel: str = "C1") -> int:
        body = urlencode(
            {
                "team_id": "T1",
                "channel_id": channel,
                "channel_name": "general",
                "user_id": "U1",
                "command": command,
                "text": text,
                "response_url": self.slack.response_url(),
                "trigger_id": "1.2.3",
            }
        )
        ts = str(int(time.time()))
        signature = SignatureVerifier(SIGNING_SECRET).generate_signature(timestamp=ts, body=body)
        headers = {
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": signature,
            "Content-Type": "application/x-www-form-urlencoded",
        }
        url = f"http://127.0.0.1:{self.slack_port}/slack/events"
        async with (
            aiohttp.ClientSession() as session,
            session.post(url, data=body, headers=headers) as resp,
        ):
            return resp.status

    async def outbox_settled(self) -> bool:
        assert self.app.store is not None
        from sqlalchemy import select

        from bot.store.schema import outbox

        async def work(conn):  # type: ignore[no-untyped-def]
            rows = (await conn.execute(select(outbox.c.state))).all()
            return all(r[0] == DeliveryState.SENT for r in rows)

        return bool(await self.app.store.db.read(work))


@pytest.fixture
async def running(tmp_path: Path) -> AsyncIterator[Running]:
    telegram, slack = FakeTelegram(), FakeSlack()
    slack.admins.add("U1")
    await telegram.start()
    await slack.start()
    async with FeedServer() as server:
        feed = ConditionalFeed(rss(OLD_ITEM))
        server.route("/feed.xml", feed)
        config_dir = tmp_path / "config"
        config_dir.mkdir()
        shutil.copy(REPO_CONFIG / "watchlist.yaml", config_dir / "watchlist.yaml")
        (config_dir / "feeds.toml").write_text(
            f'[[feed]]\nid = "wire"\nurl = "{server.url("/feed.xml")}"\ninterval_seconds = 1\n'
            'outlet = "Test Wire"\n',
            encoding="utf-8",
        )
        slack_port = free_port()
        env = {
            # the only chat settings: tokens and base URLs (plus a loopback port)
            "TELEGRAM_BOT_TOKEN": telegram.token,
            "TELEGRAM_API_BASE_URL": telegram.base_url,
            "SLACK_BOT_TOKEN": "xoxb-e2e-token",
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_BASE_URL": slack.base_url,
            "SLACK_HTTP_PORT": str(slack_port),
            "BOT_SLACK_HTTP_HOST": "127.0.0.1",
            "BOT_POLLING_ALLOW_PRIVATE_ADDRESSES": "true",
            "BOT_POLLING_JITTER_SECONDS": "0",
        }
        config = load_config(config_dir, env=env)
        app = BotApp(config, RunOptions(database_url=f"sqlite+aiosqlite:///{tmp_path / 'e2e.db'}"))
        await app.open()
        stop = asyncio.Event()
        task = asyncio.create_task(app.run_forever(stop))
        try:
            await telegram.wait_for("setMyCommands", within=10)
            yield Running(app, feed, server, telegram, slack, slack_port)
        finally:
            stop.set()
            await asyncio.wait_for(task, 10)
            await app.close()
            await telegram.close()
            await slack.close()


async def test_both_platforms_get_exactly_one_alert_and_answer_next_meeting(
    running: Running,
) -> None:
    tg, sl = running.telegram, running.slack
    # subscribe a private Telegram chat and a Slack channel, through each platform's real path
    tg.push_update(command_update("/subscribe", chat_id=42, user_id=42))
    replies = await tg.wait_for("sendMessage", 1)
    assert "ubscribed" in replies[0]["text"]
    assert await running.slash("/subscribe") == 200
    await sl.wait_for("response", 1)

    # the first poll recorded the backlog silently; now a new item appears in the feed
    await eventually(lambda: running.server.hits("/feed.xml") >= 1)
    item, day = announcement(datetime.now(UTC))
    day_text = f"{day.day} {day:%b}"
    running.feed.update(rss(OLD_ITEM, item, SPORT))
    alerts_tg = await tg.wait_for("sendMessage", 2, within=20)
    alerts_sl = await sl.wait_for("chat.postMessage", 1, within=20)
    hits = running.server.hits("/feed.xml")
    await eventually(lambda: running.server.hits("/feed.xml") >= hits + 3)
    await eventually(running.outbox_settled)

    to_chat = [m for m in tg.sent if str(m["chat_id"]) == "42"]
    assert len(to_chat) == 2, to_chat  # the /subscribe reply and exactly one alert
    alert = to_chat[1]
    assert alert["parse_mode"] == "HTML"
    assert "Abu Dhabi" in alert["text"] and day_text in alert["text"]
    posted = sl.calls_to("chat.postMessage")
    assert len(posted) == 1 and posted[0]["channel"] == "C1"
    assert "Abu Dhabi" in posted[0]["text"]
    assert alerts_tg and alerts_sl

    # /next_meeting, /next-meeting typed as text, and Slack /next-meeting: from the timeline
    tg.push_update(command_update("/next_meeting", chat_id=42, user_id=42))
    tg.push_update(command_update("/next-meeting witkoff", chat_id=42, user_id=42))
    answers = (await tg.wait_for("sendMessage", 4))[2:]
    for answer in answers:
        assert "Abu Dhabi" in answer["text"] and day_text in answer["text"], answer["text"]
    assert await running.slash("/next-meeting", "abu dhabi") == 200
    responses = await sl.wait_for("response", 2)
    assert "Abu Dhabi" in json.dumps(responses[-1])
