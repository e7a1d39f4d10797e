"""Meetings: running tallies of their reports, the status decider after each report, the
days and venues their reports named (once each), and indexes that serve the
upcoming-meeting queries without scanning (the expected-meetings index is by day).

``meetings.tally`` and ``reports.decider_after`` start empty: a meeting's are built from
its reports the first time a new report reaches it.

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "meeting_report_values",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("value", sa.String(length=128), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_meeting_report_values_meeting_id_meetings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "meeting_id", "kind", "value", name=op.f("pk_meeting_report_values")
        ),
    )
    with op.batch_alter_table("meeting_report_values") as batch:
        batch.create_index(
            batch.f("ix_meeting_report_values_kind_value"), ["kind", "value"], unique=False
        )
    op.execute(
        "INSERT INTO meeting_report_values (meeting_id, kind, value) "
        "SELECT DISTINCT meeting_id, 'day', CAST(date AS VARCHAR(10)) FROM reports "
        "WHERE date IS NOT NULL"
    )
    op.execute(
        "INSERT INTO meeting_report_values (meeting_id, kind, value) "
        "SELECT DISTINCT meeting_id, 'venue', venue FROM reports WHERE venue IS NOT NULL"
    )
    with op.batch_alter_table("meetings") as batch:
        batch.add_column(sa.Column("tally", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("report_count", sa.Integer(), nullable=True))
        # replaced: with it SQLite sorted every meeting still ahead to find the first
        batch.drop_index(batch.f("ix_meetings_expected_last_day"))
        batch.create_index(
            batch.f("ix_meetings_expected_date_last_published"),
            ["expected", "date", "last_published"],
            unique=False,
        )
    with op.batch_alter_table("reports") as batch:
        batch.add_column(sa.Column("decider_after", sa.JSON(), nullable=True))
        batch.create_index(
            batch.f("ix_reports_meeting_id_source_published_received_at_id"),
            ["meeting_id", "source_published", "received_at", "id"],
            unique=False,
        )
    with op.batch_alter_table("meeting_entities") as batch:
        batch.add_column(sa.Column("expected", sa.Boolean(), nullable=True))
        batch.add_column(sa.Column("date", sa.Date(), nullable=True))
        batch.add_column(sa.Column("last_day", sa.Date(), nullable=True))
        batch.create_index(
            batch.f("ix_meeting_entities_entity_id_expected_date_meeting_id"),
            ["entity_id", "expected", "date", "meeting_id"],
            unique=False,
        )
    op.execute(
        "UPDATE meetings SET report_count = "
        "(SELECT count(*) FROM reports WHERE reports.meeting_id = meetings.id)"
    )
    for column in ("expected", "date", "last_day"):
        op.execute(
            f"UPDATE meeting_entities SET {column} = (SELECT meetings.{column} FROM meetings "
            "WHERE meetings.id = meeting_entities.meeting_id)"
        )


def downgrade() -> None:
    # Plain ALTER TABLE ... DROP COLUMN (SQLite >= 3.35): a batch copy of ``meetings``
    # would drop the old table and cascade to every report, entity and change.
    op.drop_index(op.f("ix_meeting_entities_entity_id_expected_date_meeting_id"))
    for column in ("last_day", "date", "expected"):
        op.drop_column("meeting_entities", column)
    op.drop_index(op.f("ix_reports_meeting_id_source_published_received_at_id"))
    op.drop_column("reports", "decider_after")
    op.drop_index(op.f("ix_meetings_expected_date_last_published"))
    op.create_index(op.f("ix_meetings_expected_last_day"), "meetings", ["expected", "last_day"])
    op.drop_column("meetings", "tally")
    op.drop_column("meetings", "report_count")
    op.drop_index(op.f("ix_meeting_report_values_kind_value"))
    op.drop_table("meeting_report_values")
