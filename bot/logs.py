"""Logging set-up with secret redaction.

Secrets reach logs by accident (a token inside a request URL, an exception that
repeats a header). Every record passes a filter that replaces configured secret
values and anything shaped like a chat token before it is formatted.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable

_TOKEN_SHAPES = (
    re.compile(r"(?<!\d)\d{5,12}:[A-Za-z0-9_-]{30,}"),  # Telegram bot token
    re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{8,}\b"),  # Slack bot/user tokens
    re.compile(r"\bxapp-[A-Za-z0-9-]{8,}\b"),  # Slack app-level token
)
REDACTED = "[REDACTED]"
# Libraries whose INFO lines (scheduler jobs added and run, connections, migrations)
# would drown the bot's own: they log at WARNING and above unless DEBUG is asked for.
LIBRARY_LOGGERS = (
    "apscheduler",
    "telegram",
    "slack_bolt",
    "slack_sdk",
    "aiohttp",
    "aiosqlite",
    "alembic",
    "asyncio",
)


class RedactingFilter(logging.Filter):
    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        # Longest first so a secret that contains another is replaced whole.
        self._secrets = sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        for shape in _TOKEN_SHAPES:
            text = shape.sub(REDACTED, text)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        redacted = self.redact(message)
        record.msg, record.args = redacted, None
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


def configure_logging(level: str, secrets: Iterable[str] = ()) -> RedactingFilter:
    """Log to stderr with redaction on every handler; quiet chatty HTTP libraries."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    redactor = RedactingFilter(secrets)
    handler.addFilter(redactor)
    root.addHandler(handler)
    root.setLevel(level.upper())
    # httpx logs every request URL at INFO, and Telegram URLs contain the token.
    for noisy in ("httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    if logging.getLogger().level > logging.DEBUG:  # DEBUG asks for everything
        for library in LIBRARY_LOGGERS:
            logging.getLogger(library).setLevel(logging.WARNING)
    return redactor
