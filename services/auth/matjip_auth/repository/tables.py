"""The auth service's tables (in its own schema, `auth`)."""

from sqlalchemy import CheckConstraint, Column, DateTime, MetaData, String, Table, Text, Uuid, func

metadata = MetaData()

accounts = Table(
    "accounts",
    metadata,
    Column("user_id", Uuid, primary_key=True),
    Column("email", String(320), nullable=False, unique=True),  # stored normalized (lower case)
    Column("password_hash", Text, nullable=False),
    Column("display_name", String(50), nullable=False),
    Column("role", String(16), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("role IN ('CUSTOMER', 'OWNER', 'ADMIN')", name="accounts_role_known"),
    CheckConstraint("email = lower(email)", name="accounts_email_normalized"),
)
