"""The notification service's tables (in its own schema, `notification`)."""

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    Identity,
    Index,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    UniqueConstraint,
    Uuid,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB

metadata = MetaData()

_JSON = JSON().with_variant(JSONB(), "postgresql")

notifications = Table(
    "notifications",
    metadata,
    Column("recipient_id", Uuid, nullable=False),
    # Per recipient and increasing in commit order (allocated under the recipient's sequence row lock),
    # so a stream that has seen id N has seen every notification before N: Last-Event-ID resumes losslessly.
    Column("seq", BigInteger, nullable=False),
    Column("kind", String(60), nullable=False),
    Column("order_id", Uuid, nullable=False),
    Column("dedup_key", String(200), nullable=False),
    Column("payload", _JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    PrimaryKeyConstraint("recipient_id", "seq"),
    UniqueConstraint("recipient_id", "dedup_key", name="notifications_once_per_recipient"),
)

recipient_sequences = Table(
    "recipient_sequences",
    metadata,
    Column("recipient_id", Uuid, primary_key=True),
    Column("last_seq", BigInteger, nullable=False),
)

# The owner of each store, from StoreUpdated (newest revision wins).
store_owners = Table(
    "store_owners",
    metadata,
    Column("store_id", Uuid, primary_key=True),
    Column("owner_id", Uuid, nullable=False),
    Column("revision", BigInteger, nullable=False),
)

# Owner notifications of a store whose StoreUpdated has not arrived yet (topics are not ordered between
# each other); delivered as soon as the store's owner is known.
pending_owner_notifications = Table(
    "pending_owner_notifications",
    metadata,
    Column("id", BigInteger, Identity(always=True), primary_key=True),
    Column("store_id", Uuid, nullable=False),
    Column("kind", String(60), nullable=False),
    Column("order_id", Uuid, nullable=False),
    Column("dedup_key", String(200), nullable=False),
    Column("payload", _JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    UniqueConstraint("store_id", "dedup_key", name="pending_owner_notifications_once"),
)
Index("pending_owner_notifications_by_store", pending_owner_notifications.c.store_id, pending_owner_notifications.c.id)

# What was ordered (from OrderPlaced), so the owner's new-order notification can say it.
order_summaries = Table(
    "order_summaries",
    metadata,
    Column("order_id", Uuid, primary_key=True),
    Column("customer_id", Uuid, nullable=False),
    Column("store_id", Uuid, nullable=False),
    Column("total_amount", BigInteger, nullable=False),
    Column("lines", _JSON, nullable=False),
)
