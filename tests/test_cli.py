"""The command line as a user runs it: real subprocesses, shipped configuration."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CONFIG = REPO / "config"


def bot(*args: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_TOKEN")}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.mark.parametrize(
    "command",
    [
        "",
        "run",
        "init",
        "check-config",
        "feeds",
        "extract",
        "eval",
        "replay",
        "meeting",
        "outbox",
        "health",
    ],
)
def test_every_command_has_help(tmp_path: Path, command: str) -> None:
    result = bot(*([command] if command else []), "--help", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "usage: bot" in result.stdout


def test_main_help_lists_everything(tmp_path: Path) -> None:
    out = bot("--help", cwd=tmp_path).stdout
    for command in ("run", "check-config", "feeds", "extract", "eval", "replay", "meeting"):
        assert command in out


def test_check_config_summarises_the_shipped_defaults(tmp_path: Path) -> None:
    result = bot("check-config", "--config", str(CONFIG), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "feeds:" in result.stdout and "watchlist:" in result.stdout
    assert "console (no chat token set)" in result.stdout


def test_bad_configuration_is_a_clear_error(tmp_path: Path) -> None:
    config = tmp_path / "config"
    config.mkdir()
    for name in ("feeds.toml", "watchlist.yaml"):
        (config / name).write_bytes((CONFIG / name).read_bytes())
    (config / "settings.toml").write_text("[polling]\nmax_redirects = -1\n", encoding="utf-8")
    result = bot("check-config", "--config", str(config), cwd=tmp_path)
    assert result.returncode == 2
    assert "settings.toml" in result.stderr and "polling.max_redirects" in result.stderr
    assert "Traceback" not in result.stderr


def test_run_once_then_feeds_health_and_meeting(tmp_path: Path) -> None:
    db = tmp_path / "bot.sqlite3"
    run = bot("run", "--once", "--config", str(CONFIG), "--db", str(db), cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "Announced" in run.stdout and db.exists()

    feeds = bot("feeds", "--config", str(CONFIG), "--db", str(db), cwd=tmp_path)
    assert feeds.returncode == 0, feeds.stderr
    lines = feeds.stdout.splitlines()
    assert lines[0].split()[:3] == ["feed", "last", "fetch"]
    assert any(line.startswith("demo-pl") and " 200 " in line and " ok" in line for line in lines)

    health = bot("health", "--config", str(CONFIG), "--db", str(db), cwd=tmp_path)
    assert health.returncode == 0 and "healthy" in health.stdout

    meeting = bot("meeting", "1", "--config", str(CONFIG), "--db", str(db), cwd=tmp_path)
    assert meeting.returncode == 0, meeting.stderr
    assert "source" in meeting.stdout.lower()


def test_run_once_on_a_feed_given_on_the_command_line(tmp_path: Path) -> None:
    feed = tmp_path / "one.json"
    feed.write_text(
        json.dumps(
            {
                "version": "https://jsonfeed.org/version/1.1",
                "title": "One",
                "items": [{"id": 1, "title": "Markets", "content_text": "Stocks rose."}],
            }
        ),
        encoding="utf-8",
    )
    db = tmp_path / "bot.sqlite3"
    result = bot(
        "run",
        "--once",
        "--config",
        str(CONFIG),
        "--db",
        str(db),
        "--feed",
        str(feed),
        "--log-level",
        "info",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "1 new items" in result.stderr and "demo-" not in result.stderr


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_run_stops_cleanly_on_signal(tmp_path: Path, sig: signal.Signals) -> None:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_TOKEN")}
    with subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bot",
            "run",
            "--config",
            str(CONFIG),
            "--db",
            str(tmp_path / "bot.sqlite3"),
        ],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as proc:
        try:
            assert proc.stdout is not None
            deadline = time.monotonic() + 60
            for line in proc.stdout:  # wait until the first alert is printed
                if "Announced" in line or time.monotonic() > deadline:
                    break
            proc.send_signal(sig)
            _, err = proc.communicate(timeout=20)
        finally:
            if proc.poll() is None:
                proc.kill()
    assert proc.returncode == 0, err
    assert "stopping" in err and "Traceback" not in err
