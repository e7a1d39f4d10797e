"""``bot check-config``: validate the configuration and print a summary."""

from __future__ import annotations

import argparse
import sys

from bot.cli.common import add_config_option, load_config_or_exit
from bot.store.errors import StorageError, redacted_url


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "check-config",
        help="validate the configuration and print a summary",
        description="Validate settings, feeds and watchlist; print what would run.",
    )
    add_config_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    config = load_config_or_exit(args)
    settings = config.settings
    secrets = config.secrets
    telegram = bool(secrets.telegram_bot_token) and settings.telegram.enabled
    slack = bool(secrets.slack_bot_token) and settings.slack.enabled
    from bot.store.engine import checked_url

    try:
        checked_url(config.database_url)
    except StorageError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    print(f"configuration: {config.config_dir}  (valid)")
    print(f"database:      {redacted_url(config.database_url)}")
    print(f"feeds:         {len(config.feeds)} enabled")
    for feed in config.feeds:
        interval = config.feed_interval(feed)
        lang = feed.lang or "auto"
        location = config.feed_location(feed)
        print(f"  - {feed.id:<20} every {interval:>6.0f}s  lang={lang:<4} {location}")
    wl = config.watchlist
    print(f"watchlist:     {len(wl.actors)} actors, {len(wl.venues)} venues")
    outputs = []
    if telegram:
        outputs.append(f"telegram ({settings.telegram.mode}, {settings.telegram.api_base_url})")
    if slack:
        how = "socket mode" if secrets.slack_app_token else f"http :{settings.slack.http_port}"
        outputs.append(f"slack ({how}, {settings.slack.api_base_url})")
    if not outputs:
        outputs.append("console (no chat token set)")
    print(f"outputs:       {', '.join(outputs)}")
    if slack and not secrets.slack_app_token and not secrets.slack_signing_secret:
        print("warning: Slack HTTP mode needs SLACK_SIGNING_SECRET; Slack will not start")
    if telegram and settings.telegram.mode == "webhook" and not secrets.telegram_webhook_secret:
        print("warning: Telegram webhook mode needs TELEGRAM_WEBHOOK_SECRET; it will not start")
    return 0
