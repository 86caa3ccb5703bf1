"""The sandbox PG's tables, in its own schema (`sandbox_pg`): it plays a system outside Matjip."""

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    Float,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Uuid,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB

metadata = MetaData()

charges = Table(
    "charges",
    metadata,
    Column("payment_key", String(200), primary_key=True),
    Column("order_id", String(64), nullable=False, index=True),
    Column("customer_id", Uuid, nullable=True),
    Column("amount", BigInteger, nullable=False),
    Column("status", String(20), nullable=False),  # DONE | CANCELED
    Column("confirm_idempotency_key", String(300), nullable=True),
    Column("requested_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("approved_at", DateTime(timezone=True), nullable=False),
    Column("canceled_at", DateTime(timezone=True), nullable=True),
    Column("cancel_reason", String(200), nullable=True),
)
Index("charges_by_time", charges.c.approved_at, charges.c.payment_key)

# The first answer to each Idempotency-Key, given again to every retry with the same key.
idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("idempotency_key", String(300), primary_key=True),
    Column("operation", String(20), nullable=False),
    Column("status_code", Integer, nullable=False),
    Column("body", JSON().with_variant(JSONB(), "postgresql"), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

scenarios = Table(
    "scenarios",
    metadata,
    Column("customer_id", Uuid, primary_key=True),
    Column("behaviour", String(40), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

confirm_attempts = Table(
    "confirm_attempts",
    metadata,
    Column("order_id", String(64), primary_key=True),
    Column("attempts", Integer, nullable=False),
)

# At most one fault of the whole gateway at a time (the row with id 1).
faults = Table(
    "faults",
    metadata,
    Column("id", SmallInteger, primary_key=True),
    Column("kind", String(20), nullable=False),
    Column("delay_seconds", Float, nullable=True),
    Column("until", DateTime(timezone=True), nullable=True),
    Column("set_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("id = 1", name="faults_single_row"),
)
