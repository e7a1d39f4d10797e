"""``bot init``: create the database deliberately (or bring its schema up to date).

``bot run`` creates a database by itself only on a first start. When a database was
lost, emptied or replaced it refuses to start; ``bot init`` is the explicit choice to
begin again with a new, empty one (or to adopt the file that is there now).
"""

from __future__ import annotations

import argparse

from bot.cli.common import add_config_option, add_db_option, database_url, load_config_or_exit


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "init",
        help="create the database, or upgrade its schema (explicitly)",
        description=(
            "Create a new, empty database where none is (also after one was lost: this "
            "is the explicit choice to start again), or bring an existing one's schema "
            "up to date and record it as this bot's database."
        ),
    )
    add_config_option(parser)
    add_db_option(parser)
    parser.set_defaults(func=run)


async def run(args: argparse.Namespace) -> int:
    from bot.store import OpenMode, Store
    from bot.store.errors import redacted_url

    config = load_config_or_exit(args)
    url = database_url(config, args.db)
    store, identity = await Store.open_checked(url, OpenMode.INIT)
    await store.close()
    print(
        f"database {redacted_url(url)}: schema {identity.revision}, instance {identity.instance_id}"
    )
    return 0
