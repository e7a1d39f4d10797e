"""Test-wide fixtures: no real tokens ever reach a test, and paths to shared data."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

# CI runs the property tests on a fixed seed so a run is reproducible; locally they
# explore new examples every time.
settings.register_profile("ci", derandomize=True, deadline=None)
settings.register_profile("dev", deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DIR = REPO_ROOT.parent / "shared"
_SCRUBBED_ENV = (
    "TELEGRAM_BOT_TOKEN",
    "TELEGRAM_WEBHOOK_SECRET",
    "TELEGRAM_API_BASE_URL",
    "SLACK_BOT_TOKEN",
    "SLACK_APP_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_API_BASE_URL",
    "SLACK_HTTP_PORT",
    "DATABASE_URL",
    "BOT_CONFIG_DIR",
    "BOT_ALLOW_DEMO_TO_CHATS",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
)


@pytest.fixture(autouse=True)
def _scrub_chat_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Tests never see a real token or proxy from the machine's environment."""
    for name in _SCRUBBED_ENV:
        monkeypatch.delenv(name, raising=False)
    yield


@pytest.fixture
def shared_dir() -> Path:
    """The project's shared data folder; tests that need it skip when it is absent."""
    if not SHARED_DIR.is_dir():
        pytest.skip(f"shared data folder not present ({SHARED_DIR}); clone-only run")
    return SHARED_DIR
