"""Outbox and inbox tables of the sample service used by the runtime's tests.

Revision ID: 0001
"""

from alembic import op

from matjip_platform.migrations import create_messaging_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_messaging_tables(op.get_bind())
