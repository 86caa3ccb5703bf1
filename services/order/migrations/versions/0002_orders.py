"""Read model of stores and menus, orders, checkout idempotency keys.

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
        "stores",
        sa.Column("store_id", sa.Uuid, primary_key=True),
        sa.Column("owner_id", sa.Uuid, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("opening_hours", JSONB, nullable=False),
        sa.Column("accepting_orders", sa.Boolean, nullable=False),
        sa.Column("revision", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "menu_items",
        sa.Column("menu_item_id", sa.Uuid, primary_key=True),
        sa.Column("store_id", sa.Uuid, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("price", sa.Integer, nullable=False),
        sa.Column("options", JSONB, nullable=False),
        sa.Column("sold_out", sa.Boolean, nullable=False),
        sa.Column("removed", sa.Boolean, nullable=False),
        sa.Column("revision", sa.BigInteger, nullable=False),
    )
    op.create_index("menu_items_by_store", "menu_items", ["store_id"])
    op.create_table(
        "orders",
        sa.Column("order_id", sa.Uuid, primary_key=True),
        sa.Column("customer_id", sa.Uuid, nullable=False),
        sa.Column("store_id", sa.Uuid, nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("lines", JSONB, nullable=False),
        sa.Column("total_amount", sa.BigInteger, nullable=False),
        sa.Column("placed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status_changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acceptance_window_seconds", sa.Float, nullable=False),
        sa.Column("accept_by", sa.DateTime(timezone=True)),
        sa.Column("prep_minutes", sa.Integer),
        sa.Column("cancel_reason", sa.String(64)),
        sa.Column("cancel_detail", sa.Text),
        sa.Column("payment_status", sa.String(32), nullable=False),
        sa.Column("payment_id", sa.Uuid),
    )
    op.create_index(
        "orders_by_customer", "orders", ["customer_id", sa.text("placed_at DESC"), sa.text("order_id DESC")]
    )
    op.create_index("orders_by_store", "orders", ["store_id", sa.text("placed_at DESC"), sa.text("order_id DESC")])
    op.create_index(
        "orders_awaiting_store", "orders", ["accept_by"], postgresql_where=sa.text("status = 'AWAITING_STORE'")
    )
    op.create_table(
        "checkout_requests",
        sa.Column("customer_id", sa.Uuid, nullable=False),
        sa.Column("idempotency_key", sa.String(128), nullable=False),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("order_id", sa.Uuid, nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
        sa.PrimaryKeyConstraint("customer_id", "idempotency_key"),
    )


def downgrade() -> None:
    op.drop_table("checkout_requests")
    op.drop_table("orders")
    op.drop_table("menu_items")
    op.drop_table("stores")
