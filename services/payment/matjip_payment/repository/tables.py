"""The payment service's tables (in its own schema, `payment`)."""

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    Uuid,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB

metadata = MetaData()

payment_intents = Table(
    "payment_intents",
    metadata,
    Column("payment_id", Uuid, primary_key=True),
    Column("order_id", Uuid, nullable=False, unique=True),  # one intent per order
    Column("customer_id", Uuid, nullable=True),
    Column("amount", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("status", String(20), nullable=False),
    Column("payment_key", String(200), nullable=True),
    Column("failure_reason", String(100), nullable=True),
    Column("failure_code", String(100), nullable=True),
    Column("failure_detail", Text, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("authorized_at", DateTime(timezone=True), nullable=True),
    Column("failed_at", DateTime(timezone=True), nullable=True),
    Column("refunded_at", DateTime(timezone=True), nullable=True),
)
Index("payment_intents_listing", payment_intents.c.created_at.desc(), payment_intents.c.payment_id.desc())

# Every RefundPayment received, first reason kept; the intent's status says whether money went back.
refund_requests = Table(
    "refund_requests",
    metadata,
    Column("order_id", Uuid, primary_key=True),
    Column("reason", String(200), nullable=False),
    Column("outcome", String(30), nullable=False),  # pending | refunded | nothing_to_refund | refused
    Column("detail", Text, nullable=True),
    Column("requested_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# The order state payment keeps from OrderStatusChanged (order.events).
order_states = Table(
    "order_states",
    metadata,
    Column("order_id", Uuid, primary_key=True),
    Column("customer_id", Uuid, nullable=False),
    Column("status", String(20), nullable=False),
    Column("changed_at", DateTime(timezone=True), nullable=False),
)
Index("order_states_status", order_states.c.status)

# --- The sandbox PG's own data (only written in sandbox mode; it plays an external system). ---

sandbox_charges = Table(
    "sandbox_charges",
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
Index("sandbox_charges_by_time", sandbox_charges.c.approved_at, sandbox_charges.c.payment_key)

sandbox_idempotency = Table(
    "sandbox_idempotency",
    metadata,
    Column("idempotency_key", String(300), primary_key=True),
    Column("operation", String(20), nullable=False),
    Column("status_code", Integer, nullable=False),
    Column("body", JSON().with_variant(JSONB(), "postgresql"), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

sandbox_scenarios = Table(
    "sandbox_scenarios",
    metadata,
    Column("customer_id", Uuid, primary_key=True),
    Column("behaviour", String(40), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

sandbox_confirm_attempts = Table(
    "sandbox_confirm_attempts",
    metadata,
    Column("order_id", String(64), primary_key=True),
    Column("attempts", Integer, nullable=False),
)
