"""Notifications per recipient, their sequences, store owners, pending owner notifications, order summaries.

Revision ID: 0002
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notifications",
        sa.Column("recipient_id", sa.Uuid, nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("kind", sa.String(60), nullable=False),
        sa.Column("order_id", sa.Uuid, nullable=False),
        sa.Column("dedup_key", sa.String(200), nullable=False),
        sa.Column("payload", JSONB, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.PrimaryKeyConstraint("recipient_id", "seq"),
        sa.UniqueConstraint("recipient_id", "dedup_key", name="notifications_once_per_recipient"),
    )
    op.create_table(
        "recipient_sequences",
        sa.Column("recipient_id", sa.Uuid, primary_key=True),
        sa.Column("last_seq", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "store_owners",
        sa.Column("store_id", sa.Uuid, primary_key=True),
        sa.Column("owner_id", sa.Uuid, nullable=False),
        sa.Column("revision", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "pending_owner_notifications",
        sa.Column("id", sa.BigInteger, sa.Identity(always=True), primary_key=True),
        sa.Column("store_id", sa.Uuid, nullable=False),
        sa.Column("kind", sa.String(60), nullable=False),
        sa.Column("order_id", sa.Uuid, nullable=False),
        sa.Column("dedup_key", sa.String(200), nullable=False),
        sa.Column("payload", JSONB, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.UniqueConstraint("store_id", "dedup_key", name="pending_owner_notifications_once"),
    )
    op.create_index("pending_owner_notifications_by_store", "pending_owner_notifications", ["store_id", "id"])
    op.create_table(
        "order_summaries",
        sa.Column("order_id", sa.Uuid, primary_key=True),
        sa.Column("customer_id", sa.Uuid, nullable=False),
        sa.Column("store_id", sa.Uuid, nullable=False),
        sa.Column("total_amount", sa.BigInteger, nullable=False),
        sa.Column("lines", JSONB, nullable=False),
    )


def downgrade() -> None:
    for table in (
        "order_summaries",
        "pending_owner_notifications",
        "store_owners",
        "recipient_sequences",
        "notifications",
    ):
        op.drop_table(table)
