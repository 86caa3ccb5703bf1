"""The user service's tables (in its own schema, `user_profile`)."""

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    MetaData,
    String,
    Table,
    Uuid,
    func,
    text,
)

metadata = MetaData()

profiles = Table(
    "profiles",
    metadata,
    Column("user_id", Uuid, primary_key=True),  # auth's account id
    Column("email", String(320), nullable=False),
    Column("role", String(16), nullable=False),
    Column("display_name", String(50), nullable=False),
    Column("phone", String(20), nullable=True),
    Column("registered_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

addresses = Table(
    "addresses",
    metadata,
    Column("address_id", Uuid, primary_key=True),
    Column("user_id", Uuid, ForeignKey("profiles.user_id", ondelete="CASCADE"), nullable=False),
    Column("label", String(30), nullable=False),
    Column("line1", String(200), nullable=False),
    Column("line2", String(200), nullable=True),
    Column("postal_code", String(5), nullable=False),
    Column("delivery_note", String(200), nullable=True),
    Column("is_default", Boolean, nullable=False, server_default="false"),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("lat", Float, nullable=True),
    Column("lng", Float, nullable=True),
    CheckConstraint("(lat IS NULL) = (lng IS NULL)", name="addresses_location_whole"),
)
Index("addresses_by_user", addresses.c.user_id)
# At most one default per user, whatever the code does; "at least one" is the domain's job.
Index("addresses_one_default_per_user", addresses.c.user_id, unique=True, postgresql_where=text("is_default"))
