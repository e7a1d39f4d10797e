"""A hostile feed against the real `bot run`: one large entity referenced thousands of
times (quadratic blowup), served with a new body on every poll so every poll parses it.
The bot must neither balloon in memory nor keep chat users waiting."""

from __future__ import annotations

import asyncio
import itertools
import os
import signal
import sys
import time
from pathlib import Path

from aiohttp import web
from fakes.telegram_api import command_update
from feedserver import FeedServer
from relkit import TG_TOKEN, base_env, write_config
from strictfakes import StrictTelegram

REPO_ROOT = Path(__file__).resolve().parents[2]
MAX_REPLY_DELAY = 1.0
MAX_PEAK_BYTES = 300 * 1024 * 1024


def quadratic_entity_feed(serial: int, entity_bytes: int = 100_000, refs: int = 2_000) -> bytes:
    """One ``entity_bytes`` entity referenced ``refs`` times (a few hundred MB expanded)."""
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<!DOCTYPE rss [\n<!ENTITY big "{"x" * entity_bytes}">\n]>\n'
        '<rss version="2.0"><channel><title>Hostile</title>'
        f"<lastBuildDate>{serial}</lastBuildDate>"
        f"<item><guid>h{serial}</guid><title>Witkoff and Dmitriev</title>"
        f"<description>{'&big;' * refs}</description></item>"
        "</channel></rss>"
    ).encode()


def peak_rss_bytes(pid: int) -> int:
    """The largest peak resident size of ``pid`` and its descendants (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    peak, todo = 0, [pid]
    while todo:
        current = todo.pop()
        todo.extend(children.get(current, []))
        try:
            status = Path(f"/proc/{current}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                peak = max(peak, int(line.split()[1]) * 1024)
    return peak


async def test_quadratic_entity_feed_neither_balloons_nor_freezes_the_real_bot(
    tmp_path: Path,
) -> None:
    serials = itertools.count(1)

    async def hostile(request: web.Request) -> web.Response:
        return web.Response(body=quadratic_entity_feed(next(serials)),
                            content_type="application/rss+xml")  # fmt: skip

    tg = StrictTelegram(token=TG_TOKEN)
    await tg.start()
    async with FeedServer() as server:
        server.route("/feed", hostile)
        config_dir = write_config(tmp_path, {"hostile": server.url("/feed")})
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("TELEGRAM_", "SLACK_", "BOT_", "DATABASE_URL"))
        }
        env.update(base_env(), TELEGRAM_BOT_TOKEN=TG_TOKEN, TELEGRAM_API_BASE_URL=tg.base_url)
        env.update(PTB_TIMEDELTA="true", PYTHONUNBUFFERED="1")
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", "--config", str(config_dir),
            "--db", str(tmp_path / "bot.sqlite3"), "--poll-interval", "1",
            cwd=str(REPO_ROOT), env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        delays: list[float] = []
        peak = 0
        try:
            # The first answer shows the bot is up (start-up time is not a reply delay).
            tg.push_update(command_update("/help", chat_id=999, user_id=999))
            await tg.wait_for("sendMessage", 1, within=60)
            # Ask from a new user each time (the per-user limiter stays out of it)
            # until the feed has been fetched and parsed several times.
            for user in range(1000, 1100):
                if server.hits("/feed") >= 5 and len(delays) >= 10:
                    break
                before = len(tg.sent)
                asked = time.monotonic()
                tg.push_update(command_update("/help", chat_id=user, user_id=user))
                await tg.wait_for("sendMessage", before + 1, within=60)
                delays.append(time.monotonic() - asked)
                await asyncio.sleep(0.1)
            peak = peak_rss_bytes(proc.pid or 0)
        finally:
            proc.send_signal(signal.SIGTERM)
            output, _ = await asyncio.wait_for(proc.communicate(), 30)
            await tg.close()
    log = output.decode("utf-8", "replace")
    assert server.hits("/feed") >= 5, log[-3000:]
    assert max(delays) < MAX_REPLY_DELAY, (sorted(delays)[-5:], log[-3000:])
    assert 0 < peak < MAX_PEAK_BYTES, (peak / 2**20, log[-3000:])
    assert "Traceback" not in log, log[-3000:]
