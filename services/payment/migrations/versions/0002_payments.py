"""Payment intents, refund requests, the order-state read model and the sandbox PG's tables.

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
        "payment_intents",
        sa.Column("payment_id", sa.Uuid, primary_key=True),
        sa.Column("order_id", sa.Uuid, nullable=False, unique=True),
        sa.Column("customer_id", sa.Uuid, nullable=True),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("payment_key", sa.String(200), nullable=True),
        sa.Column("failure_reason", sa.String(100), nullable=True),
        sa.Column("failure_code", sa.String(100), nullable=True),
        sa.Column("failure_detail", sa.Text, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("authorized_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("refunded_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index(
        "payment_intents_listing", "payment_intents", [sa.text("created_at DESC"), sa.text("payment_id DESC")]
    )
    op.create_table(
        "refund_requests",
        sa.Column("order_id", sa.Uuid, primary_key=True),
        sa.Column("reason", sa.String(200), nullable=False),
        sa.Column("outcome", sa.String(30), nullable=False),
        sa.Column("detail", sa.Text, nullable=True),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.create_table(
        "order_states",
        sa.Column("order_id", sa.Uuid, primary_key=True),
        sa.Column("customer_id", sa.Uuid, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("order_states_status", "order_states", ["status"])
    op.create_table(
        "sandbox_charges",
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
    op.create_index("ix_sandbox_charges_order_id", "sandbox_charges", ["order_id"])
    op.create_index("sandbox_charges_by_time", "sandbox_charges", ["approved_at", "payment_key"])
    op.create_table(
        "sandbox_idempotency",
        sa.Column("idempotency_key", sa.String(300), primary_key=True),
        sa.Column("operation", sa.String(20), nullable=False),
        sa.Column("status_code", sa.Integer, nullable=False),
        sa.Column("body", JSONB, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.create_table(
        "sandbox_scenarios",
        sa.Column("customer_id", sa.Uuid, primary_key=True),
        sa.Column("behaviour", sa.String(40), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.create_table(
        "sandbox_confirm_attempts",
        sa.Column("order_id", sa.String(64), primary_key=True),
        sa.Column("attempts", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    for table in (
        "sandbox_confirm_attempts",
        "sandbox_scenarios",
        "sandbox_idempotency",
        "sandbox_charges",
        "order_states",
        "refund_requests",
        "payment_intents",
    ):
        op.drop_table(table)
