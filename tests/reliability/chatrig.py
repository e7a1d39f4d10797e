"""A delivery rig over real parts: SQLite store (outbox rows written by record_item),
the real Delivery, the real Telegram and Slack adapters, and the fakes. The delivery
clock is a test clock; HTTP runs in real time."""

from __future__ import annotations

import random
import sqlite3
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from relkit import NOW, REPO_CONFIG, Clock
from strictfakes import CountingSlack, StrictTelegram

from bot.chat.slack import SlackPlatform
from bot.chat.telegram import TelegramPlatform
from bot.config import DeliverySettings, SlackSettings, TelegramSettings, load_config
from bot.delivery import Delivery
from bot.models import ChatTarget, FeedItem, MeetingReport, MeetingStatus, Platform
from bot.ports import ChatPlatform
from bot.store import Store

VENUES = ("abu-dhabi", "geneva", "istanbul", "riyadh", "jeddah", "berlin", "doha", "paris",
          "budapest", "miami", "davos", "brussels")  # fmt: skip


def tg_target(chat: int | str) -> ChatTarget:
    return ChatTarget(Platform.TELEGRAM, str(chat))


def slack_target(channel: str) -> ChatTarget:
    return ChatTarget(Platform.SLACK, channel)


async def enqueue(store: Store, count: int, *, start: int = 0) -> None:
    """``count`` new meetings, each one change fanned out to every active subscription."""
    for i in range(start, start + count):
        item = FeedItem(
            feed_id="wire",
            key=f"k{i}",
            title=f"item {i}",
            text="",
            link=f"https://news.example/{i}",
            published=NOW,
            outlet="Wire",
            link_key=f"l:{i}",
        )
        report = MeetingReport(
            venue=VENUES[i % len(VENUES)],
            date=date(2026, 12, 1 + i % 28),
            date_end=None,
            status=MeetingStatus.UPCOMING,
            tentative=False,
            participants=("witkoff", "dmitriev"),
            previous_date=None,
            evidence="Envoys will meet.",
        )
        found = await store.record_item("wire", item, "en", [report], NOW)
        assert len(found) == 1, found


@dataclass
class Row:
    id: int
    platform: str
    chat_id: str
    state: str
    attempts: int
    next_attempt_at: str | None
    last_error: str | None


def rows(db_path: Path) -> list[Row]:
    con = sqlite3.connect(db_path)
    try:
        found = con.execute(
            "select id, platform, chat_id, state, attempts, next_attempt_at, last_error "
            "from outbox order by id"
        ).fetchall()
    finally:
        con.close()
    return [Row(*r) for r in found]


class ChatRig:
    def __init__(
        self,
        tmp_path: Path,
        tg: StrictTelegram | None,
        slack: CountingSlack | None,
        **settings: Any,
    ) -> None:
        self.tmp_path = tmp_path
        self.db_path = tmp_path / "chat.sqlite3"
        self.clock = Clock(NOW)
        self.tg_fake, self.slack_fake = tg, slack
        defaults: dict[str, Any] = {
            "max_attempts": 4,
            "retry_base_seconds": 2,
            "lease_seconds": 30,
            "telegram_per_chat_per_second": 1000,
            "slack_per_channel_per_second": 1000,
        }
        defaults.update(settings)
        self.settings = DeliverySettings(**defaults)
        self.watchlist = load_config(REPO_CONFIG, env={}).watchlist

    async def open(self, tg_token: str | None = None) -> ChatRig:
        self.store = await Store.open(f"sqlite+aiosqlite:///{self.db_path}")
        self.platforms: dict[str, ChatPlatform] = {}
        if self.tg_fake is not None:
            self.platforms[Platform.TELEGRAM] = self.telegram(tg_token or self.tg_fake.token)
        if self.slack_fake is not None:
            self.platforms[Platform.SLACK] = self.slack()
        self.delivery = Delivery(
            self.platforms,
            self.store.outbox,
            self.store.subscriptions,
            self.watchlist,
            self.settings,
            clock=self.clock,
            rng=random.Random(7),
            uncertain_retry_seconds=60,
            fatal_pause_seconds=300,
        )
        return self

    def telegram(self, token: str, base_url: str | None = None, **kw: Any) -> TelegramPlatform:
        assert self.tg_fake is not None
        options: dict[str, Any] = {"connect_timeout": 0.5, "read_timeout": 0.5}
        options.update(kw)
        return TelegramPlatform(
            TelegramSettings(api_base_url=base_url or self.tg_fake.base_url),
            token,
            self.store.subscriptions,
            **options,
        )

    def slack(self) -> SlackPlatform:
        assert self.slack_fake is not None
        return SlackPlatform(
            SlackSettings(api_base_url=self.slack_fake.base_url),
            "xoxb-rel-fake",
            self.store.subscriptions,
            signing_secret="s" * 32,
            clock=lambda: self.clock().timestamp(),
            timeout=1,
        )

    async def swap(self, name: str, platform: ChatPlatform) -> None:
        old = self.platforms[name]
        self.platforms[name] = platform
        self.delivery.platforms[name] = platform
        await old.stop()

    async def subscribe(self, *targets: ChatTarget) -> None:
        for target in targets:
            await self.store.subscriptions.subscribe(target, frozenset())

    async def step(self, platform: str, seconds: float = 0.0, rounds: int = 1) -> None:
        for _ in range(rounds):
            await self.delivery.run_once(platform)
            self.clock.advance(seconds)

    def rows(self) -> list[Row]:
        return rows(self.db_path)

    async def close(self) -> None:
        for platform in self.platforms.values():
            await platform.stop()
        await self.store.close()
