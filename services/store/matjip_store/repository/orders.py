"""What store keeps per order: stock reservations, inbox entries, and which orders were completed."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast
from uuid import UUID

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from matjip_contracts.events.common import OrderLine
from matjip_platform.sql import insert_unless_present
from matjip_store.domain.inbox import InboxEntry, InboxStatus
from matjip_store.domain.reviews import CompletedOrder
from matjip_store.domain.stock import RejectionReason
from matjip_store.repository.tables import completed_orders, inbox_entries, stock_reservations

_INSERT_ENTRY = insert_unless_present(
    inbox_entries,
    (
        "order_id",
        "store_id",
        "customer_id",
        "status",
        "lines",
        "total_amount",
        "accept_by",
        "prep_minutes",
        "reject_reason",
        "received_at",
        "updated_at",
    ),
    on=("order_id",),
    returning=("order_id",),
)
_RECORD_COMPLETED = insert_unless_present(
    completed_orders, ("order_id", "customer_id", "store_id", "completed_at"), on=("order_id",)
)


@dataclass(frozen=True)
class Reservation:
    order_id: UUID
    store_id: UUID
    status: str  # RESERVED, REJECTED, RELEASED
    reason: RejectionReason | None  # why it was REJECTED
    lines: tuple[tuple[UUID, int], ...]  # what was taken from stock (empty unless it was reserved)


RESERVED, REJECTED, RELEASED = "RESERVED", "REJECTED", "RELEASED"


_FETCH_RESERVATION = select(stock_reservations).where(stock_reservations.c.order_id == bindparam("order_id"))
_LOCK_RESERVATION = _FETCH_RESERVATION.with_for_update()


async def fetch_reservation(conn: AsyncConnection, order_id: UUID, *, for_update: bool = False) -> Reservation | None:
    query = _LOCK_RESERVATION if for_update else _FETCH_RESERVATION
    row = (await conn.execute(query, {"order_id": order_id})).first()
    if row is None:
        return None
    return Reservation(
        order_id=row.order_id,
        store_id=row.store_id,
        status=row.status,
        reason=cast(RejectionReason | None, row.reason),
        lines=tuple((UUID(line["menu_item_id"]), int(line["quantity"])) for line in row.lines),
    )


async def record_reservation(conn: AsyncConnection, reservation: Reservation) -> None:
    await conn.execute(
        insert(stock_reservations).values(
            order_id=reservation.order_id,
            store_id=reservation.store_id,
            status=reservation.status,
            reason=reservation.reason,
            lines=[{"menu_item_id": str(item), "quantity": qty} for item, qty in reservation.lines],
            released_at=func.now() if reservation.status == RELEASED else None,
        )
    )


async def mark_released(conn: AsyncConnection, order_id: UUID) -> None:
    await conn.execute(
        update(stock_reservations)
        .where(stock_reservations.c.order_id == order_id)
        .values(status=RELEASED, released_at=func.now())
    )


def _entry(row: Any) -> InboxEntry:
    return InboxEntry(
        order_id=row.order_id,
        store_id=row.store_id,
        customer_id=row.customer_id,
        status=InboxStatus(row.status),
        lines=tuple(OrderLine.model_validate(line) for line in row.lines),
        total_amount=row.total_amount,
        accept_by=row.accept_by,
        received_at=row.received_at,
        updated_at=row.updated_at,
        prep_minutes=row.prep_minutes,
        reject_reason=row.reject_reason,
    )


_FETCH_ENTRY = select(inbox_entries).where(inbox_entries.c.order_id == bindparam("order_id"))
_FETCH_STORE_ENTRY = _FETCH_ENTRY.where(inbox_entries.c.store_id == bindparam("store_id"))
_ENTRY_QUERIES = {
    (False, False): _FETCH_ENTRY,
    (False, True): _FETCH_ENTRY.with_for_update(),
    (True, False): _FETCH_STORE_ENTRY,
    (True, True): _FETCH_STORE_ENTRY.with_for_update(),
}


async def fetch_entry(
    conn: AsyncConnection, order_id: UUID, *, store_id: UUID | None = None, for_update: bool = False
) -> InboxEntry | None:
    query = _ENTRY_QUERIES[(store_id is not None, for_update)]
    row = (await conn.execute(query, {"order_id": order_id, "store_id": store_id})).first()
    return _entry(row) if row is not None else None


async def insert_entry(conn: AsyncConnection, entry: InboxEntry) -> bool:
    """Add the entry unless the order already has one; True when it was added."""
    result = await conn.execute(
        _INSERT_ENTRY,
        {
            "order_id": entry.order_id,
            "store_id": entry.store_id,
            "customer_id": entry.customer_id,
            "status": entry.status.value,
            "lines": [line.model_dump(mode="json") for line in entry.lines],
            "total_amount": entry.total_amount,
            "accept_by": entry.accept_by,
            "prep_minutes": entry.prep_minutes,
            "reject_reason": entry.reject_reason,
            "received_at": entry.received_at,
            "updated_at": entry.updated_at,
        },
    )
    return result.first() is not None


async def lock_overdue_pending(conn: AsyncConnection, now: datetime, limit: int) -> list[InboxEntry]:
    """PENDING entries whose deadline passed, locked; rows another transaction holds are skipped."""
    rows = await conn.execute(
        select(inbox_entries)
        .where(inbox_entries.c.status == InboxStatus.PENDING.value, inbox_entries.c.accept_by < now)
        .order_by(inbox_entries.c.accept_by)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return [_entry(row) for row in rows]


async def earliest_pending_deadline(conn: AsyncConnection) -> datetime | None:
    found: datetime | None = await conn.scalar(
        select(func.min(inbox_entries.c.accept_by)).where(inbox_entries.c.status == InboxStatus.PENDING.value)
    )
    return found


async def save_entry(conn: AsyncConnection, entry: InboxEntry) -> None:
    await conn.execute(
        update(inbox_entries)
        .where(inbox_entries.c.order_id == entry.order_id)
        .values(
            status=entry.status.value,
            prep_minutes=entry.prep_minutes,
            reject_reason=entry.reject_reason,
            updated_at=entry.updated_at,
        )
    )


async def list_entries(
    conn: AsyncConnection, store_id: UUID, statuses: Sequence[InboxStatus], *, limit: int, offset: int
) -> tuple[list[InboxEntry], int]:
    conditions = [inbox_entries.c.store_id == store_id]
    if statuses:
        conditions.append(inbox_entries.c.status.in_([s.value for s in statuses]))
    total = await conn.scalar(select(func.count()).select_from(inbox_entries).where(*conditions))
    rows = await conn.execute(
        select(inbox_entries)
        .where(*conditions)
        .order_by(inbox_entries.c.received_at, inbox_entries.c.order_id)  # oldest first: serve in turn
        .limit(limit)
        .offset(offset)
    )
    return [_entry(row) for row in rows], int(total or 0)


async def record_completed(conn: AsyncConnection, order: CompletedOrder, completed_at: datetime) -> None:
    await conn.execute(
        _RECORD_COMPLETED,
        {
            "order_id": order.order_id,
            "customer_id": order.customer_id,
            "store_id": order.store_id,
            "completed_at": completed_at,
        },
    )


async def fetch_completed(conn: AsyncConnection, order_id: UUID) -> CompletedOrder | None:
    row = (await conn.execute(select(completed_orders).where(completed_orders.c.order_id == order_id))).first()
    if row is None:
        return None
    return CompletedOrder(order_id=row.order_id, customer_id=row.customer_id, store_id=row.store_id)
