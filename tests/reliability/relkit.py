"""Shared rig for the reliability suite: a real BotApp over a real SQLite file, a real
feed server, and the fake Telegram / Slack APIs as outputs.

``Rig`` writes a config folder (the shipped watchlist, a feeds.toml of the given feeds),
opens the app with fake tokens pointing at the fakes, subscribes one Telegram chat and
one Slack channel, and offers ``poll_all`` / ``drain`` and the delivered texts.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import socket
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from fakes.slack_api import FakeSlack
from fakes.telegram_api import FakeTelegram

from bot.app import BotApp, RunOptions
from bot.config import load_config
from bot.models import ChatTarget, Platform
from bot.pipeline import PollReport

REPO_ROOT = Path(__file__).resolve().parents[2]
REPO_CONFIG = REPO_ROOT / "config"
NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
TG_CHAT = ChatTarget(Platform.TELEGRAM, "4242")
SLACK_CHANNEL = ChatTarget(Platform.SLACK, "CREL1")
# Deliberately not shaped like real tokens, so only the configured-secret redaction
# (not the token-shape patterns) can keep them out of logs.
TG_TOKEN = "777001:reliability-fake-telegram-token"
SLACK_TOKEN = "xoxb-rel-fake"
SIGNING_SECRET = "reliability-signing-secret-value"


@contextlib.contextmanager
def blackhole_port() -> Iterator[int]:
    """A loopback port whose accept queue is full: SYNs are dropped, connects hang."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = int(listener.getsockname()[1])
    fillers = []
    try:
        for _ in range(8):
            sock = socket.socket()
            sock.setblocking(False)
            with contextlib.suppress(BlockingIOError):
                sock.connect(("127.0.0.1", port))
            fillers.append(sock)
        yield port
    finally:
        for sock in fillers:
            sock.close()
        listener.close()


class Clock:
    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass(frozen=True)
class Item:
    guid: str
    title: str
    text: str
    published: datetime


def meeting_item(guid: str, day: int = 3, venue: str = "Abu Dhabi", extra: str = "") -> Item:
    """An article the real extractor turns into an 'announced' meeting change."""
    return Item(
        guid,
        f"Witkoff and Dmitriev to meet in {venue} on December {day}",
        f"US envoy Steve Witkoff will meet Kirill Dmitriev in {venue} on December {day}, "
        f"officials said on Saturday.{extra}",
        NOW - timedelta(hours=2),
    )


def meeting_item_ahead(guid: str, now: datetime, days_ahead: int, venue: str) -> Item:
    """Like ``meeting_item``, dated from ``now``: for a real process on the real clock,
    whose news must be recent and whose meeting must still be ahead on any day."""
    day = now + timedelta(days=days_ahead)
    return Item(
        guid,
        f"Witkoff and Dmitriev to meet in {venue} on {day:%B} {day.day}",
        f"US envoy Steve Witkoff will meet Kirill Dmitriev in {venue} on {day:%B} {day.day}, "
        "officials said.",
        now - timedelta(hours=2),
    )


def upcoming_item(guid: str, now: datetime) -> Item:
    """An article announcing a meeting ten days after ``now`` (a child ``bot run`` runs on
    the wall clock: pass the real now), published an hour before it."""
    day = (now + timedelta(days=10)).date()
    when = f"{day:%B} {day.day}"
    return Item(
        guid,
        f"Witkoff and Dmitriev to meet in Geneva on {when}",
        f"US envoy Steve Witkoff will meet Kirill Dmitriev in Geneva on {when}, officials said.",
        now - timedelta(hours=1),
    )


def rss(*items: Item, channel_title: str = "Test Wire", encoding: str = "utf-8") -> bytes:
    entries = "".join(
        f"<item><guid>{escape(i.guid)}</guid><title>{escape(i.title)}</title>"
        f"<link>https://news.example/{escape(i.guid)}</link>"
        f"<description>{escape(i.text)}</description>"
        f"<pubDate>{format_datetime(i.published)}</pubDate></item>"
        for i in items
    )
    doc = (
        f'<?xml version="1.0" encoding="{encoding}"?><rss version="2.0"><channel>'
        f"<title>{escape(channel_title)}</title><link>https://news.example/</link>{entries}"
        "</channel></rss>"
    )
    return doc.encode(encoding, "xmlcharrefreplace")


def json_feed(items: Sequence[Mapping[str, Any]], title: str = "JSON Wire") -> bytes:
    return json.dumps(
        {"version": "https://jsonfeed.org/version/1.1", "title": title, "items": list(items)}
    ).encode()


def write_config(
    folder: Path, feeds: Mapping[str, str], *, outlet: str | None = "Test Wire"
) -> Path:
    """A config folder with the shipped watchlist and one feed per (id, url)."""
    config_dir = folder / "config"
    config_dir.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO_CONFIG / "watchlist.yaml", config_dir / "watchlist.yaml")
    blocks = []
    for feed_id, url in feeds.items():
        block = f'[[feed]]\nid = "{feed_id}"\nurl = "{url}"\nalert_backlog = true\n'
        if outlet is not None:
            block += f'outlet = "{outlet}"\n'
        blocks.append(block)
    (config_dir / "feeds.toml").write_text("\n".join(blocks), encoding="utf-8")
    return config_dir


def bot_run_argv(config_dir: Path, db: Path, *args: str) -> list[str]:
    """The command line of ``bot run`` on ``config_dir`` and the database ``db``."""
    return [sys.executable, "-m", "bot", "run", "--config", str(config_dir), "--db", str(db), *args]


def base_env(**overrides: str) -> dict[str, str]:
    env = {
        "BOT_POLLING_ALLOW_PRIVATE_ADDRESSES": "true",
        "BOT_POLLING_FETCH_DEADLINE_SECONDS": "2",
        "BOT_POLLING_CONNECT_TIMEOUT_SECONDS": "0.5",
        "BOT_POLLING_READ_TIMEOUT_SECONDS": "0.5",
        "BOT_POLLING_MAX_BODY_BYTES": str(256 * 1024),
        "BOT_DELIVERY_TELEGRAM_PER_CHAT_PER_SECOND": "1000",
        "BOT_DELIVERY_SLACK_PER_CHANNEL_PER_SECOND": "1000",
    }
    env.update(overrides)
    return env


def chat_env(tg: FakeTelegram | None, slack: FakeSlack | None) -> dict[str, str]:
    env: dict[str, str] = {}
    if tg is not None:
        env.update(TELEGRAM_BOT_TOKEN=tg.token, TELEGRAM_API_BASE_URL=tg.base_url)
    if slack is not None:
        env.update(
            SLACK_BOT_TOKEN=SLACK_TOKEN,
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            SLACK_API_BASE_URL=slack.base_url,
        )
    return env


class Rig:
    """A real BotApp with the fakes as its chat platforms (either may be None)."""

    def __init__(
        self,
        tmp_path: Path,
        feeds: Mapping[str, str],
        *,
        tg: FakeTelegram | None = None,
        slack: FakeSlack | None = None,
        env: Mapping[str, str] | None = None,
        outlet: str | None = "Test Wire",
        clock: Clock | None = None,
    ) -> None:
        self.clock = clock or Clock()
        self.tg, self.slack = tg, slack
        config_dir = write_config(tmp_path, feeds, outlet=outlet)
        full_env = {**base_env(), **chat_env(tg, slack), **(env or {})}
        config = load_config(config_dir, env=full_env)
        self.db_path = tmp_path / "bot.sqlite3"
        self.app = BotApp(
            config,
            RunOptions(database_url=f"sqlite+aiosqlite:///{self.db_path}", clock=self.clock),
        )

    async def __aenter__(self) -> Rig:
        await self.app.open()
        assert self.app.store is not None
        if self.tg is not None:
            await self.app.store.subscriptions.subscribe(TG_CHAT, frozenset())
        if self.slack is not None:
            await self.app.store.subscriptions.subscribe(SLACK_CHANNEL, frozenset())
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.app.close()

    async def poll_all(self) -> dict[str, PollReport]:
        """One concurrent poll of every feed (as ``run_once`` does), by feed id."""
        import asyncio

        assert self.app.pipeline is not None
        pipeline = self.app.pipeline
        reports = await asyncio.gather(*(pipeline.poll(job, force=True) for job in self.app.jobs))
        return {r.feed_id: r for r in reports}

    async def drain(self, rounds: int = 5) -> None:
        """Deliver what is due; the test clock is frozen, so step it past per-chat pacing."""
        for _ in range(rounds):
            await self.app.drain()
            self.clock.advance(1.0)

    def telegram_texts(self) -> list[str]:
        assert self.tg is not None
        return [str(c.get("text", "")) for c in self.tg.sent]

    def slack_texts(self) -> list[str]:
        assert self.slack is not None
        return [
            json.dumps(p.get("blocks"), ensure_ascii=False) + "\n" + str(p.get("text", ""))
            for p in self.slack.posted
        ]

    async def outbox_states(self) -> dict[str, int]:
        assert self.app.store is not None
        return await self.app.store.outbox.counts()
