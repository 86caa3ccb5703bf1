"""The store service's tables (in its own schema, `store`)."""

from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Table,
    Text,
    Time,
    UniqueConstraint,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

metadata = MetaData()


def _timestamps() -> list[Column[Any]]:
    return [
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    ]


stores = Table(
    "stores",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("owner_id", Uuid, nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("description", Text, nullable=False, server_default=""),
    Column("address", String(500), nullable=False, server_default=""),
    Column("timezone", String(64), nullable=False),
    Column("delivery_lat", Float, nullable=False),
    Column("delivery_lng", Float, nullable=False),
    Column("delivery_radius_m", Integer, nullable=False),
    Column("accepting_orders", Boolean, nullable=False),
    Column("auto_accept", Boolean, nullable=False, server_default="false"),
    Column("auto_accept_prep_minutes", Integer, nullable=False, server_default="15"),
    Column("rating_count", Integer, nullable=False, server_default="0"),
    Column("rating_total", Integer, nullable=False, server_default="0"),
    # Version of the StoreUpdated snapshot: read models keep the highest they have seen.
    Column("revision", Integer, nullable=False),
    *_timestamps(),
    CheckConstraint("delivery_radius_m > 0", name="stores_radius_positive"),
)

opening_windows = Table(
    "opening_windows",
    metadata,
    Column("store_id", Uuid, ForeignKey("stores.id", ondelete="CASCADE"), nullable=False),
    Column("weekday", SmallInteger, nullable=False),
    Column("opens", Time, nullable=False),
    Column("closes", Time, nullable=False),
    PrimaryKeyConstraint("store_id", "weekday", "opens"),
    CheckConstraint("weekday BETWEEN 0 AND 6", name="opening_windows_weekday"),
)

menu_categories = Table(
    "menu_categories",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("store_id", Uuid, ForeignKey("stores.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(100), nullable=False),
    Column("position", Integer, nullable=False, server_default="0"),
    *_timestamps(),
    UniqueConstraint("store_id", "name", name="menu_categories_store_name"),
)

menu_items = Table(
    "menu_items",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("store_id", Uuid, ForeignKey("stores.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("category_id", Uuid, ForeignKey("menu_categories.id", ondelete="SET NULL"), nullable=True),
    Column("name", String(200), nullable=False),
    Column("description", Text, nullable=False, server_default=""),
    Column("price", Integer, nullable=False),
    Column("options", JSONB, nullable=False, server_default="[]"),
    # NULL = unlimited; the CHECK makes overselling impossible even if a rule were bypassed.
    Column("stock_quantity", Integer, nullable=True),
    Column("sold_out", Boolean, nullable=False, server_default="false"),
    Column("removed", Boolean, nullable=False, server_default="false"),
    Column("position", Integer, nullable=False, server_default="0"),
    Column("revision", Integer, nullable=False),
    *_timestamps(),
    CheckConstraint("price >= 0", name="menu_items_price"),
    CheckConstraint("stock_quantity IS NULL OR stock_quantity >= 0", name="menu_items_stock_not_negative"),
)

stock_reservations = Table(
    "stock_reservations",
    metadata,
    Column("order_id", Uuid, primary_key=True),
    Column("store_id", Uuid, nullable=False),
    Column("status", String(16), nullable=False),  # RESERVED, REJECTED, RELEASED
    Column("reason", String(32), nullable=True),
    Column("lines", JSONB, nullable=False),  # [{"menu_item_id", "quantity"}] actually taken from stock
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("released_at", DateTime(timezone=True), nullable=True),
)

inbox_entries = Table(
    "inbox_entries",
    metadata,
    Column("order_id", Uuid, primary_key=True),
    Column("store_id", Uuid, nullable=False),
    Column("customer_id", Uuid, nullable=False),
    Column("status", String(16), nullable=False),
    Column("lines", JSONB, nullable=False),
    Column("total_amount", Integer, nullable=False),
    Column("accept_by", DateTime(timezone=True), nullable=False),
    Column("prep_minutes", Integer, nullable=True),
    Column("reject_reason", Text, nullable=True),
    Column("received_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("inbox_entries_store_status", "store_id", "status", "received_at"),
    # Only entries still waiting for an answer are ever scanned for their deadline.
    Index("inbox_entries_pending_deadline", "accept_by", postgresql_where=text("status = 'PENDING'")),
)

completed_orders = Table(
    "completed_orders",
    metadata,
    Column("order_id", Uuid, primary_key=True),
    Column("customer_id", Uuid, nullable=False),
    Column("store_id", Uuid, nullable=False),
    Column("completed_at", DateTime(timezone=True), nullable=False),
)

reviews = Table(
    "reviews",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("store_id", Uuid, ForeignKey("stores.id", ondelete="CASCADE"), nullable=False),
    Column("order_id", Uuid, nullable=False, unique=True),  # one review per order, even under a race
    Column("customer_id", Uuid, nullable=False),
    Column("rating", SmallInteger, nullable=False),
    Column("text", Text, nullable=False),
    Column("menu_item_ids", JSONB, nullable=False, server_default="[]"),
    Column("posted_at", DateTime(timezone=True), nullable=False),
    CheckConstraint("rating BETWEEN 1 AND 5", name="reviews_rating"),
    Index("reviews_store_posted", "store_id", "posted_at"),
)
