"""An address may carry where it is on the map (the app finds stores that deliver there).

Revision ID: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("addresses", sa.Column("lat", sa.Float, nullable=True))
    op.add_column("addresses", sa.Column("lng", sa.Float, nullable=True))
    op.create_check_constraint("addresses_location_whole", "addresses", "(lat IS NULL) = (lng IS NULL)")


def downgrade() -> None:
    op.drop_constraint("addresses_location_whole", "addresses", type_="check")
    op.drop_column("addresses", "lng")
    op.drop_column("addresses", "lat")
