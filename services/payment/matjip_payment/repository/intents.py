"""Queries on payment intents. Every change locks the intent row first (SELECT ... FOR UPDATE)."""

import uuid
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Row, bindparam, func, literal, or_, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncConnection

from matjip_payment.domain.intents import IntentStatus, PaymentIntent, check_transition
from matjip_payment.repository.tables import order_states, payment_intents, refund_requests
from matjip_platform.sql import insert_unless_present

_CREATE = insert_unless_present(
    payment_intents, ("payment_id", "order_id", "customer_id", "amount", "currency", "status"), on=("order_id",)
)
# Built once (every payment locks and moves its intent): no construction or cache key per call.
_GET = select(payment_intents).where(payment_intents.c.order_id == bindparam("order_id"))
_LOCK = _GET.with_for_update()
_MOVE = (
    update(payment_intents)
    .where(payment_intents.c.order_id == bindparam("moved_order_id"))
    .values(updated_at=func.now())
)


def _intent(row: Row[Any]) -> PaymentIntent:
    m = row._mapping
    return PaymentIntent(
        payment_id=m["payment_id"],
        order_id=m["order_id"],
        customer_id=m["customer_id"],
        amount=m["amount"],
        currency=m["currency"],
        status=IntentStatus(m["status"]),
        payment_key=m["payment_key"],
        failure_reason=m["failure_reason"],
        failure_code=m["failure_code"],
        created_at=m["created_at"],
        updated_at=m["updated_at"],
        authorized_at=m["authorized_at"],
        failed_at=m["failed_at"],
        refunded_at=m["refunded_at"],
    )


async def open_intent(
    conn: AsyncConnection,
    *,
    order_id: UUID,
    customer_id: UUID | None,
    amount: int,
    currency: str,
    status: IntentStatus = IntentStatus.PENDING,
) -> PaymentIntent:
    """The order's intent, created (with `status`) if it has none, and locked for this transaction.

    The insert holds the order's unique-index entry until commit, so a concurrent reconciliation for the
    same order waits for this transaction instead of recording a second intent.
    """
    await conn.execute(
        _CREATE,
        {
            "payment_id": uuid.uuid4(),
            "order_id": order_id,
            "customer_id": customer_id,
            "amount": amount,
            "currency": currency,
            "status": status,
        },
    )
    intent = await lock(conn, order_id)
    assert intent is not None
    return intent


async def lock(conn: AsyncConnection, order_id: UUID) -> PaymentIntent | None:
    row = (await conn.execute(_LOCK, {"order_id": order_id})).first()
    return _intent(row) if row else None


async def get(conn: AsyncConnection, order_id: UUID) -> PaymentIntent | None:
    row = (await conn.execute(_GET, {"order_id": order_id})).first()
    return _intent(row) if row else None


async def move(conn: AsyncConnection, intent: PaymentIntent, to: IntentStatus, **values: Any) -> None:
    """Change a locked intent's status (the domain refuses illegal moves) and the given columns."""
    check_transition(intent.status, to)
    await conn.execute(_MOVE, {"moved_order_id": intent.order_id, "status": to, **values})


async def authorized(conn: AsyncConnection, intent: PaymentIntent, *, payment_key: str, at: datetime | None) -> None:
    await move(
        conn,
        intent,
        IntentStatus.AUTHORIZED,
        payment_key=payment_key,
        authorized_at=at or datetime.now(UTC),
        failure_reason=None,
        failure_code=None,
        failure_detail=None,
    )


async def failed(
    conn: AsyncConnection, intent: PaymentIntent, *, reason: str, code: str | None = None, detail: str | None = None
) -> None:
    await move(
        conn,
        intent,
        IntentStatus.FAILED,
        failure_reason=reason,
        failure_code=code,
        failure_detail=(detail or "")[:2000] or None,
        failed_at=datetime.now(UTC),
    )


async def refunded(conn: AsyncConnection, intent: PaymentIntent) -> None:
    await move(conn, intent, IntentStatus.REFUNDED, refunded_at=datetime.now(UTC))


async def statuses(conn: AsyncConnection, order_ids: list[UUID]) -> dict[UUID, IntentStatus]:
    rows = await conn.execute(
        select(payment_intents.c.order_id, payment_intents.c.status).where(payment_intents.c.order_id.in_(order_ids))
    )
    return {row.order_id: IntentStatus(row.status) for row in rows}


async def orders_with_refund_due(conn: AsyncConnection, limit: int = 500) -> list[UUID]:
    """Orders whose money we hold although it must go back: a refund was asked for, or the order was
    cancelled (the read model)."""
    rows = await conn.scalars(
        select(payment_intents.c.order_id)
        .outerjoin(refund_requests, refund_requests.c.order_id == payment_intents.c.order_id)
        .outerjoin(order_states, order_states.c.order_id == payment_intents.c.order_id)
        .where(
            payment_intents.c.status == IntentStatus.AUTHORIZED,
            or_(refund_requests.c.order_id.is_not(None), order_states.c.status == "CANCELLED"),
        )
        .order_by(payment_intents.c.updated_at)
        .limit(limit)
    )
    return list(rows)


async def page(conn: AsyncConnection, *, after: tuple[datetime, UUID] | None, limit: int) -> list[PaymentIntent]:
    """Newest first; `after` is the (created_at, payment_id) of the last intent of the previous page."""
    query = select(payment_intents)
    if after is not None:
        query = query.where(
            tuple_(payment_intents.c.created_at, payment_intents.c.payment_id)
            < tuple_(*(literal(value) for value in after))
        )
    rows = await conn.execute(
        query.order_by(payment_intents.c.created_at.desc(), payment_intents.c.payment_id.desc()).limit(limit)
    )
    return [_intent(row) for row in rows]
