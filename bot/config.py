"""Configuration: ``config/*.toml`` + ``watchlist.yaml`` + secrets from the environment.

Validated once at start into frozen objects. Every error names the file, the key
and what is wrong. Nothing is read at import time.

Environment overrides files: ``DATABASE_URL`` for the database, and any setting as
``BOT_<SECTION>_<KEY>`` (e.g. ``BOT_POLLING_DEFAULT_INTERVAL_SECONDS=60``).
Secrets (tokens, signing secret) come only from the environment.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bot.models import EntityKind, WatchEntity, Watchlist

SETTINGS_FILE = "settings.toml"
FEEDS_FILE = "feeds.toml"
WATCHLIST_FILE = "watchlist.yaml"


class ConfigError(Exception):
    """A configuration problem, phrased for the person who edits the files."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --------------------------------------------------------------------------- settings


class GeneralSettings(_Strict):
    # a SQLite file (a relative path is relative to the configuration directory, never
    # the working directory) or a SQLAlchemy URL
    database: str = "data/talkwatch.sqlite3"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    timezone: str = "UTC"  # default display time zone for new chats
    # how often the running bot checks that its database is still the one it opened,
    # and writes its heartbeat for `bot health`
    status_interval_seconds: float = Field(30, gt=0)
    # an operator's chat told when a feed fails or recovers, a chat blocks the bot, or an
    # alert is parked as undelivered: "telegram:CHAT_ID", "slack:CHANNEL_ID" or "" (none)
    admin_chat: str = ""

    @field_validator("admin_chat")
    @classmethod
    def _admin_chat_names_a_chat(cls, value: str) -> str:
        from bot.admin import AdminChatError, parse_admin_chat

        try:
            parse_admin_chat(value)
        except AdminChatError as exc:
            raise ValueError(str(exc)) from None
        return value.strip()


class PollingSettings(_Strict):
    default_interval_seconds: float = Field(300, ge=1)
    jitter_seconds: float = Field(15, ge=0)
    connect_timeout_seconds: float = Field(10, gt=0)
    read_timeout_seconds: float = Field(10, gt=0)
    fetch_deadline_seconds: float = Field(20, gt=0)
    max_body_bytes: int = Field(15 * 1024 * 1024, ge=1024)
    max_redirects: int = Field(5, ge=0, le=20)
    max_concurrency: int = Field(32, ge=1)
    max_per_host: int = Field(2, ge=1)
    backoff_base_seconds: float = Field(60, gt=0)
    backoff_max_seconds: float = Field(6 * 3600, gt=0)
    failing_after_errors: int = Field(3, ge=1)  # report a feed as failing once, after N
    alert_backlog_on_first_poll: bool = False
    backlog_hours: float = Field(0, ge=0)  # with the above False: still alert items this new
    allow_private_addresses: bool = False  # loopback/private feed hosts (demo and tests)
    user_agent: str = "talkwatch-bot/0.1 (+https://example.org/talkwatch)"


class TelegramSettings(_Strict):
    enabled: bool = True  # used only when TELEGRAM_BOT_TOKEN is set
    api_base_url: str = "https://api.telegram.org/bot"
    mode: Literal["polling", "webhook"] = "polling"
    webhook_url: str | None = None
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = Field(8443, ge=1, le=65535)


class SlackSettings(_Strict):
    enabled: bool = True  # used only when SLACK_BOT_TOKEN is set
    api_base_url: str = "https://slack.com/api/"
    http_port: int = Field(3000, ge=1, le=65535)
    http_host: str = "0.0.0.0"


class DeliverySettings(_Strict):
    max_attempts: int = Field(8, ge=1)
    retry_base_seconds: float = Field(2, gt=0)
    retry_max_seconds: float = Field(600, gt=0)
    lease_seconds: float = Field(60, gt=0)
    # a sender waits this long for a send's answer, then moves on (outcome unknown)...
    send_timeout_seconds: float = Field(10, gt=0)
    # ...while the answer is still awaited this long (the chat clients' read timeout)
    late_answer_seconds: float = Field(50, gt=0)
    telegram_per_chat_per_second: float = Field(1, gt=0)
    telegram_per_group_per_minute: float = Field(20, gt=0)
    telegram_global_per_second: float = Field(30, gt=0)
    slack_per_channel_per_second: float = Field(1, gt=0)
    # Slack's workspace-wide limit for posting is not published: unset, only the
    # per-channel one is kept; set it to the rate the workspace is known to allow
    slack_global_per_second: float | None = Field(None, gt=0)
    # sends in flight at once per platform (to different chats): with real round trips
    # one at a time cannot fill the platform's limit (30/s at 150 ms needs ~5)
    max_in_flight: int = Field(8, ge=1, le=100)


class TimelineSettings(_Strict):
    presumed_held_after_days: int = Field(1, ge=0)


class Settings(_Strict):
    general: GeneralSettings = GeneralSettings()
    polling: PollingSettings = PollingSettings()
    telegram: TelegramSettings = TelegramSettings()
    slack: SlackSettings = SlackSettings()
    delivery: DeliverySettings = DeliverySettings()
    timeline: TimelineSettings = TimelineSettings()


# --------------------------------------------------------------------------- feeds


class FeedConfig(_Strict):
    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
    url: str  # http(s) URL, file: URL, or a path (relative to the config dir)
    interval_seconds: float | None = Field(None, ge=1)
    lang: str | None = None
    outlet: str | None = None
    enabled: bool = True
    # Alert on the items already in the feed at its first poll (default: the
    # [polling] setting). The shipped demo feeds say yes so a first run shows alerts.
    alert_backlog: bool | None = None

    @field_validator("url")
    @classmethod
    def _url_scheme(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("must not be empty")
        if "://" in value and not value.lower().startswith(("http://", "https://", "file:")):
            raise ValueError("only http(s) URLs, file: URLs or local paths are allowed")
        return value


class FeedsFile(_Strict):
    feed: list[FeedConfig] = []


# --------------------------------------------------------------------------- watchlist


class EntityConfig(_Strict):
    name: str
    aliases: dict[str, list[str]] | list[str] = {}
    cues: list[str] = []
    ambiguous: bool = False
    exclude: list[str] = []
    side: str = ""  # an actor's side ("US", "Russia", "Ukraine"): names meetings in alerts
    timezone: str = ""  # a venue's IANA time zone: what "local time" means there

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        if value:
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(
                    f"unknown time zone {value!r}: use an IANA name such as 'Europe/Budapest'"
                ) from None
        return value


class WatchlistFile(_Strict):
    actors: dict[str, EntityConfig]
    venues: dict[str, EntityConfig]

    @field_validator("actors", "venues")
    @classmethod
    def _ids(cls, value: dict[str, EntityConfig]) -> dict[str, EntityConfig]:
        for key in value:
            if not key or not all(ch.isalnum() or ch in "-_" for ch in key) or key != key.lower():
                raise ValueError(f"id {key!r} must be lowercase letters, digits, '-' or '_'")
        return value


# --------------------------------------------------------------------------- secrets


@dataclass(frozen=True)
class Secrets:
    telegram_bot_token: str | None = None
    telegram_webhook_secret: str | None = None
    slack_bot_token: str | None = None
    slack_app_token: str | None = None
    slack_signing_secret: str | None = None
    database_url: str | None = None

    def values(self) -> tuple[str, ...]:
        """Every secret value that is set, so logging can redact them."""
        return tuple(
            v
            for v in (
                self.telegram_bot_token,
                self.telegram_webhook_secret,
                self.slack_bot_token,
                self.slack_app_token,
                self.slack_signing_secret,
                self.database_url,
            )
            if v
        )

    def __repr__(self) -> str:  # never print secrets by accident
        flags = ", ".join(f"{k}={'set' if v else 'unset'}" for k, v in self.__dict__.items())
        return f"Secrets({flags})"


def secrets_from_env(env: Mapping[str, str]) -> Secrets:
    def get(name: str) -> str | None:
        value = env.get(name, "").strip()
        return value or None

    return Secrets(
        telegram_bot_token=get("TELEGRAM_BOT_TOKEN"),
        telegram_webhook_secret=get("TELEGRAM_WEBHOOK_SECRET"),
        slack_bot_token=get("SLACK_BOT_TOKEN"),
        slack_app_token=get("SLACK_APP_TOKEN"),
        slack_signing_secret=get("SLACK_SIGNING_SECRET"),
        database_url=get("DATABASE_URL"),
    )


# --------------------------------------------------------------------------- assembled


@dataclass(frozen=True)
class AppConfig:
    config_dir: Path
    settings: Settings
    feeds: tuple[FeedConfig, ...]
    watchlist: Watchlist
    secrets: Secrets

    @property
    def database_url(self) -> str:
        if self.secrets.database_url:
            return self.secrets.database_url
        db = self.settings.general.database
        if "://" in db:
            return db
        return f"sqlite+aiosqlite:///{database_path_in(self.config_dir, db)}"

    def feed_location(self, feed: FeedConfig) -> str:
        """A feed's URL, with relative local paths resolved against the config dir."""
        url = feed.url
        if url.lower().startswith(("http://", "https://", "file:")):
            return url
        path = Path(url).expanduser()
        if not path.is_absolute():
            path = (self.config_dir / path).resolve()
        return path.as_uri()

    def feed_alerts_backlog(self, feed: FeedConfig) -> bool:
        if feed.alert_backlog is not None:
            return feed.alert_backlog
        return self.settings.polling.alert_backlog_on_first_poll

    def feed_interval(self, feed: FeedConfig) -> float:
        return feed.interval_seconds or self.settings.polling.default_interval_seconds


def database_path_in(config_dir: Path, database: str) -> Path:
    """A configured database path: relative ones live under the configuration folder, so
    a command run from another directory finds the same database."""
    path = Path(database).expanduser()
    return path if path.is_absolute() else config_dir / path


class _UniqueKeyLoader(yaml.SafeLoader):
    """YAML's safe loader, refusing a key repeated in one mapping (YAML would silently
    keep the last one: a second `witkoff:` would replace the first)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                line = key_node.start_mark.line + 1
                raise ConfigError(
                    f"line {line}: {key!r} is listed twice in the same block; ids and "
                    "keys must be unique (merge the two entries)"
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _format_validation_error(file: Path, exc: ValidationError) -> str:
    lines = [f"{file}: invalid configuration"]
    for err in exc.errors():
        key = ".".join(str(p) for p in err["loc"]) or "(top level)"
        lines.append(f"  {key}: {err['msg']}")
    return "\n".join(lines)


def _read_toml(path: Path, required: bool) -> dict[str, Any]:
    if not path.exists():
        if required:
            raise ConfigError(f"{path}: file not found")
        return {}
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc


def _apply_env_overrides(raw: dict[str, Any], env: Mapping[str, str]) -> dict[str, Any]:
    """``BOT_<SECTION>_<KEY>`` environment variables override settings.toml values."""
    merged: dict[str, Any] = {k: dict(v) if isinstance(v, dict) else v for k, v in raw.items()}
    for section_name, section_model in Settings.model_fields.items():
        annotation = section_model.annotation
        if not isinstance(annotation, type) or not issubclass(annotation, BaseModel):
            continue
        for key in annotation.model_fields:
            var = f"BOT_{section_name}_{key}".upper()
            if var in env:
                merged.setdefault(section_name, {})[key] = env[var]
    # Well-known names the issue tracker and deployment docs use.
    aliases = {
        "TELEGRAM_API_BASE_URL": ("telegram", "api_base_url"),
        "SLACK_API_BASE_URL": ("slack", "api_base_url"),
        "SLACK_HTTP_PORT": ("slack", "http_port"),
        "TELEGRAM_WEBHOOK_URL": ("telegram", "webhook_url"),
        "LOG_LEVEL": ("general", "log_level"),
    }
    for var, (section, key) in aliases.items():
        if env.get(var):
            merged.setdefault(section, {})[key] = env[var]
    return merged


def _entity(entity_id: str, kind: EntityKind, cfg: EntityConfig) -> WatchEntity:
    if isinstance(cfg.aliases, list):
        aliases: dict[str, tuple[str, ...]] = {"*": tuple(cfg.aliases)}
    else:
        aliases = {lang: tuple(forms) for lang, forms in cfg.aliases.items()}
    return WatchEntity(
        id=entity_id,
        kind=kind,
        name=cfg.name,
        aliases=aliases,
        cues=tuple(cfg.cues),
        ambiguous=cfg.ambiguous,
        exclude=tuple(cfg.exclude),
        side=cfg.side,
        timezone=cfg.timezone,
    )


def load_watchlist(path: Path) -> Watchlist:
    if not path.exists():
        raise ConfigError(f"{path}: file not found")
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text ({exc.reason}); save it as UTF-8") from None
    try:
        parsed = WatchlistFile.model_validate(raw or {})
    except ValidationError as exc:
        raise ConfigError(_format_validation_error(path, exc)) from exc
    actors = tuple(_entity(k, EntityKind.ACTOR, v) for k, v in parsed.actors.items())
    venues = tuple(_entity(k, EntityKind.VENUE, v) for k, v in parsed.venues.items())
    clash = {a.id for a in actors} & {v.id for v in venues}
    if clash:
        raise ConfigError(f"{path}: ids used for both an actor and a venue: {sorted(clash)}")
    return Watchlist(actors=actors, venues=venues)


def load_settings(config_dir: Path, env: Mapping[str, str]) -> Settings:
    path = config_dir / SETTINGS_FILE
    raw = _apply_env_overrides(_read_toml(path, required=False), env)
    try:
        return Settings.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(_format_validation_error(path, exc)) from exc


def load_feeds(path: Path) -> tuple[FeedConfig, ...]:
    raw = _read_toml(path, required=True)
    try:
        parsed = FeedsFile.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(_format_validation_error(path, exc)) from exc
    ids = [f.id for f in parsed.feed]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise ConfigError(f"{path}: feed ids must be unique, repeated: {dupes}")
    return tuple(f for f in parsed.feed if f.enabled)


def load_config(config_dir: Path, env: Mapping[str, str] | None = None) -> AppConfig:
    """Load and validate everything under ``config_dir``; raises ConfigError."""
    env = os.environ if env is None else env
    config_dir = config_dir.expanduser().resolve()
    if not config_dir.is_dir():
        raise ConfigError(f"{config_dir}: configuration directory not found")
    return AppConfig(
        config_dir=config_dir,
        settings=load_settings(config_dir, env),
        feeds=load_feeds(config_dir / FEEDS_FILE),
        watchlist=load_watchlist(config_dir / WATCHLIST_FILE),
        secrets=secrets_from_env(env),
    )


def shipped_config_dir() -> Path:
    """The configuration shipped inside the package (the demo): ``bot/default_config``.

    In a checkout it is a link to ``config/``; an installed wheel carries a copy.
    """
    return Path(__file__).resolve().parent / "default_config"


def default_config_dir() -> Path:
    """``./config`` if present (a checkout), else the one shipped inside the package."""
    cwd = Path.cwd() / "config"
    if (cwd / FEEDS_FILE).exists():
        return cwd
    return shipped_config_dir()
