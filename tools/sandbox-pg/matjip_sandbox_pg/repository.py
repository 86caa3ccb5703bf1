"""The sandbox PG's storage: charges, stored answers per Idempotency-Key, scenarios, attempts, the fault."""

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Row, delete, func, insert, or_, select, text, tuple_, update
from sqlalchemy.ext.asyncio import AsyncConnection

from matjip_platform.sql import insert_or_update, insert_unless_present
from matjip_sandbox_pg.faults import Fault, FaultKind
from matjip_sandbox_pg.scenarios import Behaviour
from matjip_sandbox_pg.tables import charges, confirm_attempts, faults, idempotency_keys, scenarios

Charge = Row[Any]

_STORE_ANSWER = insert_unless_present(
    idempotency_keys, ("idempotency_key", "operation", "status_code", "body"), on=("idempotency_key",)
)
_SET_BEHAVIOUR = insert_or_update(
    scenarios,
    ("customer_id", "behaviour"),
    on=("customer_id",),
    update={"behaviour": "EXCLUDED.behaviour", "updated_at": "now()"},
)
_COUNT_ATTEMPT = insert_or_update(
    confirm_attempts,
    ("order_id", "attempts"),
    on=("order_id",),
    update={"attempts": "confirm_attempts.attempts + 1"},
    returning=("attempts",),
)
_SET_FAULT = insert_or_update(
    faults,
    ("id", "kind", "delay_seconds", "until"),
    on=("id",),
    update={
        "kind": "EXCLUDED.kind",
        "delay_seconds": "EXCLUDED.delay_seconds",
        "until": "EXCLUDED.until",
        "set_at": "now()",
    },
)


async def lock_key(conn: AsyncConnection, idempotency_key: str) -> None:
    """Serialise requests carrying the same Idempotency-Key (until the transaction ends)."""
    await conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": f"sandbox-pg:{idempotency_key}"})


async def stored_answer(conn: AsyncConnection, idempotency_key: str) -> tuple[int, dict[str, Any]] | None:
    row = (
        await conn.execute(
            select(idempotency_keys.c.status_code, idempotency_keys.c.body).where(
                idempotency_keys.c.idempotency_key == idempotency_key
            )
        )
    ).first()
    return (row.status_code, row.body) if row else None


async def store_answer(
    conn: AsyncConnection, idempotency_key: str, operation: str, status_code: int, body: dict[str, Any]
) -> None:
    await conn.execute(
        _STORE_ANSWER,
        {"idempotency_key": idempotency_key, "operation": operation, "status_code": status_code, "body": body},
    )


async def behaviour_of(conn: AsyncConnection, customer_id: UUID | None) -> Behaviour:
    if customer_id is None:
        return Behaviour.APPROVE
    value = await conn.scalar(select(scenarios.c.behaviour).where(scenarios.c.customer_id == customer_id))
    return Behaviour(value) if value else Behaviour.APPROVE


async def set_behaviour(conn: AsyncConnection, customer_id: UUID, behaviour: Behaviour) -> None:
    await conn.execute(_SET_BEHAVIOUR, {"customer_id": customer_id, "behaviour": behaviour.value})


async def count_attempt(conn: AsyncConnection, order_id: str) -> int:
    attempts = await conn.scalar(_COUNT_ATTEMPT, {"order_id": order_id, "attempts": 1})
    assert attempts is not None  # an upsert with RETURNING always yields the row
    return int(attempts)


async def charge(conn: AsyncConnection, payment_key: str, *, for_update: bool = False) -> Charge | None:
    query = select(charges).where(charges.c.payment_key == payment_key)
    return (await conn.execute(query.with_for_update() if for_update else query)).first()


async def add_charge(
    conn: AsyncConnection,
    *,
    payment_key: str,
    order_id: str,
    customer_id: UUID | None,
    amount: int,
    idempotency_key: str | None,
    at: datetime,
) -> Charge:
    statement = (
        insert(charges)
        .values(
            payment_key=payment_key,
            order_id=order_id,
            customer_id=customer_id,
            amount=amount,
            status="DONE",
            confirm_idempotency_key=idempotency_key,
            requested_at=at,
            approved_at=at,
        )
        .returning(*charges.c)
    )
    return (await conn.execute(statement)).one()


async def cancel_charge(conn: AsyncConnection, payment_key: str, reason: str, at: datetime) -> Charge:
    statement = (
        update(charges)
        .where(charges.c.payment_key == payment_key)
        .values(status="CANCELED", canceled_at=at, cancel_reason=reason[:200])
        .returning(*charges.c)
    )
    return (await conn.execute(statement)).one()


async def charges_of_order(conn: AsyncConnection, order_id: str | None, limit: int = 200) -> list[Charge]:
    query = select(charges).order_by(charges.c.approved_at, charges.c.payment_key)
    if order_id is not None:
        query = query.where(charges.c.order_id == order_id)
    return list((await conn.execute(query.limit(limit))).all())


async def latest_charge_of_order(conn: AsyncConnection, order_id: str) -> Charge | None:
    return (
        await conn.execute(
            select(charges).where(charges.c.order_id == order_id).order_by(charges.c.approved_at.desc()).limit(1)
        )
    ).first()


async def charges_between(
    conn: AsyncConnection, start: datetime, end: datetime, starting_after: str | None, limit: int
) -> list[Charge]:
    query = select(charges).where(charges.c.approved_at.between(start, end))
    if starting_after is not None:
        anchor = await charge(conn, starting_after)
        if anchor is not None:
            query = query.where(
                tuple_(charges.c.approved_at, charges.c.payment_key) > tuple_(anchor.approved_at, anchor.payment_key)
            )
    query = query.order_by(charges.c.approved_at, charges.c.payment_key).limit(limit)
    return list((await conn.execute(query)).all())


async def active_fault(conn: AsyncConnection) -> Fault | None:
    row = (
        await conn.execute(
            select(faults.c.kind, faults.c.delay_seconds, faults.c.until).where(
                faults.c.id == 1, or_(faults.c.until.is_(None), faults.c.until > func.now())
            )
        )
    ).first()
    return Fault(FaultKind(row.kind), row.delay_seconds, row.until) if row else None


async def set_fault(conn: AsyncConnection, fault: Fault) -> None:
    await conn.execute(
        _SET_FAULT, {"id": 1, "kind": fault.kind.value, "delay_seconds": fault.delay_seconds, "until": fault.until}
    )


async def clear_fault(conn: AsyncConnection) -> None:
    await conn.execute(delete(faults))
