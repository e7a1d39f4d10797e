"""Outbox: a lease token per claimed row, so a sender that lost a row's lease can tell.

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("lease_token", sa.String(length=64), nullable=True))


def downgrade() -> None:
    # rows parked as undelivered go back to the state the old code gave them
    op.execute("UPDATE outbox SET state = 'dead' WHERE state = 'undelivered'")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("lease_token")
