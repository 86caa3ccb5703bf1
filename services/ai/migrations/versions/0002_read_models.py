"""Read models: stores, menu items and reviews (with embeddings), orders and their lines.

Revision ID: 0002
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY

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
        sa.Column("accepting_orders", sa.Boolean, nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
    )
    op.create_table(
        "menu_items",
        sa.Column("menu_item_id", sa.Uuid, primary_key=True),
        sa.Column("store_id", sa.Uuid, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("price", sa.Integer, nullable=False),
        sa.Column("sold_out", sa.Boolean, nullable=False),
        sa.Column("removed", sa.Boolean, nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("name_embedding", sa.LargeBinary, nullable=False),
        sa.Column("embedding_model", sa.String(100), nullable=False),
    )
    op.create_index("ix_menu_items_store", "menu_items", ["store_id"])
    op.create_table(
        "reviews",
        sa.Column("review_id", sa.Uuid, primary_key=True),
        sa.Column("store_id", sa.Uuid, nullable=False),
        sa.Column("order_id", sa.Uuid, nullable=False),
        sa.Column("customer_id", sa.Uuid, nullable=False),
        sa.Column("rating", sa.Integer, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("menu_item_ids", ARRAY(sa.Uuid), nullable=False),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("embedding", sa.LargeBinary, nullable=False),
        sa.Column("sentence_embeddings", sa.LargeBinary, nullable=False),
        sa.Column("embedding_model", sa.String(100), nullable=False),
    )
    op.create_index("ix_reviews_store", "reviews", ["store_id"])
    op.create_table(
        "orders",
        sa.Column("order_id", sa.Uuid, primary_key=True),
        sa.Column("customer_id", sa.Uuid, nullable=False),
        sa.Column("store_id", sa.Uuid, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
    )
    op.create_index("ix_orders_customer", "orders", ["customer_id"])
    op.create_table(
        "order_lines",
        sa.Column("order_id", sa.Uuid, nullable=False),
        sa.Column("menu_item_id", sa.Uuid, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("quantity", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("order_id", "menu_item_id"),
    )
    op.create_index("ix_order_lines_item", "order_lines", ["menu_item_id"])


def downgrade() -> None:
    op.drop_table("order_lines")
    op.drop_table("orders")
    op.drop_table("reviews")
    op.drop_table("menu_items")
    op.drop_table("stores")
