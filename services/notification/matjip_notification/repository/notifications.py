"""Stored notifications and the read models that route them (store owners, order summaries)."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import bindparam, delete, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection

from matjip_contracts.events.common import OrderLine
from matjip_contracts.events.order import OrderPlaced
from matjip_notification.domain.routing import OrderSummary
from matjip_notification.repository.tables import (
    notifications,
    order_summaries,
    pending_owner_notifications,
    store_owners,
)
from matjip_platform.sql import insert_unless_present

# Written so that SQLAlchemy compiles them once (see matjip_platform.sql).
#
# One round trip per delivery: unless the recipient already has this notification (its dedup key), take
# the recipient's next id and store it. The sequence upsert locks the recipient's row until commit: two
# transactions notifying one recipient commit their ids in increasing order, so a reader never sees id N
# before id N-1. A notification already delivered takes no id.
_DELIVER = (
    text(
        "WITH fresh AS ("
        " SELECT NOT EXISTS (SELECT 1 FROM notifications WHERE recipient_id = :recipient_id"
        " AND dedup_key = :dedup_key) AS yes),"
        " next AS ("
        " INSERT INTO recipient_sequences (recipient_id, last_seq) SELECT :recipient_id, 1 FROM fresh WHERE yes"
        " ON CONFLICT (recipient_id) DO UPDATE SET last_seq = recipient_sequences.last_seq + 1"
        " RETURNING last_seq)"
        " INSERT INTO notifications (recipient_id, seq, kind, order_id, dedup_key, payload)"
        " SELECT :recipient_id, last_seq, :kind, :order_id, :dedup_key, :payload FROM next"
        " ON CONFLICT DO NOTHING RETURNING seq"
    )
    .bindparams(
        *(
            bindparam(name, type_=notifications.c[name].type)
            for name in ("recipient_id", "kind", "order_id", "dedup_key", "payload")
        )
    )
    .columns(notifications.c.seq)
)
_RECORD_ORDER = insert_unless_present(
    order_summaries, ("order_id", "customer_id", "store_id", "total_amount", "lines"), on=("order_id",)
)
_HOLD_FOR_OWNER = insert_unless_present(
    pending_owner_notifications, ("store_id", "kind", "order_id", "dedup_key", "payload")
)
_RECORD_STORE_OWNER = insert_unless_present(store_owners, ("store_id", "owner_id", "revision"), on=("store_id",))
# Built once (every status change reads both): no construction or cache key per call.
_OWNER_OF = select(store_owners.c.owner_id).where(store_owners.c.store_id == bindparam("store_id"))
_SUMMARY_OF = select(order_summaries.c.total_amount, order_summaries.c.lines).where(
    order_summaries.c.order_id == bindparam("order_id")
)


@dataclass(frozen=True)
class StoredNotification:
    id: int
    kind: str
    order_id: UUID
    payload: dict[str, Any]
    created_at: datetime

    def view(self) -> dict[str, Any]:
        """What clients get, in the list and as an SSE frame's data."""
        return {"id": self.id, "kind": self.kind, "created_at": self.created_at.isoformat(), **self.payload}


async def deliver(
    conn: AsyncConnection, recipient_id: UUID, *, kind: str, order_id: UUID, dedup_key: str, payload: dict[str, Any]
) -> int | None:
    """Store a notification for a recipient; its id, or None when it was already delivered."""
    inserted = await conn.scalar(
        _DELIVER,
        {"recipient_id": recipient_id, "kind": kind, "order_id": order_id, "dedup_key": dedup_key, "payload": payload},
    )
    return int(inserted) if inserted is not None else None


async def after(conn: AsyncConnection, recipient_id: UUID, after_id: int, limit: int) -> list[StoredNotification]:
    rows = await conn.execute(
        select(notifications)
        .where(notifications.c.recipient_id == recipient_id, notifications.c.seq > after_id)
        .order_by(notifications.c.seq)
        .limit(limit)
    )
    return [
        StoredNotification(id=r.seq, kind=r.kind, order_id=r.order_id, payload=r.payload, created_at=r.created_at)
        for r in rows
    ]


async def owner_of(conn: AsyncConnection, store_id: UUID) -> UUID | None:
    owner: UUID | None = await conn.scalar(_OWNER_OF, {"store_id": store_id})
    return owner


async def record_store_owner(conn: AsyncConnection, store_id: UUID, owner_id: UUID, revision: int) -> bool:
    """Keep the owner of the newest revision (locked until commit); False for an older snapshot."""
    await conn.execute(_RECORD_STORE_OWNER, {"store_id": store_id, "owner_id": owner_id, "revision": revision})
    current = (
        await conn.execute(select(store_owners).where(store_owners.c.store_id == store_id).with_for_update())
    ).one()
    if current.revision > revision:
        return False
    if current.revision < revision:
        await conn.execute(
            update(store_owners).where(store_owners.c.store_id == store_id).values(owner_id=owner_id, revision=revision)
        )
    return True


async def hold_for_owner(
    conn: AsyncConnection, store_id: UUID, *, kind: str, order_id: UUID, dedup_key: str, payload: dict[str, Any]
) -> None:
    await conn.execute(
        _HOLD_FOR_OWNER,
        {"store_id": store_id, "kind": kind, "order_id": order_id, "dedup_key": dedup_key, "payload": payload},
    )


async def take_held(conn: AsyncConnection, store_id: UUID) -> list[dict[str, Any]]:
    """The owner notifications held for a store, removed (in this transaction), oldest first."""
    rows = await conn.execute(
        delete(pending_owner_notifications)
        .where(pending_owner_notifications.c.store_id == store_id)
        .returning(
            pending_owner_notifications.c.id,
            pending_owner_notifications.c.kind,
            pending_owner_notifications.c.order_id,
            pending_owner_notifications.c.dedup_key,
            pending_owner_notifications.c.payload,
        )
    )
    return sorted((dict(r._mapping) for r in rows), key=lambda r: int(r["id"]))


async def record_order(conn: AsyncConnection, event: OrderPlaced) -> None:
    await conn.execute(
        _RECORD_ORDER,
        {
            "order_id": event.order_id,
            "customer_id": event.customer_id,
            "store_id": event.store_id,
            "total_amount": event.total_amount,
            "lines": [line.model_dump(mode="json") for line in event.lines],
        },
    )


async def summary_of(conn: AsyncConnection, order_id: UUID) -> OrderSummary | None:
    row = (await conn.execute(_SUMMARY_OF, {"order_id": order_id})).first()
    if row is None:
        return None
    return OrderSummary(total_amount=row.total_amount, lines=tuple(OrderLine.model_validate(x) for x in row.lines))
