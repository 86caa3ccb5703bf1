"""The sandbox PG's storage: charges, stored answers per Idempotency-Key, scenarios, attempts, the fault."""

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Row, delete, func, or_, select, text, tuple_, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from matjip_sandbox_pg.faults import Fault, FaultKind
from matjip_sandbox_pg.scenarios import Behaviour
from matjip_sandbox_pg.tables import charges, confirm_attempts, faults, idempotency_keys, scenarios

Charge = Row[Any]


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
        insert(idempotency_keys)
        .values(idempotency_key=idempotency_key, operation=operation, status_code=status_code, body=body)
        .on_conflict_do_nothing(index_elements=[idempotency_keys.c.idempotency_key])
    )


async def behaviour_of(conn: AsyncConnection, customer_id: UUID | None) -> Behaviour:
    if customer_id is None:
        return Behaviour.APPROVE
    value = await conn.scalar(select(scenarios.c.behaviour).where(scenarios.c.customer_id == customer_id))
    return Behaviour(value) if value else Behaviour.APPROVE


async def set_behaviour(conn: AsyncConnection, customer_id: UUID, behaviour: Behaviour) -> None:
    statement = insert(scenarios).values(customer_id=customer_id, behaviour=behaviour)
    await conn.execute(
        statement.on_conflict_do_update(
            index_elements=[scenarios.c.customer_id],
            set_={"behaviour": statement.excluded.behaviour, "updated_at": func.now()},
        )
    )


async def count_attempt(conn: AsyncConnection, order_id: str) -> int:
    statement = insert(confirm_attempts).values(order_id=order_id, attempts=1)
    attempts = await conn.scalar(
        statement.on_conflict_do_update(
            index_elements=[confirm_attempts.c.order_id],
            set_={"attempts": confirm_attempts.c.attempts + 1},
        ).returning(confirm_attempts.c.attempts)
    )
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
    await conn.execute(
        insert(charges).values(
            payment_key=payment_key,
            order_id=order_id,
            customer_id=customer_id,
            amount=amount,
            status="DONE",
            confirm_idempotency_key=idempotency_key,
            requested_at=at,
            approved_at=at,
        )
    )
    created = await charge(conn, payment_key)
    assert created is not None
    return created


async def cancel_charge(conn: AsyncConnection, payment_key: str, reason: str, at: datetime) -> Charge:
    await conn.execute(
        update(charges)
        .where(charges.c.payment_key == payment_key)
        .values(status="CANCELED", canceled_at=at, cancel_reason=reason[:200])
    )
    cancelled = await charge(conn, payment_key)
    assert cancelled is not None
    return cancelled


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
    values = {"kind": fault.kind.value, "delay_seconds": fault.delay_seconds, "until": fault.until}
    statement = insert(faults).values(id=1, **values)
    await conn.execute(
        statement.on_conflict_do_update(index_elements=[faults.c.id], set_={**values, "set_at": func.now()})
    )


async def clear_fault(conn: AsyncConnection) -> None:
    await conn.execute(delete(faults))
