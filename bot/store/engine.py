"""Engine set-up, migrations and the write-transaction helper.

SQLite (the default): WAL journal so readers never block the writer, an explicit
``busy_timeout``, foreign keys on, and every write transaction opened with
``BEGIN IMMEDIATE`` so it takes the write lock up front (a deferred transaction that
upgrades from read to write can fail at once with "database is locked"). A busy
database is retried a few times with backoff. PostgreSQL works through its URL.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import StaticPool

log = logging.getLogger(__name__)

T = TypeVar("T")
MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
WRITE_MODE = "talkwatch_write"


def sqlite_file(url: str) -> Path | None:
    """The database file of a SQLite URL (None for other databases or in-memory)."""
    parsed = make_url(url)
    if not parsed.drivername.startswith("sqlite"):
        return None
    db = parsed.database
    if not db or db == ":memory:" or db.startswith("file:"):
        return None
    return Path(db).expanduser()


def make_engine(url: str, *, busy_timeout_ms: int = 5000) -> AsyncEngine:
    """Create the async engine; a SQLite file's directory is created if missing."""
    parsed = make_url(url)
    is_sqlite = parsed.drivername.startswith("sqlite")
    kwargs: dict[str, Any] = {}
    if is_sqlite:
        path = sqlite_file(url)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        else:
            kwargs["poolclass"] = StaticPool  # one shared in-memory database
    engine = create_async_engine(url, **kwargs)
    if is_sqlite:
        _configure_sqlite(engine, busy_timeout_ms)
    return engine


def _configure_sqlite(engine: AsyncEngine, busy_timeout_ms: int) -> None:
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take over transaction control from the driver so BEGIN is ours to choose.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(conn: Connection) -> None:
        write = conn.get_execution_options().get(WRITE_MODE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def is_busy(exc: BaseException) -> bool:
    text = str(exc).lower()
    return isinstance(exc, OperationalError) and (
        "database is locked" in text or "database is busy" in text or "sqlite_busy" in text
    )


class Database:
    """An engine plus the two ways in: read connections and retried write transactions."""

    def __init__(
        self, engine: AsyncEngine, *, busy_retries: int = 5, retry_base_seconds: float = 0.05
    ) -> None:
        self.engine = engine
        self.writer = engine.execution_options(**{WRITE_MODE: True})
        self.busy_retries = busy_retries
        self.retry_base_seconds = retry_base_seconds
        self.busy_retried = 0  # how many times a busy database was retried (for health/tests)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    async def write(self, work: Callable[[AsyncConnection], Awaitable[T]]) -> T:
        """Run ``work`` in one write transaction; all or nothing, retried while busy."""
        attempt = 0
        while True:
            try:
                async with self.writer.begin() as conn:
                    return await work(conn)
            except OperationalError as exc:
                if not is_busy(exc) or attempt >= self.busy_retries:
                    raise
                attempt += 1
                self.busy_retried += 1
                delay = self.retry_base_seconds * (2 ** (attempt - 1))
                log.warning("database busy; retrying in %.2fs (attempt %d)", delay, attempt)
                await asyncio.sleep(delay)

    async def read(self, work: Callable[[AsyncConnection], Awaitable[T]]) -> T:
        async with self.engine.connect() as conn:
            return await work(conn)

    async def dispose(self) -> None:
        await self.engine.dispose()


def _alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


async def upgrade(db: Database, revision: str = "head") -> None:
    """Bring the schema up to date (creates every table on a new database)."""

    def run(sync_conn: Connection) -> None:
        cfg = _alembic_config()
        cfg.attributes["connection"] = sync_conn
        command.upgrade(cfg, revision)

    await db.write(lambda conn: conn.run_sync(run))


def head_revision() -> str:
    """The newest migration shipped with this version of the bot."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    if head is None:
        raise RuntimeError("no migrations found")
    return head


async def current_revision(db: Database) -> str | None:
    from alembic.runtime.migration import MigrationContext

    def get(sync_conn: Connection) -> str | None:
        return MigrationContext.configure(sync_conn).get_current_revision()

    return await db.read(lambda conn: conn.run_sync(get))
