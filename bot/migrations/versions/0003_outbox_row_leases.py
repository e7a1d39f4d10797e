"""Outbox: a lease token per claimed row, so a sender that lost a row's lease can tell.

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
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
