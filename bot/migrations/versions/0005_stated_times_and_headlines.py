"""Meetings and reports keep a stated time of day, a vague period, and the headline of
the article each report came from.

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TIME_COLUMNS = ("time_of_day", "time_zone", "period_label", "period_start", "period_end")


def _time_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("time_of_day", sa.String(5), nullable=True),
        sa.Column("time_zone", sa.String(64), nullable=True),
        sa.Column("period_label", sa.Text(), nullable=True),
        sa.Column("period_start", sa.Date(), nullable=True),
        sa.Column("period_end", sa.Date(), nullable=True),
    ]


def upgrade() -> None:
    with op.batch_alter_table("meetings") as batch:
        for column in _time_columns():
            batch.add_column(column)
    with op.batch_alter_table("reports") as batch:
        for column in _time_columns():
            batch.add_column(column)
        batch.add_column(sa.Column("source_title", sa.Text(), nullable=True))
    with op.batch_alter_table("changes") as batch:
        batch.add_column(sa.Column("source_title", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("changes") as batch:
        batch.drop_column("source_title")
    with op.batch_alter_table("reports") as batch:
        batch.drop_column("source_title")
        for name in _TIME_COLUMNS:
            batch.drop_column(name)
    with op.batch_alter_table("meetings") as batch:
        for name in _TIME_COLUMNS:
            batch.drop_column(name)
