"""Two real ``bot run`` processes on one SQLite file (a rolling deploy with overlapping
containers), sending to a fake Bot API whose answers are slow: a batch of leased rows
takes far longer to send than one lease lasts, so the other process re-claims rows the
first has not reached yet. Each alert must still reach each chat exactly once.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from feedserver import FeedServer, static
from relkit import base_env, rss, upcoming_item, write_config
from strictfakes import StrictTelegram, telegram_delivered

from bot.models import ChatTarget, Platform
from bot.store import Store

REPO_ROOT = Path(__file__).resolve().parents[2]
CHATS = tuple(str(2001 + i) for i in range(24))
SEND_SECONDS = 0.5  # every sendMessage is answered this late (no timeout)
LEASE_SECONDS = 2  # 20 rows x 0.5 s = 10 s: a batch outlasts its lease five times


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[tuple[StrictTelegram, Path, Path]]:
    tg = StrictTelegram()
    tg.latency["sendMessage"] = SEND_SECONDS
    await tg.start()
    try:
        async with FeedServer() as server:
            server.route("/feed", static(rss(upcoming_item("two-senders-1", datetime.now(UTC)))))
            config_dir = write_config(tmp_path, {"wire": server.url("/feed")})
            db_path = tmp_path / "shared.sqlite3"
            store = await Store.open(f"sqlite+aiosqlite:///{db_path}")
            for chat in CHATS:
                target = ChatTarget(Platform.TELEGRAM, chat)
                await store.subscriptions.subscribe(target, frozenset())
            await store.close()
            yield tg, config_dir, db_path
    finally:
        await tg.close()


def child_env(tg: StrictTelegram) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TELEGRAM_", "SLACK_", "BOT_", "DATABASE_URL"))
    }
    env.update(base_env())
    env.update(
        TELEGRAM_BOT_TOKEN=tg.token,
        TELEGRAM_API_BASE_URL=tg.base_url,
        BOT_DELIVERY_LEASE_SECONDS=str(LEASE_SECONDS),
        PTB_TIMEDELTA="true",
        PYTHONUNBUFFERED="1",
    )
    return env


def outbox_states(db_path: Path) -> Counter[str]:
    con = sqlite3.connect(db_path)
    try:
        return Counter(r[0] for r in con.execute("select state from outbox"))
    finally:
        con.close()


async def test_two_processes_with_slow_sends_send_each_alert_once(
    world: tuple[StrictTelegram, Path, Path],
) -> None:
    tg, config_dir, db_path = world
    args = ["run", "--config", str(config_dir), "--db", str(db_path)]
    procs = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            *args,
            "--poll-interval",
            "3600",
            cwd=str(REPO_ROOT),
            env=child_env(tg),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        for _ in range(2)
    ]
    try:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 60
        while loop.time() < deadline:
            states = outbox_states(db_path) if db_path.exists() else Counter()
            if states and states["sent"] == len(CHATS) == sum(states.values()):
                break
            await asyncio.sleep(0.3)
        await asyncio.sleep(2 * LEASE_SECONDS)  # room for a late duplicate to go out
    finally:
        outputs = []
        for proc in procs:
            if proc.returncode is None:  # one that ended early is reported below
                proc.send_signal(signal.SIGTERM)
        for proc in procs:
            out, _ = await asyncio.wait_for(proc.communicate(), 30)
            outputs.append(out.decode("utf-8", "replace"))
    per_chat = Counter(str(c["chat_id"]) for c in telegram_delivered(tg))
    logs = "\n".join(o[-2000:] for o in outputs)
    assert all(proc.returncode in (0, -signal.SIGTERM) for proc in procs), logs
    assert set(per_chat) == set(CHATS), logs  # nothing lost
    assert max(per_chat.values()) == 1, (sorted(per_chat.items()), logs)  # no duplicate
    assert outbox_states(db_path) == Counter({"sent": len(CHATS)})
