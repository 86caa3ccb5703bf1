"""Stores, opening hours, menus, stock reservations, the order inbox, completed orders and reviews.

Revision ID: 0002
"""

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _timestamps() -> list[sa.Column[Any]]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    ]


def upgrade() -> None:
    op.create_table(
        "stores",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("owner_id", sa.Uuid, nullable=False, index=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        sa.Column("address", sa.String(500), nullable=False, server_default=""),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("delivery_lat", sa.Float, nullable=False),
        sa.Column("delivery_lng", sa.Float, nullable=False),
        sa.Column("delivery_radius_m", sa.Integer, nullable=False),
        sa.Column("accepting_orders", sa.Boolean, nullable=False),
        sa.Column("auto_accept", sa.Boolean, nullable=False, server_default="false"),
        sa.Column("auto_accept_prep_minutes", sa.Integer, nullable=False, server_default="15"),
        sa.Column("rating_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("rating_total", sa.Integer, nullable=False, server_default="0"),
        sa.Column("revision", sa.Integer, nullable=False),
        *_timestamps(),
        sa.CheckConstraint("delivery_radius_m > 0", name="stores_radius_positive"),
    )
    op.create_table(
        "opening_windows",
        sa.Column("store_id", sa.Uuid, sa.ForeignKey("stores.id", ondelete="CASCADE"), nullable=False),
        sa.Column("weekday", sa.SmallInteger, nullable=False),
        sa.Column("opens", sa.Time, nullable=False),
        sa.Column("closes", sa.Time, nullable=False),
        sa.PrimaryKeyConstraint("store_id", "weekday", "opens"),
        sa.CheckConstraint("weekday BETWEEN 0 AND 6", name="opening_windows_weekday"),
    )
    op.create_table(
        "menu_categories",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("store_id", sa.Uuid, sa.ForeignKey("stores.id", ondelete="CASCADE"), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("position", sa.Integer, nullable=False, server_default="0"),
        *_timestamps(),
        sa.UniqueConstraint("store_id", "name", name="menu_categories_store_name"),
    )
    op.create_table(
        "menu_items",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("store_id", sa.Uuid, sa.ForeignKey("stores.id", ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("category_id", sa.Uuid, sa.ForeignKey("menu_categories.id", ondelete="SET NULL"), nullable=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        sa.Column("price", sa.Integer, nullable=False),
        sa.Column("options", JSONB, nullable=False, server_default="[]"),
        sa.Column("stock_quantity", sa.Integer, nullable=True),
        sa.Column("sold_out", sa.Boolean, nullable=False, server_default="false"),
        sa.Column("removed", sa.Boolean, nullable=False, server_default="false"),
        sa.Column("position", sa.Integer, nullable=False, server_default="0"),
        sa.Column("revision", sa.Integer, nullable=False),
        *_timestamps(),
        sa.CheckConstraint("price >= 0", name="menu_items_price"),
        sa.CheckConstraint("stock_quantity IS NULL OR stock_quantity >= 0", name="menu_items_stock_not_negative"),
    )
    op.create_table(
        "stock_reservations",
        sa.Column("order_id", sa.Uuid, primary_key=True),
        sa.Column("store_id", sa.Uuid, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(32), nullable=True),
        sa.Column("lines", JSONB, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "inbox_entries",
        sa.Column("order_id", sa.Uuid, primary_key=True),
        sa.Column("store_id", sa.Uuid, nullable=False),
        sa.Column("customer_id", sa.Uuid, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("lines", JSONB, nullable=False),
        sa.Column("total_amount", sa.Integer, nullable=False),
        sa.Column("accept_by", sa.DateTime(timezone=True), nullable=False),
        sa.Column("prep_minutes", sa.Integer, nullable=True),
        sa.Column("reject_reason", sa.Text, nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.create_index("inbox_entries_store_status", "inbox_entries", ["store_id", "status", "received_at"])
    op.create_table(
        "completed_orders",
        sa.Column("order_id", sa.Uuid, primary_key=True),
        sa.Column("customer_id", sa.Uuid, nullable=False),
        sa.Column("store_id", sa.Uuid, nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "reviews",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("store_id", sa.Uuid, sa.ForeignKey("stores.id", ondelete="CASCADE"), nullable=False),
        sa.Column("order_id", sa.Uuid, nullable=False, unique=True),
        sa.Column("customer_id", sa.Uuid, nullable=False),
        sa.Column("rating", sa.SmallInteger, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("menu_item_ids", JSONB, nullable=False, server_default="[]"),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("rating BETWEEN 1 AND 5", name="reviews_rating"),
    )
    op.create_index("reviews_store_posted", "reviews", ["store_id", "posted_at"])


def downgrade() -> None:
    for table in (
        "reviews",
        "completed_orders",
        "inbox_entries",
        "stock_reservations",
        "menu_items",
        "menu_categories",
        "opening_windows",
        "stores",
    ):
        op.drop_table(table)
