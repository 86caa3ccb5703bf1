"""The payment service's tables (in its own schema, `payment`).

Migration 0002 also made `sandbox_*` tables, for the sandbox PG that then ran inside this process. It is
its own program now (tools/sandbox-pg, which copied their rows into its own schema); nothing here reads
them. They stay until a later release drops them (expand/contract: an older image, rolled back in a
local or dev stack, still runs its in-process sandbox on them)."""

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Index,
    MetaData,
    String,
    Table,
    Text,
    Uuid,
    func,
)

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
