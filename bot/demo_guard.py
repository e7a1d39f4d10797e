"""The shipped demo never reaches real chats unless asked for.

The shipped configuration polls demo feeds of fictional meetings. Run with a Telegram
or Slack token, it would announce them to real people: ``bot run`` refuses that unless
``--demo`` is given or ``BOT_ALLOW_DEMO_TO_CHATS=true`` is set.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from bot.config import FEEDS_FILE, AppConfig, ConfigError

ALLOW_DEMO_ENV = "BOT_ALLOW_DEMO_TO_CHATS"
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"", "0", "false", "no", "off"})


def demo_allowed_by_env(env: Mapping[str, str]) -> bool:
    """``BOT_ALLOW_DEMO_TO_CHATS``: true/false (1/0, yes/no, on/off); unset is false."""
    value = env.get(ALLOW_DEMO_ENV, "").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigError(f"{ALLOW_DEMO_ENV}={value!r}: use true or false")


def is_shipped_demo(config_dir: Path, shipped_dir: Path) -> bool:
    """The shipped configuration itself, or a copy whose feed list is unchanged."""
    if config_dir.resolve() == shipped_dir.resolve():
        return True
    try:
        return (config_dir / FEEDS_FILE).read_bytes() == (shipped_dir / FEEDS_FILE).read_bytes()
    except OSError:
        return False


def real_chat_outputs(config: AppConfig) -> list[str]:
    """The chat platforms ``bot run`` would deliver to (not the console)."""
    settings, secrets = config.settings, config.secrets
    outputs = []
    if secrets.telegram_bot_token and settings.telegram.enabled:
        outputs.append("Telegram")
    if secrets.slack_bot_token and settings.slack.enabled:
        outputs.append("Slack")
    return outputs


def demo_to_real_chats_refusal(
    config: AppConfig, shipped_dir: Path, *, feeds_overridden: bool, allowed: bool
) -> str | None:
    """One line saying why ``bot run`` will not start, or None when it may."""
    outputs = real_chat_outputs(config)
    if allowed or feeds_overridden or not outputs:
        return None
    if not is_shipped_demo(config.config_dir, shipped_dir):
        return None
    return (
        f"refusing to send the demo's fictional meetings to real {' and '.join(outputs)} "
        f"chats: {config.config_dir} is the shipped demo configuration. Use your own "
        "(--config DIR or BOT_CONFIG_DIR; in Docker mount it at /config), or pass --demo "
        f"(or set {ALLOW_DEMO_ENV}=true) to send the demo on purpose."
    )
