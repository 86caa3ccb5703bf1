"""The order saga, orchestrated by order (docs/saga.md). Read it top to bottom:

    checkout                    → PLACED: OrderPlaced, ReserveStock ──▶ store
    PLACED
      StockReserved             → STOCK_RESERVED: AuthorizePayment ──▶ payment
      StockReservationRejected  → CANCELLED(sold_out | store_closed | unknown_item)
    STOCK_RESERVED
      PaymentAuthorized         → AWAITING_STORE: RequestStoreAcceptance(accept_by) ──▶ store
      PaymentFailed             → CANCELLED(payment_failed): ReleaseStock
    AWAITING_STORE
      OrderAcceptedByStore      → ACCEPTED
      OrderRejectedByStore      → CANCELLED(store_rejected): ReleaseStock, RefundPayment
      accept_by passes          → CANCELLED(store_timeout): ReleaseStock, RefundPayment
    ACCEPTED, PREPARING, READY
      OrderProgressedAtStore    → PREPARING → READY → PICKED_UP | DELIVERED → COMPLETED
    customer cancels (PLACED, STOCK_RESERVED, AWAITING_STORE)
                                → CANCELLED(customer_cancelled): ReleaseStock (+ RefundPayment once paid)
    late or repeated messages
      PaymentAuthorized on a CANCELLED order → RefundPayment
      a store decision on a CANCELLED order  → ignored (store withdrew the order on ReleaseStock)
      anything else out of step              → ignored (redelivered or stale)

Every function is pure: it takes the order as it is now and returns a Step (the order after, the
transitions to announce as OrderStatusChanged, the commands to send). The caller locks the order row,
saves the step and adds its messages to the outbox in one transaction.
"""

from dataclasses import dataclass, replace
from datetime import datetime
from uuid import UUID

from matjip_contracts.events import (
    AuthorizePayment,
    Event,
    OrderPlaced,
    OrderStatus,
    RefundPayment,
    ReleaseStock,
    RequestStoreAcceptance,
    ReserveStock,
    StockLine,
)
from matjip_order.domain.errors import OrderNotCancellable
from matjip_order.domain.order import CancelReason, Order, PaymentStatus, Transition

S = OrderStatus


@dataclass(frozen=True)
class Step:
    """What one message did to an order: the order after it, what to announce, what to ask of others."""

    order: Order
    transitions: tuple[Transition, ...] = ()
    commands: tuple[Event, ...] = ()

    def then(self, target: OrderStatus, reason: str, at: datetime, *commands: Event) -> "Step":
        moved, transition = self.order.move_to(target, reason=reason, at=at)
        return Step(moved, (*self.transitions, transition), (*self.commands, *commands))


def _ignore(order: Order) -> Step:
    return Step(order)


# --- checkout ---------------------------------------------------------------------------------------


def start(order: Order) -> Step:
    """A new PLACED order: announce it and ask store to hold its stock."""
    stock: dict[UUID, int] = {}
    for line in order.lines:
        stock[line.menu_item_id] = stock.get(line.menu_item_id, 0) + line.quantity
    return Step(
        order,
        commands=(
            OrderPlaced(
                order_id=order.order_id,
                customer_id=order.customer_id,
                store_id=order.store_id,
                lines=order.lines,
                total_amount=order.total_amount,
                placed_at=order.placed_at,
            ),
            ReserveStock(
                order_id=order.order_id,
                store_id=order.store_id,
                lines=tuple(StockLine(menu_item_id=item, quantity=qty) for item, qty in stock.items()),
            ),
        ),
    )


# --- PLACED: store answers the reservation ------------------------------------------------------------


def on_stock_reserved(order: Order, at: datetime) -> Step:
    if order.status is not S.PLACED:
        return _ignore(order)  # redelivered, or cancelled meanwhile (ReleaseStock already went out)
    return Step(order).then(
        S.STOCK_RESERVED,
        "stock_reserved",
        at,
        AuthorizePayment(order_id=order.order_id, customer_id=order.customer_id, amount=order.total_amount),
    )


def on_stock_rejected(order: Order, reason: str, detail: str, at: datetime) -> Step:
    if order.status is not S.PLACED:
        return _ignore(order)
    # A reservation is all lines or none: nothing is held, so there is nothing to release.
    return _cancel(order, CancelReason(reason), at, detail=detail or None, release_stock=False)


# --- STOCK_RESERVED: payment answers the authorization ----------------------------------------------


def on_payment_authorized(order: Order, payment_id: UUID, at: datetime) -> Step:
    if order.status is S.CANCELLED and order.payment_status is PaymentStatus.NOT_AUTHORIZED:
        # The customer cancelled while payment was in flight: give the money back.
        refunding = replace(order, payment_status=PaymentStatus.REFUND_REQUESTED, payment_id=payment_id)
        reason = order.cancel_reason or CancelReason.CUSTOMER_CANCELLED
        return Step(refunding, commands=(RefundPayment(order_id=order.order_id, reason=reason),))
    if order.status is not S.STOCK_RESERVED:
        return _ignore(order)
    accept_by = at + order.acceptance_window
    paid = replace(order, payment_status=PaymentStatus.AUTHORIZED, payment_id=payment_id, accept_by=accept_by)
    return Step(paid).then(
        S.AWAITING_STORE,
        "payment_authorized",
        at,
        RequestStoreAcceptance(
            order_id=order.order_id,
            store_id=order.store_id,
            customer_id=order.customer_id,
            lines=order.lines,
            total_amount=order.total_amount,
            accept_by=accept_by,
        ),
    )


def on_payment_failed(order: Order, reason: str, at: datetime) -> Step:
    if order.status is S.CANCELLED and order.payment_status is PaymentStatus.NOT_AUTHORIZED:
        return Step(replace(order, payment_status=PaymentStatus.FAILED))  # nothing to refund, ever
    if order.status is not S.STOCK_RESERVED:
        return _ignore(order)
    failed = replace(order, payment_status=PaymentStatus.FAILED)
    return _cancel(failed, CancelReason.PAYMENT_FAILED, at, detail=reason)


def on_payment_refunded(order: Order) -> Step:
    if order.payment_status not in (PaymentStatus.AUTHORIZED, PaymentStatus.REFUND_REQUESTED):
        return _ignore(order)
    return Step(replace(order, payment_status=PaymentStatus.REFUNDED))


# --- AWAITING_STORE: the owner decides, or the clock does -----------------------------------------


def on_store_accepted(order: Order, prep_minutes: int, at: datetime) -> Step:
    if order.status is not S.AWAITING_STORE:
        return _ignore(order)  # a late decision on a cancelled order, or a redelivery
    return Step(replace(order, prep_minutes=prep_minutes)).then(S.ACCEPTED, "accepted_by_store", at)


def on_store_rejected(order: Order, reason: str, at: datetime, *, timed_out: bool = False) -> Step:
    """The owner refused, or the store's inbox let the order expire at its deadline (the store decides
    that, so its acceptance and the expiry cannot both happen)."""
    if order.status is not S.AWAITING_STORE:
        return _ignore(order)
    if timed_out:
        return _cancel(order, CancelReason.STORE_TIMEOUT, at)
    return _cancel(order, CancelReason.STORE_REJECTED, at, detail=reason)


def on_acceptance_deadline(order: Order, at: datetime) -> Step:
    """Order's fallback when the store said nothing at all (see tasks/acceptance_timeouts.py)."""
    if order.status is not S.AWAITING_STORE or order.accept_by is None or at < order.accept_by:
        return _ignore(order)
    return _cancel(order, CancelReason.STORE_TIMEOUT, at)


# --- ACCEPTED on: the store reports progress -------------------------------------------------------


def on_store_progressed(order: Order, stage: str, at: datetime) -> Step:
    target = OrderStatus(stage)
    if not order.can_move_to(target):
        return _ignore(order)  # a stale stage (PREPARING after READY) or a repeated one
    step = Step(order).then(target, "progressed_at_store", at)
    if target in (S.PICKED_UP, S.DELIVERED):
        step = step.then(S.COMPLETED, f"{stage.lower()}", at)  # handed over: the order is done
    return step


# --- the customer changes their mind ------------------------------------------------------------------


def cancel_by_customer(order: Order, at: datetime) -> Step:
    if not order.is_cancellable:
        raise OrderNotCancellable(
            f"The order is {order.status} and can no longer be cancelled: "
            + (
                "it has already ended."
                if order.status in (S.CANCELLED, S.COMPLETED)
                else "the store has accepted it and is preparing it."
            ),
            status_now=order.status.value,
        )
    return _cancel(order, CancelReason.CUSTOMER_CANCELLED, at)


# --- the one compensation -----------------------------------------------------------------------------


def _cancel(
    order: Order, reason: CancelReason, at: datetime, *, detail: str | None = None, release_stock: bool = True
) -> Step:
    """CANCELLED: give the stock back (store ignores a release with nothing held) and the money too."""
    cancelled = replace(order, cancel_reason=reason.value, cancel_detail=detail)
    commands: list[Event] = []
    if release_stock:
        commands.append(ReleaseStock(order_id=order.order_id, store_id=order.store_id, reason=reason.value))
    if order.holds_customer_money:
        cancelled = replace(cancelled, payment_status=PaymentStatus.REFUND_REQUESTED)
        commands.append(RefundPayment(order_id=order.order_id, reason=reason.value))
    return Step(cancelled).then(S.CANCELLED, reason.value, at, *commands)
