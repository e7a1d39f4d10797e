"""Initial schema: feeds, items, meetings, reports, changes, subscriptions, outbox.

Revision ID: 0001
Revises:
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    _create_feeds()
    _create_items()
    _create_meetings()
    _create_processed_updates()
    _create_sent_messages()
    _create_subscriptions()
    _create_changes()
    _create_meeting_entities()
    _create_reports()
    _create_outbox()


def _create_feeds() -> None:
    """The feeds table and its indexes."""
    op.create_table(
        "feeds",
        sa.Column("feed_id", sa.String(length=64), nullable=False),
        sa.Column("etag", sa.Text(), nullable=True),
        sa.Column("last_modified", sa.Text(), nullable=True),
        sa.Column("body_hash", sa.String(length=128), nullable=True),
        sa.Column("last_fetch_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_status", sa.Integer(), nullable=True),
        sa.Column("items_seen", sa.Integer(), nullable=False),
        sa.Column("consecutive_errors", sa.Integer(), nullable=False),
        sa.Column("next_poll_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("failing_reported", sa.Boolean(), nullable=False),
        sa.Column("moved_to", sa.Text(), nullable=True),
        sa.Column("moved_count", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("feed_id", name=op.f("pk_feeds")),
    )


def _create_items() -> None:
    """The items table and its indexes."""
    op.create_table(
        "items",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("feed_id", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=512), nullable=False),
        sa.Column("link_key", sa.String(length=128), nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("link", sa.Text(), nullable=True),
        sa.Column("outlet", sa.Text(), nullable=True),
        sa.Column("lang", sa.String(length=16), nullable=True),
        sa.Column("published", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("alerted", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_items")),
        sa.UniqueConstraint("feed_id", "key", name=op.f("uq_items_feed_id_key")),
    )
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_items_link_key"), ["link_key"], unique=False)


def _create_meetings() -> None:
    """The meetings table and its indexes."""
    op.create_table(
        "meetings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("venue", sa.String(length=128), nullable=True),
        sa.Column("date", sa.Date(), nullable=True),
        sa.Column("date_end", sa.Date(), nullable=True),
        sa.Column("last_day", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("tentative", sa.Boolean(), nullable=False),
        sa.Column("presumed_held", sa.Boolean(), nullable=False),
        sa.Column("expected", sa.Boolean(), nullable=False),
        sa.Column("previous_date", sa.Date(), nullable=True),
        sa.Column("previous_venue", sa.String(length=128), nullable=True),
        sa.Column("participants", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_published", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meetings")),
    )
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_meetings_expected_last_day"), ["expected", "last_day"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_meetings_last_published"), ["last_published"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_meetings_venue"), ["venue"], unique=False)


def _create_processed_updates() -> None:
    """The processed_updates table and its indexes."""
    op.create_table(
        "processed_updates",
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("update_id", sa.String(length=128), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("platform", "update_id", name=op.f("pk_processed_updates")),
    )
    with op.batch_alter_table("processed_updates", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_processed_updates_processed_at"), ["processed_at"], unique=False
        )


def _create_sent_messages() -> None:
    """The sent_messages table and its indexes."""
    op.create_table(
        "sent_messages",
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("chat_id", sa.String(length=128), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(length=128), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("platform", "chat_id", "meeting_id", name=op.f("pk_sent_messages")),
    )


def _create_subscriptions() -> None:
    """The subscriptions table and its indexes."""
    op.create_table(
        "subscriptions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("chat_id", sa.String(length=128), nullable=False),
        sa.Column("entity_ids", sa.JSON(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("deactivated_reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscriptions")),
        sa.UniqueConstraint("platform", "chat_id", name=op.f("uq_subscriptions_platform_chat_id")),
    )
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_subscriptions_active"), ["active"], unique=False)


def _create_changes() -> None:
    """The changes table and its indexes."""
    op.create_table(
        "changes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("source_link", sa.Text(), nullable=True),
        sa.Column("source_outlet", sa.Text(), nullable=True),
        sa.Column("source_lang", sa.String(length=16), nullable=True),
        sa.Column("source_published", sa.DateTime(timezone=True), nullable=True),
        sa.Column("source_evidence", sa.Text(), nullable=True),
        sa.Column("source_item_key", sa.String(length=512), nullable=True),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_changes_meeting_id_meetings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_changes")),
    )
    with op.batch_alter_table("changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_changes_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_changes_meeting_id"), ["meeting_id"], unique=False)


def _create_meeting_entities() -> None:
    """The meeting_entities table and its indexes."""
    op.create_table(
        "meeting_entities",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("entity_id", sa.String(length=128), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_meeting_entities_meeting_id_meetings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("meeting_id", "entity_id", name=op.f("pk_meeting_entities")),
    )
    with op.batch_alter_table("meeting_entities", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_meeting_entities_entity_id"), ["entity_id"], unique=False
        )


def _create_reports() -> None:
    """The reports table and its indexes."""
    op.create_table(
        "reports",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.Column("venue", sa.String(length=128), nullable=True),
        sa.Column("date", sa.Date(), nullable=True),
        sa.Column("date_end", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("tentative", sa.Boolean(), nullable=False),
        sa.Column("official", sa.Boolean(), nullable=False),
        sa.Column("participants", sa.JSON(), nullable=False),
        sa.Column("previous_date", sa.Date(), nullable=True),
        sa.Column("previous_venue", sa.String(length=128), nullable=True),
        sa.Column("when_text", sa.Text(), nullable=True),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("source_link", sa.Text(), nullable=True),
        sa.Column("source_outlet", sa.Text(), nullable=True),
        sa.Column("source_lang", sa.String(length=16), nullable=False),
        sa.Column("source_published", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source_item_key", sa.String(length=512), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"], ["items.id"], name=op.f("fk_reports_item_id_items"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_reports_meeting_id_meetings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reports")),
    )
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reports_date"), ["date"], unique=False)
        batch_op.create_index(batch_op.f("ix_reports_meeting_id"), ["meeting_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_reports_previous_date"), ["previous_date"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_reports_venue"), ["venue"], unique=False)


def _create_outbox() -> None:
    """The outbox table and its indexes."""
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("idem_key", sa.String(length=256), nullable=False),
        sa.Column("change_id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("chat_id", sa.String(length=128), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("sent_message_id", sa.String(length=128), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["change_id"],
            ["changes.id"],
            name=op.f("fk_outbox_change_id_changes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("idem_key", name=op.f("uq_outbox_idem_key")),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_outbox_platform_chat_id_id"), ["platform", "chat_id", "id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_outbox_platform_state_next_attempt_at"),
            ["platform", "state", "next_attempt_at"],
            unique=False,
        )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_platform_state_next_attempt_at"))
        batch_op.drop_index(batch_op.f("ix_outbox_platform_chat_id_id"))

    op.drop_table("outbox")
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reports_venue"))
        batch_op.drop_index(batch_op.f("ix_reports_previous_date"))
        batch_op.drop_index(batch_op.f("ix_reports_meeting_id"))
        batch_op.drop_index(batch_op.f("ix_reports_date"))

    op.drop_table("reports")
    with op.batch_alter_table("meeting_entities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meeting_entities_entity_id"))

    op.drop_table("meeting_entities")
    with op.batch_alter_table("changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_changes_meeting_id"))
        batch_op.drop_index(batch_op.f("ix_changes_at"))

    op.drop_table("changes")
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_subscriptions_active"))

    op.drop_table("subscriptions")
    op.drop_table("sent_messages")
    with op.batch_alter_table("processed_updates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_processed_updates_processed_at"))

    op.drop_table("processed_updates")
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meetings_venue"))
        batch_op.drop_index(batch_op.f("ix_meetings_last_published"))
        batch_op.drop_index(batch_op.f("ix_meetings_expected_last_day"))

    op.drop_table("meetings")
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_items_link_key"))

    op.drop_table("items")
    op.drop_table("feeds")
