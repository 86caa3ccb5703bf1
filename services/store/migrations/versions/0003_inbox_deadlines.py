"""Inbox entries that wait for an answer, by deadline: the expiry task finds the earliest without a scan.

An index only, so the previous release runs on this schema unchanged (expand/contract).

Revision ID: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None
backward_compatible = True


def upgrade() -> None:
    op.create_index(
        "inbox_entries_pending_deadline",
        "inbox_entries",
        ["accept_by"],
        postgresql_where=sa.text("status = 'PENDING'"),
    )


def downgrade() -> None:
    op.drop_index("inbox_entries_pending_deadline", "inbox_entries")
