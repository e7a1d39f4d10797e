"""Options and helpers shared by several subcommands."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from bot.config import AppConfig, ConfigError, default_config_dir, load_config

# The configuration directory when --config is not given (the Docker image sets /config).
CONFIG_DIR_ENV = "BOT_CONFIG_DIR"

if TYPE_CHECKING:
    from bot.store import OpenMode, Store


def add_config_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        metavar="DIR",
        type=Path,
        default=None,
        help=f"configuration directory (default: ${CONFIG_DIR_ENV}, else ./config, "
        "else the shipped demo)",
    )


def add_db_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db",
        metavar="PATH",
        default=None,
        help="SQLite database file (or a SQLAlchemy URL); overrides settings and DATABASE_URL",
    )


def chosen_config_dir(args: argparse.Namespace, env: Mapping[str, str]) -> Path:
    """--config, else $BOT_CONFIG_DIR, else ./config, else the shipped configuration."""
    explicit: Path | None = getattr(args, "config", None)
    if explicit is not None:
        return explicit
    from_env = env.get(CONFIG_DIR_ENV, "").strip()
    return Path(from_env) if from_env else default_config_dir()


def load_config_or_exit(args: argparse.Namespace) -> AppConfig:
    config_dir = chosen_config_dir(args, os.environ)
    try:
        return load_config(config_dir)
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        raise SystemExit(2) from exc


def database_url(config: AppConfig, db: str | None) -> str:
    if not db:
        return config.database_url
    if "://" in db:
        return db
    return f"sqlite+aiosqlite:///{Path(db).expanduser()}"


async def open_store(config: AppConfig, args: argparse.Namespace, mode: OpenMode) -> Store:
    """The configured database opened under ``mode``'s identity rules (StorageError,
    printed as one line by the command line, when it cannot be used)."""
    from bot.store import Store
    from bot.timeline.model import TimelineRules

    rules = TimelineRules(
        presumed_held_after_days=config.settings.timeline.presumed_held_after_days
    )
    store, _ = await Store.open_checked(
        database_url(config, getattr(args, "db", None)),
        mode,
        rules=rules,
        default_timezone=config.settings.general.timezone,
    )
    return store
