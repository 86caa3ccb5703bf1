"""Builders of what order publishes beyond the saga's commands."""

from matjip_contracts.events import OrderStatusChanged
from matjip_order.domain.order import Order, Transition


def status_changed(order: Order, transition: Transition) -> OrderStatusChanged:
    return OrderStatusChanged(
        order_id=order.order_id,
        customer_id=order.customer_id,
        store_id=order.store_id,
        status=transition.status,
        previous_status=transition.previous,
        reason=transition.reason,
        changed_at=transition.at,
    )
