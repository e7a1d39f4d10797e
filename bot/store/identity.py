"""Opening the database with its identity checked: never start empty where data was.

A database carries an instance id (table ``store_identity``, written by migration 0003).
Beside a SQLite file the bot keeps a marker file, ``<database>.instance``, holding that
id. Together they tell a first start from a lost database:

* no file and no marker: a first start; ``bot run`` creates the database (so the first
  command on a fresh checkout just works), inspection commands say there is none yet;
* no file (or an empty one) but a marker: the database was lost or emptied: an error,
  until it is restored or ``bot init`` deliberately starts a new one;
* a file whose id differs from the marker's: it was replaced: an error likewise.

While running, ``IdentityWatch.verify`` repeats the check (the file still there, the
same file, the same id) so a data folder deleted under the bot stops it with a clear
error instead of writing on into a deleted file.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, select
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.store.engine import Database, _alembic_config, sqlite_file, upgrade
from bot.store.errors import StorageError
from bot.store.schema import store_identity

MARKER_SUFFIX = ".instance"
INIT_HINT = "run `bot init` to start a new, empty database deliberately"


class OpenMode(StrEnum):
    RUN = "run"  # create on a first start only; bring the schema up to date
    INIT = "init"  # explicit: create a new database, or adopt and upgrade this one
    READ = "read"  # inspection: never create, never migrate, never write


@dataclass(frozen=True)
class Identity:
    instance_id: str
    revision: str


def marker_path(db_file: Path) -> Path:
    return db_file.with_name(db_file.name + MARKER_SUFFIX)


def read_marker(db_file: Path) -> str | None:
    try:
        return marker_path(db_file).read_text(encoding="utf-8").strip() or None
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        raise StorageError(f"cannot read {marker_path(db_file)}: {exc.strerror}") from exc


def write_marker(db_file: Path, instance_id: str) -> None:
    path = marker_path(db_file)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(instance_id + "\n", encoding="utf-8")
    os.replace(tmp, path)


def head_revision() -> str:
    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    assert head is not None
    return head


def check_file_before_open(db_file: Path, mode: OpenMode) -> None:
    """The rules for a SQLite file that is missing or empty (see the module doc)."""
    marker = read_marker(db_file)
    if db_file.is_dir():
        raise StorageError(f"database {db_file} is a folder, not a file: point --db at a file")
    size = db_file.stat().st_size if db_file.exists() else None
    if mode is OpenMode.INIT or (size or 0) > 0:
        return
    if size == 0:
        raise StorageError(
            f"database {db_file} is empty (0 bytes): restore it from a backup, or {INIT_HINT}"
        )
    if marker is not None:
        raise StorageError(
            f"database {db_file} is missing but {marker_path(db_file).name} says one was "
            f"there: restore it (or the folder holding it), or {INIT_HINT}"
        )
    if mode is OpenMode.READ:
        raise StorageError(
            f"no database at {db_file} yet: `bot run` (or `bot init`) creates it; "
            "check --config / --db if you expected one"
        )


async def read_identity(db: Database) -> tuple[str | None, str | None]:
    """(schema revision, instance id); either is None when absent."""

    def get(sync_conn: Connection) -> tuple[str | None, str | None]:
        revision = MigrationContext.configure(sync_conn).get_current_revision()
        if not inspect(sync_conn).has_table(store_identity.name):
            return revision, None
        row = sync_conn.execute(select(store_identity.c.instance_id)).first()
        return revision, (row[0] if row else None)

    async def work(conn: AsyncConnection) -> tuple[str | None, str | None]:
        return await conn.run_sync(get)

    return await db.read(work)


async def establish(db: Database, url: str, mode: OpenMode) -> Identity:
    """Check (and in RUN/INIT mode create or upgrade) the schema; return the identity."""
    db_file = sqlite_file(url)
    revision, instance_id = await read_identity(db)
    head = head_revision()
    if revision is None and db_file is not None and mode is OpenMode.RUN:
        await _refuse_foreign_or_emptied(db, db_file)
    if revision is not None and revision != head and not _known(revision):
        raise StorageError(
            f"database {db_file or 'schema'} is at revision {revision}, written by a newer "
            "talkwatch: upgrade talkwatch, or point --db at another database"
        )
    if revision != head:
        if mode is OpenMode.READ:
            raise StorageError(
                f"database {db_file or ''} is at schema revision {revision or 'none'}, this "
                f"version needs {head}: run `bot init` (or `bot run`) to upgrade it"
            )
        await upgrade(db)
        revision, instance_id = await read_identity(db)
    if instance_id is None or revision is None:
        raise StorageError(f"database {db_file or ''} has no instance id: {INIT_HINT}")
    if db_file is not None:
        _check_marker(db_file, instance_id, mode)
    return Identity(instance_id, revision)


def _check_marker(db_file: Path, instance_id: str, mode: OpenMode) -> None:
    marker = read_marker(db_file)
    if marker is not None and marker != instance_id and mode is not OpenMode.INIT:
        raise StorageError(
            f"database {db_file} is not the one used before (instance {instance_id[:8]}, "
            f"expected {marker[:8]} from {marker_path(db_file).name}): restore the right "
            f"file, or {INIT_HINT}"
        )
    if marker != instance_id and mode is not OpenMode.READ:
        write_marker(db_file, instance_id)


def _known(revision: str) -> bool:
    script = ScriptDirectory.from_config(_alembic_config())
    return any(rev.revision == revision for rev in script.walk_revisions())


async def _refuse_foreign_or_emptied(db: Database, db_file: Path) -> None:
    """A SQLite file without talkwatch's schema: someone else's tables, or ours wiped."""
    if await _has_tables(db):
        raise StorageError(
            f"database {db_file} holds tables but none of talkwatch's: point --db at "
            f"talkwatch's database, or {INIT_HINT} elsewhere"
        )
    if read_marker(db_file) is not None:
        raise StorageError(
            f"database {db_file} holds no data but {marker_path(db_file).name} says it did: "
            f"restore it from a backup, or {INIT_HINT}"
        )


async def probe_write(db: Database) -> None:
    """Touch the identity row in a write transaction: a read-only database fails here,
    at start, not at the first alert."""

    async def work(conn: AsyncConnection) -> None:
        await conn.execute(store_identity.update().values(instance_id=store_identity.c.instance_id))

    await db.write(work)


async def _has_tables(db: Database) -> bool:
    def get(sync_conn: Connection) -> bool:
        return bool(inspect(sync_conn).get_table_names())

    async def work(conn: AsyncConnection) -> bool:
        return await conn.run_sync(get)

    return await db.read(work)


def leave_tombstone(db_file: Path, instance_id: str) -> None:
    """After the database (or its whole folder) vanished: put the marker back, so the
    next start refuses instead of creating an empty database in its place."""
    with contextlib.suppress(OSError):
        db_file.parent.mkdir(parents=True, exist_ok=True)
        write_marker(db_file, instance_id)


@dataclass
class IdentityWatch:
    """Re-checks, while running, that the database opened at start is still there."""

    db: Database
    url: str
    identity: Identity
    inode: tuple[int, int] | None = None

    @classmethod
    def start(cls, db: Database, url: str, identity: Identity) -> IdentityWatch:
        db_file = sqlite_file(url)
        inode = None
        if db_file is not None:
            stat = db_file.stat()
            inode = (stat.st_dev, stat.st_ino)
        return cls(db, url, identity, inode)

    async def verify(self) -> None:
        """StorageError when the database was deleted, replaced or emptied meanwhile."""
        db_file = sqlite_file(self.url)
        if db_file is not None:
            try:
                stat = db_file.stat()
            except (FileNotFoundError, NotADirectoryError):
                leave_tombstone(db_file, self.identity.instance_id)
                raise StorageError(
                    f"database {db_file} was deleted while the bot was running; stopping so "
                    "nothing is written into a deleted file: restore it (or its folder) and "
                    f"start again, or {INIT_HINT}"
                ) from None
            if (stat.st_dev, stat.st_ino) != self.inode or stat.st_size == 0:
                raise StorageError(
                    f"database {db_file} was replaced or emptied while the bot was running; "
                    "stopping: restore the right file and start again"
                )
        revision, instance_id = await read_identity(self.db)
        if revision != self.identity.revision:
            raise StorageError(
                f"database {db_file or ''} schema changed from {self.identity.revision} to "
                f"{revision or 'none'} while the bot was running (another version "
                "migrated it?); stopping: start the matching version"
            )
        if instance_id != self.identity.instance_id:
            raise StorageError(
                f"database {db_file or ''} changed identity while the bot was running "
                f"({self.identity.instance_id[:8]} → {(instance_id or 'none')[:8]}); stopping"
            )
