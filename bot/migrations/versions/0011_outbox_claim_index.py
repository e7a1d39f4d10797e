"""Outbox: indexes that serve a claim in O(batch) reads.

The due index gains ``id`` (due rows of one platform and state are read in due order, no
sort); a second index answers "is an earlier row of this chat unfinished?" by state,
without reading the chat's sent history. A leased row's ``next_attempt_at`` is from now
on its lease's end (set by each claim), so an expired lease is found by the same index.

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_index(batch.f("ix_outbox_platform_state_next_attempt_at"))
        batch.create_index(
            batch.f("ix_outbox_platform_state_next_attempt_at_id"),
            ["platform", "state", "next_attempt_at", "id"],
        )
        batch.create_index(
            batch.f("ix_outbox_platform_chat_id_state_id"), ["platform", "chat_id", "state", "id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_index(batch.f("ix_outbox_platform_chat_id_state_id"))
        batch.drop_index(batch.f("ix_outbox_platform_state_next_attempt_at_id"))
        batch.create_index(
            batch.f("ix_outbox_platform_state_next_attempt_at"),
            ["platform", "state", "next_attempt_at"],
        )
