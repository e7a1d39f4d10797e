"""Engine set-up, migrations and the write-transaction helper.

SQLite (the default): WAL journal so readers never block the writer, an explicit
``busy_timeout``, foreign keys on, and every write transaction opened with
``BEGIN IMMEDIATE`` so it takes the write lock up front (a deferred transaction that
upgrades from read to write can fail at once with "database is locked"). A busy
database is retried a few times with backoff.

``checked_url`` checks a URL before anything connects: an unparseable URL, an unknown
database kind or a missing driver is a StorageError with what to do. PostgreSQL needs
the optional asyncpg driver (``pip install 'talkwatch-bot[postgres]'``) and is not
covered by the test suite yet.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from contextvars import ContextVar
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import StaticPool

from bot.store.errors import StorageError, redacted_url

log = logging.getLogger(__name__)

T = TypeVar("T")
MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
WRITE_MODE = "talkwatch_write"
_WRITING: ContextVar[bool] = ContextVar("talkwatch_writing", default=False)


# SQLAlchemy's default (synchronous) driver per database kind → the async one we use
ASYNC_DRIVERS = {"sqlite": "aiosqlite", "postgresql": "asyncpg"}
DRIVER_PACKAGES = {"aiosqlite": "aiosqlite", "asyncpg": "asyncpg"}
POSTGRES_EXTRA = "pip install 'talkwatch-bot[postgres]'"


def checked_url(url: str) -> str:
    """``url`` with its async driver filled in; a StorageError when it cannot work."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StorageError(
            f"database URL {redacted_url(url)!r} cannot be parsed: use a file path, "
            "sqlite:///PATH or postgresql://USER@HOST/DBNAME"
        ) from None
    backend = parsed.get_backend_name()
    if backend == "postgres":  # the spelling some hosting platforms hand out
        backend = "postgresql"
    if backend not in ASYNC_DRIVERS:
        raise StorageError(
            f"database URL {redacted_url(url)!r}: unknown database kind {backend!r}; "
            "talkwatch stores its data in SQLite (sqlite:///PATH) or, with the optional "
            "driver, PostgreSQL"
        )
    # the named driver, if any (asking SQLAlchemy would load the dialect)
    driver = parsed.drivername.partition("+")[2]
    if driver not in DRIVER_PACKAGES.values():
        driver = ASYNC_DRIVERS[backend]
    if importlib.util.find_spec(DRIVER_PACKAGES.get(driver, driver)) is None:
        hint = POSTGRES_EXTRA if backend == "postgresql" else f"pip install {driver}"
        raise StorageError(
            f"database URL {redacted_url(url)!r} needs the {driver} driver, which is not "
            f"installed: {hint} (PostgreSQL is optional and not yet covered by the tests)"
        )
    return _with_driver(parsed, backend, driver).render_as_string(hide_password=False)


def _with_driver(parsed: URL, backend: str, driver: str) -> URL:
    return parsed.set(drivername=f"{backend}+{driver}")


def sqlite_file(url: str) -> Path | None:
    """The database file of a SQLite URL (None for other databases or in-memory)."""
    parsed = make_url(url)
    if not parsed.drivername.startswith("sqlite"):
        return None
    db = parsed.database
    if not db or db == ":memory:" or db.startswith("file:"):
        return None
    return Path(db).expanduser()


def make_engine(url: str, *, busy_timeout_ms: int = 5000, read_only: bool = False) -> AsyncEngine:
    """Create the async engine; a SQLite file's directory is created if missing (unless
    ``read_only``: then the file is opened read-only and nothing is created)."""
    url = checked_url(url)
    parsed = make_url(url)
    is_sqlite = parsed.drivername.startswith("sqlite")
    kwargs: dict[str, Any] = {}
    if is_sqlite:
        path = sqlite_file(url)
        if path is not None and read_only:
            url = f"sqlite+aiosqlite:///file:{path.resolve().as_posix()}?mode=ro&uri=true"
        elif path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        else:
            kwargs["poolclass"] = StaticPool  # one shared in-memory database
    engine = create_async_engine(url, **kwargs)
    if is_sqlite:
        _configure_sqlite(engine, busy_timeout_ms, wal=not read_only)
    return engine


def _configure_sqlite(engine: AsyncEngine, busy_timeout_ms: int, *, wal: bool = True) -> None:
    _configure_sqlite_connections(engine.sync_engine, busy_timeout_ms, wal=wal)


def _configure_sqlite_connections(
    sync_engine: Engine, busy_timeout_ms: int, *, wal: bool = True
) -> None:

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take over transaction control from the driver so BEGIN is ours to choose.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        if wal:  # a read-only connection must not try to change the journal
            cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(conn: Connection) -> None:
        write = conn.get_execution_options().get(WRITE_MODE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def _blocking_writer(engine: AsyncEngine, busy_timeout_ms: int) -> Engine | None:
    """A plain engine on the same SQLite file, for ``Database.write_blocking`` (None for
    other databases, in-memory and read-only ones)."""
    url = engine.url
    if engine.dialect.name != "sqlite" or sqlite_file(url.render_as_string()) is None:
        return None
    blocking = create_engine(url.set(drivername="sqlite"))
    _configure_sqlite_connections(blocking, busy_timeout_ms)
    return blocking.execution_options(**{WRITE_MODE: True})


def is_busy(exc: BaseException) -> bool:
    text = str(exc).lower()
    return isinstance(exc, OperationalError) and (
        "database is locked" in text or "database is busy" in text or "sqlite_busy" in text
    )


class _Failed:
    """A work's own error, kept apart from values a work may return."""

    def __init__(self, error: BaseException) -> None:
        self.error = error


def run_works(
    blocking: Engine, works: list[Callable[[Connection], Any]]
) -> tuple[list[Any], OperationalError | None]:
    """Run ``works`` in one transaction; if one fails, each in its own. Returns each
    done work's value (or ``_Failed``), in order, and the busy error that stopped the
    rest, if any (those not done get no outcome)."""
    if len(works) > 1:
        try:
            with blocking.begin() as conn:
                return [work(conn) for work in works], None
        except OperationalError as exc:
            if is_busy(exc):
                return [], exc
        except Exception:  # which work failed is found one by one below
            pass
    outcomes: list[Any] = []
    for work in works:
        try:
            with blocking.begin() as conn:
                outcomes.append(work(conn))
        except OperationalError as exc:
            if is_busy(exc):
                return outcomes, exc
            outcomes.append(_Failed(exc))
        except Exception as exc:  # handed to the work's own caller
            outcomes.append(_Failed(exc))
    return outcomes, None


class Database:
    """An engine plus the two ways in: read connections and retried write transactions."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        busy_retries: int = 5,
        retry_base_seconds: float = 0.05,
        busy_timeout_ms: int = 5000,
    ) -> None:
        self.engine = engine
        self.writer = engine.execution_options(**{WRITE_MODE: True})
        self.busy_retries = busy_retries
        self.retry_base_seconds = retry_base_seconds
        self.busy_retried = 0  # how many times a busy database was retried (for health/tests)
        # SQLite takes one writer at a time anyway: this process's writers queue here, on
        # one connection, instead of each opening one (a connection and its thread per
        # writer beyond the pool's size, ~1 ms CPU each) to wait on the file lock.
        self._one_writer = asyncio.Lock() if engine.dialect.name == "sqlite" else None
        self._blocking = _blocking_writer(engine, busy_timeout_ms)
        self._blocking_thread: ThreadPoolExecutor | None = None
        self._waiting: list[tuple[Callable[[Connection], Any], asyncio.Future[Any]]] = []
        self.group_commits = 0  # transactions that carried several works (for benches)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    async def write(self, work: Callable[[AsyncConnection], Awaitable[T]]) -> T:
        """Run ``work`` in one write transaction; all or nothing, retried while busy.

        This process's write transactions take turns (first come, first served) before
        asking the database: SQLite lets one writer in at a time, and writers that wait
        in its busy handler sleep up to 100 ms between tries, so under load they queued
        for seconds (and timed out as "database is locked") while the lock sat free.
        """

        async def transaction() -> T:
            async with self._writer_turn(), self.writer.begin() as conn:
                return await work(conn)

        return await self._retried_while_busy(transaction)

    async def write_blocking(self, work: Callable[[Connection], T]) -> T:
        """``write`` for short, hot transactions written as plain (blocking) code: on a
        SQLite file the whole transaction runs in the store's writer thread, one hand-over
        in all (the async driver hands over several times per statement: ~1 ms CPU for
        an empty transaction). Elsewhere it runs as ``write`` does.

        Group commit: works that queue while the writer is busy run together in the next
        transaction (one hand-over and one commit for all; results are given only after
        it commits). If one of them fails, the others run again one transaction each, so
        a failing work costs no other its write."""
        blocking = self._blocking
        if blocking is None:
            return await self.write(lambda conn: conn.run_sync(work))
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._waiting.append((work, future))

        async def in_writer_turn() -> None:
            async with self._writer_turn():
                if not future.done():  # else an earlier turn took it along
                    await self._write_waiting(blocking)

        try:
            await self._retried_while_busy(in_writer_turn)
        except BaseException:
            if not future.done():  # given up (cancelled, or an error): never run it later
                future.cancel()
            raise
        result: T = future.result()
        return result

    async def _write_waiting(self, blocking: Engine) -> None:
        """Every waiting work in the writer thread; the ones not done (a busy database)
        wait again, in their order, and the busy error goes to the retry."""
        batch = [(work, future) for work, future in self._waiting if not future.done()]
        self._waiting = []
        if self._blocking_thread is None:
            self._blocking_thread = ThreadPoolExecutor(1, thread_name_prefix="store-writer")
        job = asyncio.get_running_loop().run_in_executor(
            self._blocking_thread, run_works, blocking, [work for work, _ in batch]
        )
        try:
            outcomes, busy = await asyncio.shield(job)
        except asyncio.CancelledError:
            # The thread runs them anyway: their callers get the outcomes when it ends.
            job.add_done_callback(lambda done: self._settle(batch, *done.result()))
            raise
        except BaseException:
            self._waiting[:0] = batch  # never ran: each waits for its own turn again
            raise
        self._settle(batch, outcomes, busy)
        if busy is not None:
            raise busy

    def _settle(
        self,
        batch: list[tuple[Callable[[Connection], Any], asyncio.Future[Any]]],
        outcomes: list[Any],
        busy: OperationalError | None,
    ) -> None:
        """Each done work's outcome to its caller; the rest wait for a turn again."""
        self.group_commits += len(batch) > 1
        for (_, future), outcome in zip(batch, outcomes, strict=False):
            if future.done():  # its caller gave up meanwhile; the write stands
                continue
            if isinstance(outcome, _Failed):
                future.set_exception(outcome.error)
            else:
                future.set_result(outcome)
        if busy is not None:
            self._waiting[:0] = batch[len(outcomes) :]

    async def _retried_while_busy(self, transaction: Callable[[], Awaitable[T]]) -> T:
        """Run ``transaction``, again after a growing pause while the database is busy."""
        attempt = 0
        while True:
            try:
                return await transaction()
            except OperationalError as exc:
                if not is_busy(exc) or attempt >= self.busy_retries:
                    raise
                attempt += 1
                self.busy_retried += 1
                delay = self.retry_base_seconds * (2 ** (attempt - 1))
                log.warning("database busy; retrying in %.2fs (attempt %d)", delay, attempt)
                await asyncio.sleep(delay)

    @contextlib.asynccontextmanager
    async def _writer_turn(self) -> AsyncIterator[None]:
        # A write started inside another write's work is in that write's turn already.
        if self._one_writer is None or _WRITING.get():
            yield
            return
        async with self._one_writer:
            token = _WRITING.set(True)
            try:
                yield
            finally:
                _WRITING.reset(token)

    async def read(self, work: Callable[[AsyncConnection], Awaitable[T]]) -> T:
        async with self.engine.connect() as conn:
            return await work(conn)

    async def dispose(self) -> None:
        if self._blocking_thread is not None:
            self._blocking_thread.shutdown(wait=True)
            self._blocking_thread = None
        if self._blocking is not None:
            self._blocking.dispose()
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
