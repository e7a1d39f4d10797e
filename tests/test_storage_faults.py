"""Bad databases and bad input on the real command line: one line, a non-zero exit,
never a traceback; inspection commands never create or migrate a database; a missing,
emptied or replaced database is refused rather than started afresh."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot.store import OpenMode, Store
from bot.store.engine import Database, make_engine, upgrade

REPO = Path(__file__).resolve().parents[1]
CONFIG = REPO / "config"
NO_FEED_CONFIG_FEEDS = '[[feed]]\nid = "gone"\nurl = "missing-feed.xml"\n'


def bot(
    *args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.endswith("_TOKEN") and not k.startswith(("BOT_", "DATABASE_URL"))
    }
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env={**base, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def one_clear_line(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.stderr
    for fragment in fragments:
        assert fragment in errors[0], errors[0]


def new_database(path: Path) -> None:
    async def make() -> None:
        store, _ = await Store.open_checked(f"sqlite+aiosqlite:///{path}", OpenMode.INIT)
        await store.close()

    asyncio.run(make())


@contextlib.contextmanager
def read_only(path: Path) -> Iterator[None]:
    """A file this process cannot write (root ignores modes: make it immutable)."""
    if os.geteuid() != 0:
        path.chmod(0o444)
        path.parent.chmod(0o555)
        try:
            yield
        finally:
            path.parent.chmod(0o755)
            path.chmod(0o644)
        return
    if shutil.which("chattr") is None:
        pytest.skip("running as root without chattr: cannot make a read-only file")
    if subprocess.run(["chattr", "+i", str(path)], check=False).returncode != 0:
        pytest.skip("this filesystem does not support immutable files")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


# --------------------------------------------------------------------------- URLs


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("nonsense", "cannot be parsed"),
        ("foo://host/db", "unknown database kind 'foo'"),
        ("postgresql://user:s3cret-pw@localhost/talkwatch", "talkwatch-bot[postgres]"),
    ],
)
@pytest.mark.parametrize("command", ["feeds", "health", "run"])
def test_a_bad_database_url_is_one_line(
    tmp_path: Path, url: str, fragment: str, command: str
) -> None:
    args = [command, "--config", str(CONFIG)] + (["--once"] if command == "run" else [])
    result = bot(*args, cwd=tmp_path, env={"DATABASE_URL": url})
    assert result.returncode == 1
    assert "Traceback" not in result.stderr, result.stderr
    assert fragment in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert "s3cret-pw" not in result.stderr


def test_check_config_rejects_a_database_url_that_cannot_work(tmp_path: Path) -> None:
    result = bot(
        "check-config",
        "--config",
        str(CONFIG),
        cwd=tmp_path,
        env={"DATABASE_URL": "postgresql://u@localhost/db"},
    )
    assert result.returncode == 2 and "pip install 'talkwatch-bot[postgres]'" in result.stderr


# --------------------------------------------------------------------------- files


def _corrupt(db: Path) -> None:
    new_database(db)
    db.write_bytes(os.urandom(8192))


def _truncated(db: Path) -> None:
    new_database(db)
    con = sqlite3.connect(db)
    con.executescript(
        "PRAGMA journal_mode=DELETE; CREATE TABLE filler(x); "
        "INSERT INTO filler SELECT randomblob(1000) FROM "
        "(WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i<200) "
        "SELECT i FROM n);"
    )
    con.close()
    data = db.read_bytes()
    db.write_bytes(data[: len(data) // 3])


def _emptied(db: Path) -> None:
    new_database(db)
    db.write_bytes(b"")


def _deleted(db: Path) -> None:
    new_database(db)
    db.unlink()


def _replaced(db: Path) -> None:
    new_database(db)
    other = db.with_name("other.sqlite3")
    new_database(other)
    other.replace(db)


def _zero_length_never_used(db: Path) -> None:
    db.write_bytes(b"")


def _folder_is_a_file(db: Path) -> None:
    db.parent.rmdir()
    db.parent.write_text("not a folder", encoding="utf-8")


def _foreign_tables(db: Path) -> None:
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE notes(x)")
    con.close()


FAULTS: list[tuple[str, Callable[[Path], None], str]] = [
    ("corrupt", _corrupt, "is not a SQLite database"),
    ("truncated", _truncated, "is damaged"),
    ("emptied", _emptied, "is empty (0 bytes)"),
    ("zero-length", _zero_length_never_used, "is empty (0 bytes)"),
    ("deleted", _deleted, "is missing but"),
    ("replaced", _replaced, "is not the one used before"),
    ("path cannot be created", _folder_is_a_file, "cannot create"),
    ("someone else's database", _foreign_tables, "none of talkwatch's"),
]


@pytest.mark.parametrize(("fault", "make", "fragment"), FAULTS, ids=[f[0] for f in FAULTS])
def test_bot_run_refuses_a_broken_database_in_one_line(
    tmp_path: Path, fault: str, make: Callable[[Path], None], fragment: str
) -> None:
    db = tmp_path / "data" / "bot.sqlite3"
    db.parent.mkdir()
    make(db)
    size_before = db.stat().st_size if db.is_file() else None
    result = bot("run", "--once", "--config", str(CONFIG), "--db", str(db), cwd=tmp_path)
    one_clear_line(result, fragment)
    assert "Announced" not in result.stdout  # nothing ran on a fresh, empty database
    if size_before is not None:
        assert db.stat().st_size == size_before  # and nothing was written into it


def test_bot_run_refuses_a_read_only_database(tmp_path: Path) -> None:
    db = tmp_path / "bot.sqlite3"
    new_database(db)
    with read_only(db):
        result = bot("run", "--once", "--config", str(CONFIG), "--db", str(db), cwd=tmp_path)
        one_clear_line(result, "is read-only")
        # reading it is fine: the inspection commands never write
        feeds = bot("feeds", "--config", str(CONFIG), "--db", str(db), cwd=tmp_path)
        assert feeds.returncode == 0, feeds.stderr


def test_bot_init_is_the_explicit_way_back_after_a_loss(tmp_path: Path) -> None:
    db = tmp_path / "bot.sqlite3"
    _deleted(db)
    refused = bot("run", "--once", "--config", str(CONFIG), "--db", str(db), cwd=tmp_path)
    one_clear_line(refused, "bot init")
    init = bot("init", "--config", str(CONFIG), "--db", str(db), cwd=tmp_path)
    assert init.returncode == 0, init.stderr
    assert "instance" in init.stdout
    again = bot("run", "--once", "--config", str(CONFIG), "--db", str(db), cwd=tmp_path)
    assert again.returncode == 0, again.stderr


# --------------------------------------------------------------------------- read-only


@pytest.mark.parametrize("command", [["feeds"], ["health"], ["meeting", "1"]])
def test_inspection_commands_never_create_a_database(tmp_path: Path, command: list[str]) -> None:
    db = tmp_path / "nowhere" / "bot.sqlite3"
    result = bot(*command, "--config", str(CONFIG), "--db", str(db), cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "no database at" in result.stderr
    assert not db.parent.exists()


async def _old_schema(db: Path) -> None:
    database = Database(make_engine(f"sqlite+aiosqlite:///{db}"))
    await upgrade(database, "0002")
    await database.dispose()


@pytest.mark.parametrize("command", [["feeds"], ["health"], ["meeting", "1"]])
def test_inspection_commands_never_migrate(tmp_path: Path, command: list[str]) -> None:
    db = tmp_path / "bot.sqlite3"
    asyncio.run(_old_schema(db))
    before = db.read_bytes()
    result = bot(*command, "--config", str(CONFIG), "--db", str(db), cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "bot init" in result.stderr
    assert db.read_bytes() == before
    version = sqlite3.connect(db).execute("SELECT version_num FROM alembic_version").fetchone()
    assert version == ("0002",)


# --------------------------------------------------------------------------- location


def test_a_relative_database_path_lives_under_the_config_folder(tmp_path: Path) -> None:
    config = tmp_path / "config"
    shutil.copytree(CONFIG, config)
    (config / "settings.toml").write_text(
        '[general]\ndatabase = "state/bot.sqlite3"\n', encoding="utf-8"
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    run = bot("run", "--once", "--config", str(config), cwd=elsewhere)
    assert run.returncode == 0, run.stderr
    assert (config / "state" / "bot.sqlite3").is_file()
    assert list(elsewhere.iterdir()) == []
    # and a command run from yet another folder finds the same database
    feeds = bot("feeds", "--config", str(config), cwd=REPO / "docs")
    assert feeds.returncode == 0 and " ok" in feeds.stdout, feeds.stderr


# --------------------------------------------------------------------------- config, input


def test_a_watchlist_id_listed_twice_is_rejected(tmp_path: Path) -> None:
    config = tmp_path / "config"
    shutil.copytree(CONFIG, config)
    text = (config / "watchlist.yaml").read_text(encoding="utf-8")
    assert "\n  witkoff:\n" in text
    text = text.replace(
        "\nvenues:", "\n  witkoff:\n    name: Someone Else\n    aliases: [Else]\nvenues:", 1
    )
    (config / "watchlist.yaml").write_text(text, encoding="utf-8")
    result = bot("check-config", "--config", str(config), cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "watchlist.yaml" in result.stderr and "'witkoff' is listed twice" in result.stderr


def test_a_feed_id_listed_twice_is_rejected(tmp_path: Path) -> None:
    config = tmp_path / "config"
    shutil.copytree(CONFIG, config)
    feeds = (config / "feeds.toml").read_text(encoding="utf-8")
    (config / "feeds.toml").write_text(
        feeds + '\n[[feed]]\nid = "demo-en"\nurl = "demo/de.xml"\n', encoding="utf-8"
    )
    result = bot("check-config", "--config", str(config), cwd=tmp_path)
    assert result.returncode == 2 and "'demo-en'" in result.stderr


def test_extract_refuses_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    source = tmp_path / "latin1.jsonl"
    source.write_bytes('{"id": 1, "title": "Caf\xe9", "text": "x"}\n'.encode("latin-1"))
    result = bot(
        "extract",
        "--input",
        str(source),
        "--output",
        str(tmp_path / "out.jsonl"),
        "--config",
        str(CONFIG),
        cwd=tmp_path,
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "not UTF-8" in result.stderr and "latin1.jsonl" in result.stderr


def test_run_once_exits_non_zero_when_every_feed_failed(tmp_path: Path) -> None:
    config = tmp_path / "config"
    config.mkdir()
    shutil.copy(CONFIG / "watchlist.yaml", config)
    (config / "feeds.toml").write_text(NO_FEED_CONFIG_FEEDS, encoding="utf-8")
    result = bot("run", "--once", "--config", str(config), "--db", "bot.sqlite3", cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "every feed failed" in result.stderr
    health = bot(
        "health",
        "--config",
        str(config),
        "--db",
        "bot.sqlite3",
        cwd=tmp_path,
        env={"BOT_POLLING_FAILING_AFTER_ERRORS": "1"},
    )
    assert health.returncode == 1 and "every feed is failing" in health.stderr
    assert "warning: feed gone is failing" in health.stdout
