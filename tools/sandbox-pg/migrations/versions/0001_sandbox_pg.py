"""The sandbox PG's charges, stored answers per Idempotency-Key, scenarios, confirm attempts and faults.

Revision ID: 0001
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None
backward_compatible = True


def upgrade() -> None:
    op.create_table(
        "charges",
        sa.Column("payment_key", sa.String(200), primary_key=True),
        sa.Column("order_id", sa.String(64), nullable=False),
        sa.Column("customer_id", sa.Uuid, nullable=True),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("confirm_idempotency_key", sa.String(300), nullable=True),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("canceled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancel_reason", sa.String(200), nullable=True),
    )
    op.create_index("ix_charges_order_id", "charges", ["order_id"])
    op.create_index("charges_by_time", "charges", ["approved_at", "payment_key"])
    op.create_table(
        "idempotency_keys",
        sa.Column("idempotency_key", sa.String(300), primary_key=True),
        sa.Column("operation", sa.String(20), nullable=False),
        sa.Column("status_code", sa.Integer, nullable=False),
        sa.Column("body", JSONB, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.create_table(
        "scenarios",
        sa.Column("customer_id", sa.Uuid, primary_key=True),
        sa.Column("behaviour", sa.String(40), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.create_table(
        "confirm_attempts",
        sa.Column("order_id", sa.String(64), primary_key=True),
        sa.Column("attempts", sa.Integer, nullable=False),
    )
    op.create_table(
        "faults",
        sa.Column("id", sa.SmallInteger, primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("delay_seconds", sa.Float, nullable=True),
        sa.Column("until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("id = 1", name="faults_single_row"),
    )


def downgrade() -> None:
    for table in ("faults", "confirm_attempts", "scenarios", "idempotency_keys", "charges"):
        op.drop_table(table)
