"""Database identity (an instance id) and the running bot's status rows.

Revision ID: 0006
Revises: 0005
"""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    identity = op.create_table(
        "store_identity",
        sa.Column("instance_id", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("instance_id", name="pk_store_identity"),
    )
    # naive UTC, as the store keeps every time in SQLite
    created = datetime.now(UTC).replace(tzinfo=None)
    op.bulk_insert(identity, [{"instance_id": uuid.uuid4().hex, "created_at": created}])
    op.create_table(
        "runtime_status",
        sa.Column("component", sa.String(64), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False, server_default=""),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("component", name="pk_runtime_status"),
    )


def downgrade() -> None:
    op.drop_table("runtime_status")
    op.drop_table("store_identity")
