"""``bot outbox``: the alerts waiting to go out, and those that need a person.

An alert is parked as *undelivered* when two sends of it got no answer at all: each may
have arrived, or neither. It is not sent a third time on its own; check the chat, and if
the alert is not there, ``bot outbox --resend ID`` sends it again.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from bot.cli.common import add_config_option, add_db_option, database_url, load_config_or_exit
from bot.ports import DeliveryState

if TYPE_CHECKING:
    from bot.store.outbox import OutboxRow

UNFINISHED = (
    DeliveryState.PENDING,
    DeliveryState.SENDING,
    DeliveryState.RETRY,
    DeliveryState.UNCERTAIN,
)
NEEDS_ATTENTION = (DeliveryState.UNDELIVERED, DeliveryState.DEAD)
DEFAULT_STATES = (*NEEDS_ATTENTION, *UNFINISHED)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "outbox",
        help="list alerts waiting to be sent and those that need attention",
        description=(
            "List outbox rows, newest first: by default the alerts still waiting and those "
            "that need attention (undelivered: two sends got no answer, so it may or may "
            "not have arrived; dead: gave up after errors)."
        ),
    )
    add_config_option(parser)
    add_db_option(parser)
    parser.add_argument(
        "--state",
        action="append",
        choices=[s.value for s in DeliveryState],
        help="only rows in this state (repeatable)",
    )
    parser.add_argument("--all", action="store_true", help="every row, sent ones included")
    parser.add_argument(
        "--limit", type=_positive_int, default=50, help="at most this many rows (default 50)"
    )
    parser.add_argument(
        "--resend",
        metavar="ID",
        type=_positive_int,
        help="send an undelivered alert again (after checking the chat did not get it)",
    )
    parser.set_defaults(func=run)


def _positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {value!r}") from None
    if number <= 0:
        raise argparse.ArgumentTypeError("must be greater than 0")
    return number


def attention_line(counts: dict[str, int]) -> str | None:
    """The one line that says alerts need a person, or None when none do."""
    undelivered = counts.get(DeliveryState.UNDELIVERED.value, 0)
    if not undelivered:
        return None
    return (
        f"{undelivered} alert(s) undelivered, need attention: two sends got no answer, so "
        "they may not have arrived; see `bot outbox --state undelivered`"
    )


def format_rows(rows: Sequence[OutboxRow]) -> list[str]:
    header = ("id", "state", "platform", "chat", "meeting", "change", "tries", "unknown",
              "next attempt (UTC)", "last error")  # fmt: skip
    table: list[tuple[str, ...]] = [header]
    for row in rows:
        table.append(
            (
                str(row.id),
                row.state,
                row.platform,
                row.chat_id,
                f"#{row.meeting_id}",
                row.kind,
                str(row.attempts),
                str(row.unknown_outcomes),
                row.next_attempt_at.strftime("%Y-%m-%d %H:%M:%S"),
                (row.last_error or "").replace("\n", " ")[:100],
            )
        )
    widths = [max(len(r[i]) for r in table) for i in range(len(header) - 1)]
    return [
        "  ".join([*(c.ljust(w) for c, w in zip(r[:-1], widths, strict=True)), r[-1]])
        for r in table
    ]


async def run(args: argparse.Namespace) -> int:
    config = load_config_or_exit(args)
    from bot.store import Store

    store = await Store.open(database_url(config, args.db))
    try:
        if args.resend is not None:
            if not await store.outbox.resend_undelivered(args.resend, datetime.now(UTC)):
                print(
                    f"outbox row {args.resend} is not undelivered; "
                    "list them with `bot outbox --state undelivered`",
                    file=sys.stderr,
                )
                return 1
            print(f"outbox row {args.resend} will be sent again by `bot run`")
            return 0
        states = None if args.all else (args.state or [s.value for s in DEFAULT_STATES])
        rows = await store.outbox.listing(states, args.limit)
        counts = await store.outbox.counts()
    finally:
        await store.close()
    print("outbox: " + (", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "empty"))
    line = attention_line(counts)
    if line:
        print(line)
    if rows:
        for text in format_rows(rows):
            print(text)
    return 0
