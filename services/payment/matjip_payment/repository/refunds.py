"""Refund requests (RefundPayment commands), one per order."""

from uuid import UUID

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from matjip_payment.repository.tables import refund_requests
from matjip_platform.sql import insert_unless_present

PENDING = "pending"
REFUNDED = "refunded"
NOTHING_TO_REFUND = "nothing_to_refund"
REFUSED = "refused"

_RECORD = insert_unless_present(refund_requests, ("order_id", "reason", "outcome"), on=("order_id",))
_REQUESTED = select(refund_requests.c.reason).where(refund_requests.c.order_id == bindparam("order_id"))


async def record(conn: AsyncConnection, order_id: UUID, reason: str) -> None:
    await conn.execute(_RECORD, {"order_id": order_id, "reason": reason[:200], "outcome": PENDING})


async def requested(conn: AsyncConnection, order_id: UUID) -> str | None:
    """The reason of the order's refund request, None when none was made."""
    reason: str | None = await conn.scalar(_REQUESTED, {"order_id": order_id})
    return reason


async def settle(conn: AsyncConnection, order_id: UUID, outcome: str, detail: str | None = None) -> None:
    await conn.execute(
        update(refund_requests)
        .where(refund_requests.c.order_id == order_id)
        .values(outcome=outcome, detail=detail, updated_at=func.now())
    )
