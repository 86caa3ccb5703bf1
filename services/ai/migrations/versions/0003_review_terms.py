"""Search terms of each review (Korean morphemes, stemmed English words) for BM25, and its aspects.

Existing rows get an empty list; their vectors were made by all-MiniLM-L6-v2, so the service's reindexing
task (matjip_ai/tasks/reindex.py) recomputes vectors and terms together with the current models.

Revision ID: 0003
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("reviews", sa.Column("terms", ARRAY(sa.Text), nullable=False, server_default="{}"))
    op.add_column("reviews", sa.Column("aspects", ARRAY(sa.Text), nullable=False, server_default="{}"))
    # Finding the rows another model indexed, without scanning every review.
    op.create_index("ix_reviews_embedding_model", "reviews", ["embedding_model"])
    op.create_index("ix_menu_items_embedding_model", "menu_items", ["embedding_model"])


def downgrade() -> None:
    op.drop_index("ix_menu_items_embedding_model", "menu_items")
    op.drop_index("ix_reviews_embedding_model", "reviews")
    op.drop_column("reviews", "aspects")
    op.drop_column("reviews", "terms")
