"""Storage failures as one sentence for the person running the bot.

``StorageError`` carries a message that says what is wrong and what to do; the command
line prints it as one line and exits non-zero. ``describe_storage_error`` turns the
driver's exceptions (SQLite's "file is not a database", "readonly database", ...) into
such sentences. This module imports nothing heavy so the command line can catch it.
"""

from __future__ import annotations

import errno

from bot.failures import FatalError


class StorageError(FatalError):
    """The database cannot be used; the message says why and what to do."""


def redacted_url(url: str) -> str:
    """A database URL with its password hidden."""
    if "@" not in url or "://" not in url:
        return url
    scheme, rest = url.split("://", 1)
    creds, host = rest.rsplit("@", 1)
    user = creds.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}"


# (fragment of the driver's message, what it means and what to do), first match wins
_SQLITE_FAULTS: tuple[tuple[str, str], ...] = (
    (
        "readonly database",
        "is read-only: make the file and its folder writable by the user running the bot",
    ),
    (
        "file is not a database",
        "is not a SQLite database (corrupt, or another kind of file): restore it from a "
        "backup, or point --db / DATABASE_URL at the right file",
    ),
    (
        "malformed",
        "is damaged (truncated or corrupt): restore it from a backup",
    ),
    (
        "unable to open database file",
        "cannot be opened or created: check that the path exists and is writable",
    ),
    ("disk i/o error", "cannot be read or written (disk I/O error): check the disk and the path"),
    ("database or disk is full", "cannot grow: the disk is full; free some space"),
    (
        "no such table",
        "lacks talkwatch's tables: run `bot init` to create them, or point --db at the "
        "right database",
    ),
)


def describe_storage_error(exc: BaseException, where: str) -> str:
    """One sentence about ``exc`` for the database at ``where`` (a path or a URL)."""
    if isinstance(exc, StorageError):
        return str(exc)
    if isinstance(exc, OSError) and not _is_driver_error(exc):
        reason = exc.strerror or str(exc)
        if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            return f"database {where}: {reason} ({exc.filename}): check the path's permissions"
        return f"database {where}: cannot create {exc.filename or 'its folder'}: {reason}"
    text = _driver_message(exc)
    lowered = text.lower()
    for fragment, meaning in _SQLITE_FAULTS:
        if fragment in lowered:
            return f"database {where} {meaning}"
    return f"database {where} failed: {text}"


def _is_driver_error(exc: BaseException) -> bool:
    return type(exc).__module__.startswith(("sqlite3", "sqlalchemy", "asyncpg"))


def _driver_message(exc: BaseException) -> str:
    """The driver's own words (SQLAlchemy wraps them with SQL and a link)."""
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else exc)
    return text.strip().splitlines()[0] if text.strip() else type(exc).__name__
