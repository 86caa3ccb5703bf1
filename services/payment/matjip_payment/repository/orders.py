"""Payment's read model of order statuses."""

from uuid import UUID

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncConnection

from matjip_contracts.events.common import OrderStatus
from matjip_contracts.events.order import OrderStatusChanged
from matjip_payment.domain.orders import replaces
from matjip_payment.repository.tables import order_states
from matjip_platform.sql import insert_unless_present

_RECORD = insert_unless_present(order_states, ("order_id", "customer_id", "status", "changed_at"), on=("order_id",))


_STATUS_OF = select(order_states.c.status).where(order_states.c.order_id == bindparam("order_id"))
_CUSTOMER_OF = select(order_states.c.customer_id).where(order_states.c.order_id == bindparam("order_id"))


async def status_of(conn: AsyncConnection, order_id: UUID) -> OrderStatus | None:
    status = await conn.scalar(_STATUS_OF, {"order_id": order_id})
    return OrderStatus(status) if status else None


async def customer_of(conn: AsyncConnection, order_id: UUID) -> UUID | None:
    customer: UUID | None = await conn.scalar(_CUSTOMER_OF, {"order_id": order_id})
    return customer


async def record_status(conn: AsyncConnection, event: OrderStatusChanged) -> bool:
    """Keep the newest status of the order; False when the event is older than what is kept."""
    await conn.execute(
        _RECORD,
        {
            "order_id": event.order_id,
            "customer_id": event.customer_id,
            "status": event.status,
            "changed_at": event.changed_at,
        },
    )
    row = (
        await conn.execute(
            select(order_states.c.status, order_states.c.changed_at)
            .where(order_states.c.order_id == event.order_id)
            .with_for_update()
        )
    ).one()
    if row.status == event.status and row.changed_at == event.changed_at:
        return True  # just inserted (or an exact replay)
    if not replaces(OrderStatus(row.status), row.changed_at, event.status, event.changed_at):
        return False
    await conn.execute(
        order_states.update()
        .where(order_states.c.order_id == event.order_id)
        .values(status=event.status, changed_at=event.changed_at)
    )
    return True
