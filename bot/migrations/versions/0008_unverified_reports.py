"""Reports remember whether the bot understood their article's language; a meeting known
only from such reports is unverified.

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("reports") as batch:
        batch.add_column(
            sa.Column("understood", sa.Boolean(), nullable=False, server_default=sa.true())
        )
    with op.batch_alter_table("meetings") as batch:
        batch.add_column(
            sa.Column("unverified", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("meetings") as batch:
        batch.drop_column("unverified")
    with op.batch_alter_table("reports") as batch:
        batch.drop_column("understood")
