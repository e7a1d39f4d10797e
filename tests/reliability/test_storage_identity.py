"""Faults the real `bot run` process must show, not survive silently: the data folder
deleted while it runs, a token the chat API rejects, a chat connection that dies (seen by
`bot health`), and a start-up log that is the bot's own, not its libraries'."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import sys
from collections.abc import AsyncIterator, Mapping
from pathlib import Path

import pytest
from fakes.telegram_api import FakeTelegram
from feedserver import FeedServer, static
from relkit import base_env, bot_run_argv, meeting_item, rss, write_config

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
async def server() -> AsyncIterator[FeedServer]:
    async with FeedServer() as srv:
        srv.route("/feed", static(rss(meeting_item("s1"))))
        yield srv


def clean_env(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TELEGRAM_", "SLACK_", "BOT_", "DATABASE_URL"))
    }
    env.update(base_env())
    env.update(
        PTB_TIMEDELTA="true", PYTHONUNBUFFERED="1", BOT_GENERAL_STATUS_INTERVAL_SECONDS="0.5"
    )
    env.update(extra)
    return env


async def start_bot(
    config_dir: Path, db: Path, env: Mapping[str, str], *args: str
) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        *bot_run_argv(config_dir, db, *args),
        cwd=str(REPO_ROOT),
        env=dict(env),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def bot_command(*args: str, env: Mapping[str, str]) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        cwd=str(REPO_ROOT),
        env=dict(env),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def wait_for_line(stream: asyncio.StreamReader, fragment: str, within: float) -> str:
    seen: list[str] = []

    async def read() -> str:
        while True:
            line = (await stream.readline()).decode("utf-8", "replace")
            if not line:
                raise AssertionError(f"stream ended before {fragment!r}:\n{''.join(seen)}")
            seen.append(line)
            if fragment in line:
                return "".join(seen)

    return await asyncio.wait_for(read(), within)


async def stop(proc: asyncio.subprocess.Process) -> tuple[str, str]:
    if proc.returncode is None:
        proc.send_signal(signal.SIGTERM)
    out, err = await asyncio.wait_for(proc.communicate(), 30)
    return out.decode("utf-8", "replace"), err.decode("utf-8", "replace")


async def test_data_folder_deleted_while_running_stops_the_bot_and_blocks_a_fresh_start(
    tmp_path: Path, server: FeedServer
) -> None:
    config_dir = write_config(tmp_path, {"wire": server.url("/feed")})
    data = tmp_path / "data"
    db = data / "bot.sqlite3"
    env = clean_env()
    proc = await start_bot(config_dir, db, env)
    try:
        assert proc.stderr is not None
        await wait_for_line(proc.stderr, "poll cycle", within=60)
        shutil.rmtree(data)
        await asyncio.wait_for(proc.wait(), 20)  # it notices by itself, and stops
    finally:
        _, err = await stop(proc)
    assert proc.returncode == 1, err
    assert "Traceback" not in err
    assert "was deleted while the bot was running" in err.strip().splitlines()[-1]
    # a restart does not silently start an empty database in its place
    code, _, err = await bot_command(
        "run", "--once", "--config", str(config_dir), "--db", str(db), env=env
    )
    assert code == 1 and "Traceback" not in err
    assert "is missing but" in err and "bot init" in err
    assert not db.exists()


async def test_a_rejected_telegram_token_stops_the_bot_with_one_line(
    tmp_path: Path, server: FeedServer
) -> None:
    tg = FakeTelegram(token="123456:the-real-token")
    await tg.start()
    try:
        config_dir = write_config(tmp_path, {"wire": server.url("/feed")})
        env = clean_env(
            TELEGRAM_BOT_TOKEN="123456:a-revoked-token", TELEGRAM_API_BASE_URL=tg.base_url
        )
        proc = await start_bot(config_dir, tmp_path / "bot.sqlite3", env)
        try:
            await asyncio.wait_for(proc.wait(), 60)
        finally:
            _, err = await stop(proc)
    finally:
        await tg.close()
    assert proc.returncode == 1, err
    assert "Traceback" not in err, err
    last = err.strip().splitlines()[-1]
    assert last.startswith("error: telegram refused the bot's credentials"), err
    assert "a-revoked-token" not in err


async def test_health_reports_a_dead_chat_connection_and_a_failing_feed(
    tmp_path: Path, server: FeedServer
) -> None:
    tg = FakeTelegram()
    await tg.start()
    config_dir = write_config(
        tmp_path, {"wire": server.url("/feed"), "broken": server.url("/nothing-here")}
    )
    db = tmp_path / "bot.sqlite3"
    env = clean_env(
        TELEGRAM_BOT_TOKEN=tg.token,
        TELEGRAM_API_BASE_URL=tg.base_url,
        BOT_POLLING_FAILING_AFTER_ERRORS="1",
    )
    health_args = ("health", "--config", str(config_dir), "--db", str(db))
    proc = await start_bot(config_dir, db, env)
    try:
        assert proc.stderr is not None
        await wait_for_line(proc.stderr, "poll cycle", within=60)
        await asyncio.sleep(1.0)  # a status tick with the chat up
        code, out, err = await bot_command(*health_args, env=env)
        # one failing feed of two: reported, still healthy
        assert code == 0 and "warning: feed broken is failing" in out, out + err
        assert "telegram" not in out + err
        await tg.close()  # the chat API goes away
        for _ in range(40):
            code, _, err = await bot_command(*health_args, env=env)
            if "telegram connection is down" in err:
                break
        assert code == 1 and "telegram connection is down" in err, err
    finally:
        await tg.close()
        await stop(proc)
    # once the bot has stopped, health says so
    code, _, err = await bot_command(*health_args, env=env)
    assert code == 1 and "`bot run` stopped" in err, err


async def test_start_up_log_is_a_handful_of_the_bots_own_lines(
    tmp_path: Path, server: FeedServer
) -> None:
    tg = FakeTelegram()
    await tg.start()
    try:
        config_dir = write_config(tmp_path, {"wire": server.url("/feed")})
        env = clean_env(TELEGRAM_BOT_TOKEN=tg.token, TELEGRAM_API_BASE_URL=tg.base_url)
        proc = await start_bot(config_dir, tmp_path / "bot.sqlite3", env)
        try:
            assert proc.stderr is not None
            log = await wait_for_line(proc.stderr, "poll cycle", within=60)
        finally:
            _, rest = await stop(proc)
    finally:
        await tg.close()
    lines = log.strip().splitlines()
    assert len(lines) <= 6, log
    assert all(" bot." in line for line in lines), log  # no library chatter
    assert sum("poll cycle" in line for line in lines) == 1
    assert "Traceback" not in rest
