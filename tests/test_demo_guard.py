"""The shipped demo (fictional meetings) is never sent to real chats unless asked for."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import ConfigError, load_config, shipped_config_dir
from bot.demo_guard import demo_allowed_by_env, demo_to_real_chats_refusal, is_shipped_demo

REPO = Path(__file__).resolve().parents[1]
SHIPPED = REPO / "config"
TELEGRAM = {"TELEGRAM_BOT_TOKEN": "123456:demo-guard-test"}
SLACK = {"SLACK_BOT_TOKEN": "xoxb-demo-guard", "SLACK_SIGNING_SECRET": "s"}
OWN_FEEDS = '[[feed]]\nid = "wire"\nurl = "https://news.example.org/rss"\n'


def _config_dir(kind: str, tmp_path: Path) -> Path:
    """``shipped``: the repo's config; ``copy``: a copy of it; ``own``: own feeds."""
    if kind == "shipped":
        return SHIPPED
    target = tmp_path / "config"
    shutil.copytree(SHIPPED, target)
    if kind == "own":
        (target / "feeds.toml").write_text(OWN_FEEDS, encoding="utf-8")
    return target


@pytest.mark.parametrize(
    ("kind", "env", "feeds_overridden", "allowed", "refused"),
    [
        ("shipped", {}, False, False, False),  # console only: the demo as meant
        ("shipped", TELEGRAM, False, False, True),
        ("shipped", SLACK, False, False, True),
        ("shipped", {**TELEGRAM, **SLACK}, False, False, True),
        ("copy", TELEGRAM, False, False, True),  # a copy with the demo feeds unchanged
        ("own", TELEGRAM, False, False, False),
        ("shipped", TELEGRAM, True, False, False),  # --feed URL replaces the demo feeds
        ("shipped", TELEGRAM, False, True, False),  # --demo / BOT_ALLOW_DEMO_TO_CHATS
        ("shipped", {**TELEGRAM, "BOT_TELEGRAM_ENABLED": "false"}, False, False, False),
    ],
)
def test_demo_reaches_real_chats_only_when_asked(
    tmp_path: Path,
    kind: str,
    env: dict[str, str],
    feeds_overridden: bool,
    allowed: bool,
    refused: bool,
) -> None:
    config = load_config(_config_dir(kind, tmp_path), env=env)
    refusal = demo_to_real_chats_refusal(
        config, shipped_config_dir(), feeds_overridden=feeds_overridden, allowed=allowed
    )
    assert (refusal is not None) is refused
    if refusal is not None:
        assert "\n" not in refusal
        assert "--demo" in refusal and "BOT_ALLOW_DEMO_TO_CHATS=true" in refusal
        assert "--config" in refusal


def test_the_package_ships_the_demo_configuration() -> None:
    assert is_shipped_demo(SHIPPED, shipped_config_dir())


@pytest.mark.parametrize(
    ("value", "allowed"),
    [
        ("", False),
        ("false", False),
        ("0", False),
        ("true", True),
        ("TRUE", True),
        ("1", True),
        ("yes", True),
        ("on", True),
    ],
)
def test_allow_demo_env_values(value: str, allowed: bool) -> None:
    assert demo_allowed_by_env({"BOT_ALLOW_DEMO_TO_CHATS": value}) is allowed


def test_allow_demo_env_rejects_other_words() -> None:
    with pytest.raises(ConfigError, match="BOT_ALLOW_DEMO_TO_CHATS"):
        demo_allowed_by_env({"BOT_ALLOW_DEMO_TO_CHATS": "maybe"})


def _run_bot(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TELEGRAM_", "SLACK_", "BOT_", "DATABASE_URL"))
    }
    # A closed loopback port: nothing could reach a real Telegram even if not refused.
    clean.update(TELEGRAM_API_BASE_URL="http://127.0.0.1:9/bot", **env)
    return subprocess.run(
        [sys.executable, "-m", "bot", "run", "--once", "--db", str(tmp_path / "b.db"), *args],
        cwd=tmp_path,
        env=clean,
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )


@pytest.mark.parametrize("config_args", [(), ("--config", str(SHIPPED))])
def test_run_refuses_the_demo_with_a_chat_token(
    tmp_path: Path, config_args: tuple[str, ...]
) -> None:
    result = _run_bot(tmp_path, *config_args, **TELEGRAM)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("refusing to send the demo"), result.stderr
    assert not (tmp_path / "b.db").exists()  # refused before anything was opened


def test_run_rejects_an_unreadable_allow_demo_value(tmp_path: Path) -> None:
    result = _run_bot(tmp_path, BOT_ALLOW_DEMO_TO_CHATS="perhaps", **TELEGRAM)
    assert result.returncode == 2
    assert "BOT_ALLOW_DEMO_TO_CHATS='perhaps': use true or false" in result.stderr
    assert "Traceback" not in result.stderr
