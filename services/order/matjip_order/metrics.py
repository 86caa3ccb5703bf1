"""The order service's business metrics (names are a contract: docs/conventions.md)."""

from prometheus_client import Counter, Histogram

from matjip_contracts.events import OrderStatus
from matjip_order.domain.order import Order, Transition

S = OrderStatus

orders_placed = Counter("orders_placed", "Orders placed at checkout")
orders_accepted = Counter("orders_accepted", "Orders accepted by their store")
orders_completed = Counter("orders_completed", "Orders handed over to the customer")
orders_cancelled = Counter("orders_cancelled", "Orders cancelled, by reason", ["reason"])
order_revenue_won = Counter("order_revenue_won", "Revenue of completed orders, in won")
saga_step_duration = Histogram(
    "saga_step_duration_seconds",
    "Time an order spent in a saga step: from its previous transition to this one",
    ["step", "outcome"],
    # Steps range from milliseconds (reservations) to an hour (preparation).
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1200, 2400, 3600, 7200),
)

_STEP_LEFT_FROM = {
    S.PLACED: "reserve_stock",
    S.STOCK_RESERVED: "authorize_payment",
    S.AWAITING_STORE: "store_acceptance",
    S.PREPARING: "preparation",
    S.READY: "handover",
    S.PICKED_UP: "completion",
    S.DELIVERED: "completion",
}


def saga_step(transition: Transition) -> str:
    """The step an order finished (or failed) when it left its previous state."""
    if transition.previous is S.ACCEPTED:
        # Straight to READY means the whole preparation happened in this step.
        return "preparation_start" if transition.status is S.PREPARING else "preparation"
    return _STEP_LEFT_FROM.get(transition.previous, transition.previous.value.lower())


def step_outcome(transition: Transition) -> str:
    if transition.status is not S.CANCELLED:
        return "succeeded"
    return {"store_timeout": "timed_out", "customer_cancelled": "cancelled"}.get(transition.reason, "failed")


def record_transitions(order: Order, transitions: tuple[Transition, ...]) -> None:
    for transition in transitions:
        saga_step_duration.labels(saga_step(transition), step_outcome(transition)).observe(
            transition.seconds_in_previous
        )
        if transition.status is S.ACCEPTED:
            orders_accepted.inc()
        elif transition.status is S.COMPLETED:
            orders_completed.inc()
            order_revenue_won.inc(order.total_amount)
        elif transition.status is S.CANCELLED:
            orders_cancelled.labels(transition.reason).inc()
