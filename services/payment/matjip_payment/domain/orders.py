"""Payment's read model of each order's status (from OrderStatusChanged), used to refund charges of
cancelled orders and to avoid charging an order that is already over."""

from datetime import datetime

from matjip_contracts.events.common import OrderStatus

TERMINAL = frozenset({OrderStatus.CANCELLED, OrderStatus.COMPLETED})


def replaces(
    current: OrderStatus | None,
    current_changed_at: datetime | None,
    incoming: OrderStatus,
    incoming_changed_at: datetime,
) -> bool:
    """Whether an incoming status change supersedes the one kept (replays and late events never undo an
    order's end)."""
    if current is None or current_changed_at is None:
        return True
    if current in TERMINAL:
        return False
    return incoming_changed_at >= current_changed_at
