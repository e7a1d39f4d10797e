"""Command-line entry point: ``bot <command>``.

Each subcommand lives in its own module exposing ``register(subparsers)``; the
module sets ``func`` on its parser to a callable taking the parsed namespace and
returning an exit code (a coroutine function is run with ``bot.eventloop.run``).
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import os
import sys
from collections.abc import Sequence

from bot import __version__, eventloop
from bot.failures import FatalError

# Explicit registry (no discovery magic): module names under bot.cli, in --help order.
COMMAND_MODULES = (
    "run",
    "init",
    "check_config",
    "feeds",
    "extract",
    "evaluate",
    "replay",
    "meeting",
    "outbox",
    "health",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bot",
        description=(
            "Watch news feeds for peace-talk meetings and alert chat channels about "
            "what is scheduled, what changed and what is next."
        ),
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        module = importlib.import_module(f"bot.cli.{name}")
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        result = eventloop.run(func(args)) if inspect.iscoroutinefunction(func) else func(args)
    except KeyboardInterrupt:
        return 130
    except FatalError as exc:  # one sentence, never the driver's traceback
        print(f"error: {redacted(str(exc))}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # output piped into `head` and closed: not an error
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the flush at exit
        return 0
    return int(result or 0)


def redacted(text: str) -> str:
    """``text`` without any secret from the environment (an error may quote a token)."""
    from bot.config import secrets_from_env
    from bot.logs import RedactingFilter

    return RedactingFilter(secrets_from_env(os.environ).values()).redact(text)
