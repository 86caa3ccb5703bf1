"""How the read model of an order follows OrderStatusChanged events that may be redelivered or replayed.

The status only moves forward along the saga; COMPLETED and CANCELLED are final. So an old event that
arrives again (a replay, a redelivery) never undoes a later one, and only COMPLETED orders feed the
recommendations.
"""

from matjip_contracts.events.common import OrderStatus

FINAL_STATUSES = frozenset({OrderStatus.COMPLETED, OrderStatus.CANCELLED})

# Position along the saga; PICKED_UP and DELIVERED are alternatives at the same step.
_PROGRESS: dict[OrderStatus, int] = {
    OrderStatus.PLACED: 0,
    OrderStatus.STOCK_RESERVED: 1,
    OrderStatus.AWAITING_STORE: 2,
    OrderStatus.ACCEPTED: 3,
    OrderStatus.PREPARING: 4,
    OrderStatus.READY: 5,
    OrderStatus.PICKED_UP: 6,
    OrderStatus.DELIVERED: 6,
    OrderStatus.COMPLETED: 7,
    OrderStatus.CANCELLED: 8,  # may follow any non-final status
}


def followed_status(current: OrderStatus | None, reported: OrderStatus) -> OrderStatus:
    """The status the read model keeps after an event reports `reported` for an order now at `current`."""
    if current is None:
        return reported
    if current in FINAL_STATUSES:
        return current
    return reported if _PROGRESS[reported] > _PROGRESS[current] else current


def counts_for_recommendations(status: OrderStatus) -> bool:
    return status is OrderStatus.COMPLETED
