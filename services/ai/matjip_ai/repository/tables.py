"""The ai service's tables (in its own schema, `ai`): read models built from store and order events.

Embeddings are stored as `bytea` (little-endian float32, `embedding_dim` values) next to the name of the
model that made them. pgvector is not available, so similarity is computed in numpy over one store's
rows (or over all available menu items for recommendations): a brute-force scan that is fine for the
hundreds-to-low-thousands of rows involved.
"""

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    Uuid,
)
from sqlalchemy.dialects.postgresql import ARRAY

metadata = MetaData()

stores = Table(
    "stores",
    metadata,
    Column("store_id", Uuid, primary_key=True),
    Column("owner_id", Uuid, nullable=False),
    Column("name", String(200), nullable=False),
    Column("accepting_orders", Boolean, nullable=False),
    Column("revision", Integer, nullable=False),
)

menu_items = Table(
    "menu_items",
    metadata,
    Column("menu_item_id", Uuid, primary_key=True),
    Column("store_id", Uuid, nullable=False),
    Column("name", String(200), nullable=False),
    Column("price", Integer, nullable=False),
    Column("sold_out", Boolean, nullable=False),
    Column("removed", Boolean, nullable=False),
    Column("revision", Integer, nullable=False),
    # The embedding of `name` (content similarity for recommendations); recomputed when the name changes.
    Column("name_embedding", LargeBinary, nullable=False),
    Column("embedding_model", String(100), nullable=False),
    Index("ix_menu_items_store", "store_id"),
    Index("ix_menu_items_embedding_model", "embedding_model"),
)

reviews = Table(
    "reviews",
    metadata,
    Column("review_id", Uuid, primary_key=True),
    Column("store_id", Uuid, nullable=False),
    Column("order_id", Uuid, nullable=False),
    Column("customer_id", Uuid, nullable=False),
    Column("rating", Integer, nullable=False),
    Column("text", Text, nullable=False),
    Column("menu_item_ids", ARRAY(Uuid), nullable=False),
    Column("posted_at", DateTime(timezone=True), nullable=False),
    Column("embedding", LargeBinary, nullable=False),  # of the whole text
    Column("sentence_embeddings", LargeBinary, nullable=False),  # one vector per sentence, in order
    Column("embedding_model", String(100), nullable=False),
    # The search terms of `text` (Korean morphemes, stemmed English words), made with the vectors.
    Column("terms", ARRAY(Text), nullable=False, server_default="{}"),
    # What it says the dishes it tags are like (domain/aspects.py): "spicy", "crispy", ...
    Column("aspects", ARRAY(Text), nullable=False, server_default="{}"),
    Index("ix_reviews_store", "store_id"),
    Index("ix_reviews_embedding_model", "embedding_model"),
)

# Order history: only COMPLETED orders count for recommendations, but every order is tracked so a
# status that arrives before (or without) OrderPlaced still lands somewhere.
orders = Table(
    "orders",
    metadata,
    Column("order_id", Uuid, primary_key=True),
    Column("customer_id", Uuid, nullable=False),
    Column("store_id", Uuid, nullable=False),
    Column("status", String(20), nullable=False),
    Index("ix_orders_customer", "customer_id"),
)

order_lines = Table(
    "order_lines",
    metadata,
    Column("order_id", Uuid, nullable=False),
    Column("menu_item_id", Uuid, nullable=False),
    Column("name", String(200), nullable=False),
    Column("quantity", Integer, nullable=False),
    PrimaryKeyConstraint("order_id", "menu_item_id"),
    Index("ix_order_lines_item", "menu_item_id"),
)
