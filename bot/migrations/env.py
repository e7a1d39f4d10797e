"""Alembic environment.

The bot runs migrations itself at start-up (``bot.store.migrate.upgrade``), handing a
live connection in ``config.attributes["connection"]``. Run by hand, it reads
``sqlalchemy.url`` (a synchronous URL) from ``alembic.ini`` or ``-x url=...``.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

from bot.store.schema import metadata

config = context.config


def _url() -> str:
    x = context.get_x_argument(as_dictionary=True)
    url = x.get("url") or config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no database URL: pass -x url=sqlite:///path/to/db")
    return url.replace("+aiosqlite", "").replace("+asyncpg", "+psycopg")


def run_offline() -> None:
    context.configure(
        url=_url(), target_metadata=metadata, literal_binds=True, render_as_batch=True
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(_url(), poolclass=pool.NullPool)
    with engine.connect() as conn:
        context.configure(connection=conn, target_metadata=metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
