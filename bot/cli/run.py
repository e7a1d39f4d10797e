"""``bot run``: the long-running job (or one pass with ``--once``)."""

from __future__ import annotations

import argparse
import os
import sys

from bot import eventloop
from bot.cli.common import add_config_option, add_db_option, database_url, load_config_or_exit
from bot.config import AppConfig, ConfigError, shipped_config_dir
from bot.demo_guard import demo_allowed_by_env, demo_to_real_chats_refusal
from bot.logs import configure_logging


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "run",
        help="poll feeds, extract meetings, update the timeline and deliver alerts",
        description=(
            "Poll every feed on its interval (with jitter), run the pipeline and deliver "
            "alerts to Telegram, Slack or the console. SIGINT/SIGTERM stop it cleanly."
        ),
    )
    add_config_option(parser)
    add_db_option(parser)
    parser.add_argument(
        "--feed",
        metavar="URL",
        action="append",
        default=[],
        help="watch this feed instead of the configured ones (repeatable; URL or path)",
    )
    parser.add_argument(
        "--poll-interval",
        metavar="SECONDS",
        type=_positive_float,
        default=None,
        help="override every feed's polling interval",
    )
    parser.add_argument(
        "--once", action="store_true", help="poll every feed once, deliver, and exit"
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="send the shipped demo's fictional meetings to the chats of the tokens set "
        "(refused otherwise; also BOT_ALLOW_DEMO_TO_CHATS=true)",
    )
    parser.add_argument(
        "--log-level",
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        type=str.upper,
        default=None,
        help="log level (default: from settings, INFO)",
    )
    parser.set_defaults(func=run)


def _positive_float(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
    if number <= 0:
        raise argparse.ArgumentTypeError("must be greater than 0")
    return number


def run(args: argparse.Namespace) -> int:
    config = load_config_or_exit(args)
    refusal = _demo_refusal(config, args)
    if refusal:
        print(refusal, file=sys.stderr)
        return 2
    configure_logging(args.log_level or config.settings.general.log_level, config.secrets.values())
    from bot.app import RunOptions, run_app  # heavy imports only when running

    options = RunOptions(
        database_url=database_url(config, args.db),
        feed_urls=tuple(args.feed),
        poll_interval=args.poll_interval,
    )
    return eventloop.run(run_app(config, options, once=args.once))


def _demo_refusal(config: AppConfig, args: argparse.Namespace) -> str | None:
    try:
        allowed = args.demo or demo_allowed_by_env(os.environ)
    except ConfigError as exc:
        return f"configuration error: {exc}"
    return demo_to_real_chats_refusal(
        config, shipped_config_dir(), feeds_overridden=bool(args.feed), allowed=allowed
    )
