"""Database URLs, storage error sentences and the identity rules, in-process."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy.exc import DatabaseError, OperationalError

from bot.store import OpenMode, StorageError, Store
from bot.store.engine import checked_url
from bot.store.errors import describe_storage_error
from bot.store.identity import IdentityWatch, marker_path


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:///data/bot.sqlite3", "sqlite+aiosqlite:///data/bot.sqlite3"),
        ("sqlite+pysqlite:///bot.db", "sqlite+aiosqlite:///bot.db"),
        ("sqlite+aiosqlite:///bot.db", "sqlite+aiosqlite:///bot.db"),
        ("sqlite://", "sqlite+aiosqlite://"),
    ],
)
def test_a_sqlite_url_gets_the_async_driver(url: str, expected: str) -> None:
    assert checked_url(url) == expected


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("not a url", "cannot be parsed"),
        ("mysql://u@h/db", "unknown database kind 'mysql'"),
        ("postgresql://u:pw@h/db", "talkwatch-bot[postgres]"),
        ("postgres://u:pw@h/db", "talkwatch-bot[postgres]"),
        ("postgresql+psycopg2://u:pw@h/db", "asyncpg"),
    ],
)
def test_a_database_url_that_cannot_work_is_one_sentence(url: str, fragment: str) -> None:
    with pytest.raises(StorageError) as caught:
        checked_url(url)
    assert fragment in str(caught.value) and ":pw@" not in str(caught.value)
    assert "\n" not in str(caught.value)


def _operational(message: str) -> OperationalError:
    return OperationalError("SELECT 1", {}, sqlite3.OperationalError(message))


@pytest.mark.parametrize(
    ("exc", "fragment"),
    [
        (_operational("attempt to write a readonly database"), "is read-only"),
        (DatabaseError("x", {}, sqlite3.DatabaseError("file is not a database")), "not a SQLite"),
        (
            DatabaseError("x", {}, sqlite3.DatabaseError("database disk image is malformed")),
            "is damaged",
        ),
        (_operational("unable to open database file"), "cannot be opened or created"),
        (_operational("database or disk is full"), "disk is full"),
        (_operational("no such table: feeds"), "bot init"),
        (PermissionError(13, "Permission denied", "/srv/db"), "permissions"),
        (NotADirectoryError(20, "Not a directory", "/srv/file/db"), "cannot create"),
    ],
)
def test_storage_faults_become_one_sentence(exc: BaseException, fragment: str) -> None:
    text = describe_storage_error(exc, "/srv/bot.sqlite3")
    assert fragment in text and "\n" not in text and "sqlalche.me" not in text


async def test_the_running_check_notices_a_replaced_database(tmp_path: Path) -> None:
    db = tmp_path / "bot.sqlite3"
    url = f"sqlite+aiosqlite:///{db}"
    store, identity = await Store.open_checked(url, OpenMode.RUN)
    try:
        watch = IdentityWatch.start(store.db, url, identity)
        await watch.verify()  # unchanged: fine
        assert marker_path(db).read_text(encoding="utf-8").strip() == identity.instance_id
        other = tmp_path / "other.sqlite3"
        other_store, _ = await Store.open_checked(f"sqlite+aiosqlite:///{other}", OpenMode.RUN)
        await other_store.close()
        other.replace(db)
        with pytest.raises(StorageError, match="replaced or emptied"):
            await watch.verify()
    finally:
        await store.close()


async def test_a_database_from_before_identities_is_adopted(tmp_path: Path) -> None:
    db = tmp_path / "bot.sqlite3"
    url = f"sqlite+aiosqlite:///{db}"
    old = await Store.open(url)  # no marker yet: as written by an earlier version
    await old.close()
    assert not marker_path(db).exists()
    store, identity = await Store.open_checked(url, OpenMode.RUN)
    await store.close()
    assert marker_path(db).read_text(encoding="utf-8").strip() == identity.instance_id
    # and read-only commands never write the marker
    marker_path(db).unlink()
    store, _ = await Store.open_checked(url, OpenMode.READ)
    await store.close()
    assert not marker_path(db).exists()
