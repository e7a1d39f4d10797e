"""Table definitions (SQLAlchemy Core). Alembic migrations in ``bot/migrations`` own the
schema in the database; this module describes it for queries and must stay in step.

Times are stored in UTC (naive in SQLite, ``timestamptz`` in PostgreSQL) through
:class:`UTCDateTime`, which hands back timezone-aware datetimes.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out; naive ones are refused."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, datetime) or value.tzinfo is None:
            raise ValueError(f"timezone-aware datetime required, got {value!r}")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

feeds = Table(
    "feeds",
    metadata,
    Column("feed_id", String(64), primary_key=True),
    Column("etag", Text),
    Column("last_modified", Text),
    Column("body_hash", String(128)),
    Column("last_fetch_at", UTCDateTime),
    Column("last_status", Integer),
    Column("items_seen", Integer, nullable=False, default=0),
    Column("consecutive_errors", Integer, nullable=False, default=0),
    Column("next_poll_at", UTCDateTime),
    Column("last_error", Text),
    Column("failing_reported", Boolean, nullable=False, default=False),
    Column("moved_to", Text),
    Column("moved_count", Integer, nullable=False, default=0),
    Column("first_fetch_at", UTCDateTime),
    Column("updated_at", UTCDateTime),
)

items = Table(
    "items",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("feed_id", String(64), nullable=False),
    Column("key", String(512), nullable=False),
    Column("link_key", String(128)),
    Column("title", Text, nullable=False, default=""),
    Column("link", Text),
    Column("outlet", Text),
    Column("lang", String(16)),
    Column("published", UTCDateTime, nullable=False),
    Column("seen_at", UTCDateTime, nullable=False),
    Column("alerted", Boolean, nullable=False, default=True),
    # hash of the normalised title and text (NULL for rows older than migration 0003)
    Column("content_hash", String(64)),
    UniqueConstraint("feed_id", "key"),
    Index(None, "link_key"),
)

meetings = Table(
    "meetings",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("venue", String(128)),
    Column("date", Date),
    Column("date_end", Date),
    Column("last_day", Date),  # date_end or date: what "still ahead" compares
    Column("status", String(16), nullable=False),
    Column("tentative", Boolean, nullable=False),
    Column("presumed_held", Boolean, nullable=False, default=False),
    Column("unverified", Boolean, nullable=False, default=False),
    Column("expected", Boolean, nullable=False),  # a plan not presumed held
    Column("previous_date", Date),
    Column("previous_venue", String(128)),
    Column("participants", JSON, nullable=False),
    Column("time_of_day", String(5)),  # "10:00" as the article stated it
    Column("time_zone", String(64)),  # IANA name, or "local" (the venue's)
    Column("period_label", Text),  # a vague time while no day is known: "mid-December"
    Column("period_start", Date),
    Column("period_end", Date),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("last_published", UTCDateTime, nullable=False),
    # running tallies of the reports (bot.timeline.tally), so a new report needs no other report
    Column("tally", JSON),
    # how many reports: the next meeting of a day is the most reported one
    Column("report_count", Integer),
    # upcoming meetings in day order; undated ones newest first (date IS NULL)
    Index(None, "expected", "date", "last_published"),
    Index(None, "venue"),
    Index(None, "last_published"),
)

# Who and where a meeting concerns now (participants + venue), for filtered queries.
meeting_entities = Table(
    "meeting_entities",
    metadata,
    Column(
        "meeting_id",
        Integer,
        ForeignKey("meetings.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("entity_id", String(128), primary_key=True),
    # the meeting's columns that upcoming-meeting queries filter and order by, mirrored
    # so a query for one actor or venue walks that entity's upcoming meetings in order
    Column("expected", Boolean),
    Column("date", Date),
    Column("last_day", Date),
    Index(None, "entity_id"),
    Index(None, "entity_id", "expected", "date", "meeting_id"),
)

# The days (start days) and venues a meeting's reports have named, once each: finding
# candidate meetings by them reads one row per value, not one per report.
meeting_report_values = Table(
    "meeting_report_values",
    metadata,
    Column(
        "meeting_id",
        Integer,
        ForeignKey("meetings.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    # "day" (ISO date), "venue" or "from-day" (ISO date: where a report says it moved from)
    Column("kind", String(8), primary_key=True),
    Column("value", String(128), primary_key=True),
    Index(None, "kind", "value"),
)

reports = Table(
    "reports",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("meeting_id", Integer, ForeignKey("meetings.id", ondelete="CASCADE"), nullable=False),
    Column("item_id", Integer, ForeignKey("items.id", ondelete="SET NULL")),
    Column("venue", String(128)),
    Column("date", Date),
    Column("date_end", Date),
    Column("status", String(16), nullable=False),
    Column("tentative", Boolean, nullable=False),
    Column("official", Boolean, nullable=False, default=False),
    Column("understood", Boolean, nullable=False, default=True),
    Column("participants", JSON, nullable=False),
    Column("previous_date", Date),
    Column("previous_venue", String(128)),
    Column("when_text", Text),
    Column("time_of_day", String(5)),
    Column("time_zone", String(64)),
    Column("period_label", Text),
    Column("period_start", Date),
    Column("period_end", Date),
    Column("evidence", Text, nullable=False, default=""),
    Column("source_link", Text),
    Column("source_outlet", Text),
    Column("source_lang", String(16), nullable=False),
    Column("source_published", UTCDateTime, nullable=False),
    Column("source_item_key", String(512), nullable=False, default=""),
    Column("source_title", Text),
    Column("received_at", UTCDateTime, nullable=False),
    # the status decider after this report, reading the meeting's reports in order
    # (bot.timeline.state.Content as JSON): a late report re-reads only the reports after it
    Column("decider_after", JSON),
    Index(None, "meeting_id"),
    Index(None, "meeting_id", "source_published", "received_at", "id"),
    Index(None, "venue"),
    Index(None, "date"),
    Index(None, "previous_date"),
)

changes = Table(
    "changes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("meeting_id", Integer, ForeignKey("meetings.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("before", JSON),
    Column("after", JSON, nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("reason", Text, nullable=False, default=""),
    Column("source_link", Text),
    Column("source_outlet", Text),
    Column("source_lang", String(16)),
    Column("source_published", UTCDateTime),
    Column("source_evidence", Text),
    Column("source_item_key", String(512)),
    Column("source_title", Text),
    Index(None, "at"),
    Index(None, "meeting_id"),
)

subscriptions = Table(
    "subscriptions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("platform", String(32), nullable=False),  # free text: telegram, slack, console...
    Column("chat_id", String(128), nullable=False),
    Column("entity_ids", JSON, nullable=False),  # sorted list; empty = everything
    Column("timezone", String(64), nullable=False, default="UTC"),
    Column("active", Boolean, nullable=False, default=True),
    Column("deactivated_reason", Text),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("platform", "chat_id"),
    Index(None, "active"),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("idem_key", String(256), nullable=False, unique=True),
    Column("change_id", Integer, ForeignKey("changes.id", ondelete="CASCADE"), nullable=False),
    Column("platform", String(32), nullable=False),
    Column("chat_id", String(128), nullable=False),
    Column("state", String(20), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("lease_until", UTCDateTime),
    Column("last_error", Text),
    Column("sent_message_id", String(128)),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    # sends whose outcome is unknown (timeout after leaving, crash mid-send): 0, 1 or 2
    Column("unknown_outcomes", Integer, nullable=False, default=0, server_default="0"),
    # set just before a send leaves, cleared by its outcome: still set after a crash
    Column("attempt_started_at", UTCDateTime),
    # who holds the lease: set by each claim; a send goes out only while it still matches
    Column("lease_token", String(64)),
    # the claim's index: due rows of a platform and state in due order (O(batch) reads);
    # a leased row's next_attempt_at is its lease's end
    Index(None, "platform", "state", "next_attempt_at", "id"),
    Index(None, "platform", "chat_id", "id"),
    # "is an earlier row of this chat unfinished?" without reading the chat's history
    Index(None, "platform", "chat_id", "state", "id"),
)

sent_messages = Table(
    "sent_messages",
    metadata,
    Column("platform", String(32), primary_key=True),
    Column("chat_id", String(128), primary_key=True),
    Column("meeting_id", Integer, primary_key=True),
    Column("message_id", String(128), nullable=False),
    Column("sent_at", UTCDateTime, nullable=False),
)

processed_updates = Table(
    "processed_updates",
    metadata,
    Column("platform", String(32), primary_key=True),
    Column("update_id", String(128), primary_key=True),
    Column("processed_at", UTCDateTime, nullable=False),
    Index(None, "processed_at"),
)

# One row: this database's identity, checked at start and while running so a missing,
# emptied or replaced database is noticed instead of silently started afresh.
store_identity = Table(
    "store_identity",
    metadata,
    Column("instance_id", String(64), primary_key=True),
    Column("created_at", UTCDateTime, nullable=False),
)

# What the running bot last knew about itself (heartbeat, each chat connection), for
# `bot health` in another process.
runtime_status = Table(
    "runtime_status",
    metadata,
    Column("component", String(64), primary_key=True),
    Column("ok", Boolean, nullable=False),
    Column("detail", Text, nullable=False, default=""),
    Column("updated_at", UTCDateTime, nullable=False),
)
