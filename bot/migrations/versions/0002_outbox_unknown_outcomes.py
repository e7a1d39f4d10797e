"""Outbox: count sends whose outcome is unknown, including a crash mid-send.

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(
            sa.Column("unknown_outcomes", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("attempt_started_at", sa.DateTime(timezone=True), nullable=True))
    # rows already waiting after one unknown outcome keep that count
    op.execute("UPDATE outbox SET unknown_outcomes = 1 WHERE state = 'uncertain'")


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("attempt_started_at")
        batch.drop_column("unknown_outcomes")
