"""Several ``bot run`` processes on one SQLite file (a rolling deploy with overlapping
containers) with slow chat answers: does any chat get an alert twice?

    .venv/bin/python bench/two_senders.py             # 24 chats, 3.5 s sends, 60 s lease
    .venv/bin/python bench/two_senders.py --quick     # 0.5 s sends, 2 s lease

This process serves one feed (one article announcing a meeting) and a fake Telegram Bot
API (loopback) that answers every ``sendMessage`` ``--send-seconds`` late, and starts
``--senders`` real ``bot run`` processes on one database with ``--chats`` Telegram chats
subscribed. A batch of 20 rows then takes 20 x 3.5 s = 70 s to send, longer than one
60 s lease: the other process re-claims the rows the first has not reached yet. When
every row is sent (or ``--within`` runs out) the processes are stopped and the messages
each chat received are counted.

Targets: 0 duplicates (a chat receiving the alert twice), 0 lost.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
for folder in (REPO_ROOT, REPO_ROOT / "tests"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

from fakes.telegram_api import FakeTelegram  # noqa: E402
from feedserver import FeedServer, static  # noqa: E402

from bot.models import ChatTarget, Platform  # noqa: E402
from bot.store import Store  # noqa: E402


def article_feed(now: datetime) -> bytes:
    day = (now + timedelta(days=10)).date()
    when = f"{day:%B} {day.day}"
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Wire</title>'
        "<link>https://news.example/</link><item><guid>bench-two-senders</guid>"
        f"<title>Witkoff and Dmitriev to meet in Geneva on {when}</title>"
        "<link>https://news.example/1</link>"
        f"<description>US envoy Steve Witkoff will meet Kirill Dmitriev in Geneva on {when}, "
        f"officials said.</description><pubDate>{format_datetime(now - timedelta(hours=1))}"
        "</pubDate></item></channel></rss>"
    ).encode()


def write_config(folder: Path, feed_url: str) -> Path:
    config = folder / "config"
    config.mkdir()
    (config / "watchlist.yaml").write_bytes((REPO_ROOT / "config" / "watchlist.yaml").read_bytes())
    (config / "feeds.toml").write_text(
        f'[[feed]]\nid = "wire"\nurl = "{feed_url}"\nalert_backlog = true\noutlet = "Wire"\n',
        encoding="utf-8",
    )
    return config


def sender_env(tg: FakeTelegram, lease: float) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TELEGRAM_", "SLACK_", "BOT_", "DATABASE_URL"))
    }
    env.update(
        TELEGRAM_BOT_TOKEN=tg.token,
        TELEGRAM_API_BASE_URL=tg.base_url,
        BOT_POLLING_ALLOW_PRIVATE_ADDRESSES="true",
        BOT_DELIVERY_LEASE_SECONDS=str(lease),
        BOT_DELIVERY_TELEGRAM_PER_CHAT_PER_SECOND="1000",
        PTB_TIMEDELTA="true",
    )
    return env


def states(db: Path) -> Counter[str]:
    con = sqlite3.connect(db)
    try:
        return Counter(r[0] for r in con.execute("select state from outbox"))
    finally:
        con.close()


async def run(args: argparse.Namespace, work: Path) -> int:
    tg = FakeTelegram()
    tg.latency["sendMessage"] = args.send_seconds
    await tg.start()
    chats = [str(5001 + i) for i in range(args.chats)]
    try:
        async with FeedServer() as server:
            server.route("/feed", static(article_feed(datetime.now(UTC))))
            config = write_config(work, server.url("/feed"))
            db = work / "shared.sqlite3"
            store = await Store.open(f"sqlite+aiosqlite:///{db}")
            for chat in chats:
                target = ChatTarget(Platform.TELEGRAM, chat)
                await store.subscriptions.subscribe(target, frozenset())
            await store.close()
            started = time.monotonic()
            command = ["-m", "bot", "run", "--config", str(config), "--db", str(db)]
            command += ["--poll-interval", "3600", "--log-level", "WARNING"]
            procs = [
                await asyncio.create_subprocess_exec(
                    sys.executable,
                    *command,
                    cwd=str(REPO_ROOT),
                    env=sender_env(tg, args.lease),
                    stdout=asyncio.subprocess.DEVNULL,
                    stderr=asyncio.subprocess.DEVNULL,
                )
                for _ in range(args.senders)
            ]
            try:
                while time.monotonic() - started < args.within:
                    found = states(db)
                    if found and found["sent"] == len(chats) == sum(found.values()):
                        break
                    await asyncio.sleep(0.5)
                elapsed = time.monotonic() - started
                await asyncio.sleep(args.send_seconds * 2)  # a late duplicate would show now
            finally:
                for proc in procs:
                    proc.send_signal(signal.SIGTERM)
                for proc in procs:
                    await asyncio.wait_for(proc.wait(), 60)
            final = states(db)
    finally:
        await tg.close()
    per_chat = Counter(str(call["chat_id"]) for call in tg.sent)
    duplicates = sum(1 for n in per_chat.values() if n > 1)
    lost = sum(1 for chat in chats if per_chat[chat] == 0)
    print(
        f"{args.senders} bot run processes, {args.chats} chats, sends answered in "
        f"{args.send_seconds:g} s, lease {args.lease:g} s"
    )
    print(f"all sent after:        {elapsed:.1f} s  (outbox: {dict(final)})")
    print(f"messages sent:         {len(tg.sent)}")
    ok = True
    for name, value in (("chats with duplicates", duplicates), ("chats never reached", lost)):
        verdict = "PASS" if value == 0 else "FAIL"
        ok = ok and value == 0
        print(f"{name + ':':22} {value}  (target 0)  {verdict}")
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--senders", type=int, default=2)
    parser.add_argument("--chats", type=int, default=24)
    parser.add_argument("--send-seconds", type=float, default=3.5)
    parser.add_argument("--lease", type=float, default=60.0)
    parser.add_argument("--within", type=float, default=600.0)
    parser.add_argument("--quick", action="store_true", help="0.5 s sends, 2 s lease")
    args = parser.parse_args()
    if args.quick:
        args.send_seconds, args.lease = 0.5, 2.0
    with tempfile.TemporaryDirectory(prefix="two-senders-") as work:
        return asyncio.run(run(args, Path(work)))


if __name__ == "__main__":
    raise SystemExit(main())
