"""The days meetings moved from, as named by their reports (once each), so a report
moved from a day finds the meeting that records that day without reading its reports.

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        "INSERT INTO meeting_report_values (meeting_id, kind, value) "
        "SELECT DISTINCT meeting_id, 'from-day', CAST(previous_date AS VARCHAR(10)) "
        "FROM reports WHERE previous_date IS NOT NULL"
    )


def downgrade() -> None:
    op.execute("DELETE FROM meeting_report_values WHERE kind = 'from-day'")
