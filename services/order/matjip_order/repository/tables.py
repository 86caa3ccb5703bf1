"""The order service's tables (in its own schema, `ordering`)."""

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    Uuid,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

metadata = MetaData()

# --- the read model of store's stores and menus (newest revision wins) -----------------------------

stores = Table(
    "stores",
    metadata,
    Column("store_id", Uuid, primary_key=True),
    Column("owner_id", Uuid, nullable=False),
    Column("name", String(200), nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("opening_hours", JSONB, nullable=False),
    Column("accepting_orders", Boolean, nullable=False),
    Column("revision", BigInteger, nullable=False),
)

menu_items = Table(
    "menu_items",
    metadata,
    Column("menu_item_id", Uuid, primary_key=True),
    Column("store_id", Uuid, nullable=False),
    Column("name", String(200), nullable=False),
    Column("price", Integer, nullable=False),
    Column("options", JSONB, nullable=False),
    Column("sold_out", Boolean, nullable=False),
    Column("removed", Boolean, nullable=False),
    Column("revision", BigInteger, nullable=False),
    Index("menu_items_by_store", "store_id"),
)

# --- the order aggregate ----------------------------------------------------------------------------

orders = Table(
    "orders",
    metadata,
    Column("order_id", Uuid, primary_key=True),
    Column("customer_id", Uuid, nullable=False),
    Column("store_id", Uuid, nullable=False),
    Column("status", String(32), nullable=False),
    Column("lines", JSONB, nullable=False),
    Column("total_amount", BigInteger, nullable=False),
    Column("placed_at", DateTime(timezone=True), nullable=False),
    Column("status_changed_at", DateTime(timezone=True), nullable=False),
    Column("acceptance_window_seconds", Float, nullable=False),
    Column("accept_by", DateTime(timezone=True)),
    Column("prep_minutes", Integer),
    Column("cancel_reason", String(64)),
    Column("cancel_detail", Text),
    Column("payment_status", String(32), nullable=False),
    Column("payment_id", Uuid),
    # Newest first, with the id breaking ties: the keyset of both history listings.
    Index("orders_by_customer", "customer_id", text("placed_at DESC"), text("order_id DESC")),
    Index("orders_by_store", "store_id", text("placed_at DESC"), text("order_id DESC")),
    # Only orders waiting for their store are ever scanned by the timeout task.
    Index("orders_awaiting_store", "accept_by", postgresql_where=text("status = 'AWAITING_STORE'")),
)

# One row per Idempotency-Key a customer used at checkout, written in the order's own transaction.
checkout_requests = Table(
    "checkout_requests",
    metadata,
    Column("customer_id", Uuid, nullable=False),
    Column("idempotency_key", String(128), nullable=False),
    Column("request_hash", String(64), nullable=False),
    Column("order_id", Uuid, nullable=False, unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    PrimaryKeyConstraint("customer_id", "idempotency_key"),
)
