"""Stored notifications and the read models that route them (store owners, order summaries)."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from matjip_contracts.events.common import OrderLine
from matjip_contracts.events.order import OrderPlaced
from matjip_notification.domain.routing import OrderSummary
from matjip_notification.repository.tables import (
    notifications,
    order_summaries,
    pending_owner_notifications,
    recipient_sequences,
    store_owners,
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
    already = await conn.scalar(
        select(notifications.c.seq).where(
            notifications.c.recipient_id == recipient_id, notifications.c.dedup_key == dedup_key
        )
    )
    if already is not None:
        return None
    # The upsert locks the recipient's sequence row until commit: two transactions notifying one
    # recipient commit their ids in increasing order, so a reader never sees id N before id N-1.
    statement = insert(recipient_sequences).values(recipient_id=recipient_id, last_seq=1)
    seq = await conn.scalar(
        statement.on_conflict_do_update(
            index_elements=[recipient_sequences.c.recipient_id],
            set_={"last_seq": recipient_sequences.c.last_seq + 1},
        ).returning(recipient_sequences.c.last_seq)
    )
    inserted = await conn.scalar(
        insert(notifications)
        .values(recipient_id=recipient_id, seq=seq, kind=kind, order_id=order_id, dedup_key=dedup_key, payload=payload)
        .on_conflict_do_nothing()
        .returning(notifications.c.seq)
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
    query = select(store_owners.c.owner_id).where(store_owners.c.store_id == store_id)
    owner: UUID | None = await conn.scalar(query)
    return owner


async def record_store_owner(conn: AsyncConnection, store_id: UUID, owner_id: UUID, revision: int) -> bool:
    """Keep the owner of the newest revision (locked until commit); False for an older snapshot."""
    await conn.execute(
        insert(store_owners)
        .values(store_id=store_id, owner_id=owner_id, revision=revision)
        .on_conflict_do_nothing(index_elements=[store_owners.c.store_id])
    )
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
        insert(pending_owner_notifications)
        .values(store_id=store_id, kind=kind, order_id=order_id, dedup_key=dedup_key, payload=payload)
        .on_conflict_do_nothing()
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
        insert(order_summaries)
        .values(
            order_id=event.order_id,
            customer_id=event.customer_id,
            store_id=event.store_id,
            total_amount=event.total_amount,
            lines=[line.model_dump(mode="json") for line in event.lines],
        )
        .on_conflict_do_nothing(index_elements=[order_summaries.c.order_id])
    )


async def summary_of(conn: AsyncConnection, order_id: UUID) -> OrderSummary | None:
    query = select(order_summaries.c.total_amount, order_summaries.c.lines).where(
        order_summaries.c.order_id == order_id
    )
    row = (await conn.execute(query)).first()
    if row is None:
        return None
    return OrderSummary(total_amount=row.total_amount, lines=tuple(OrderLine.model_validate(x) for x in row.lines))
