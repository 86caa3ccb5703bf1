"""The saga's decisions (domain/saga.py) as pure functions: each reply, each compensation, each late or
repeated message."""

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from matjip_contracts.events import (
    AuthorizePayment,
    OrderLine,
    OrderPlaced,
    OrderStatus,
    RefundPayment,
    ReleaseStock,
    RequestStoreAcceptance,
    ReserveStock,
    StockLine,
)
from matjip_order.domain import saga
from matjip_order.domain.errors import OrderNotCancellable
from matjip_order.domain.order import Order, PaymentStatus

S = OrderStatus
PLACED_AT = datetime(2025, 1, 15, 3, 0, tzinfo=UTC)
LATER = PLACED_AT + timedelta(seconds=30)
WINDOW = timedelta(minutes=10)
GIMBAP = uuid4()
PAID = {S.AWAITING_STORE, S.ACCEPTED, S.PREPARING, S.READY, S.PICKED_UP, S.DELIVERED, S.COMPLETED}


def order_in(status: OrderStatus = S.PLACED, **changes: object) -> Order:
    placed = Order.place(
        order_id=uuid4(),
        customer_id=uuid4(),
        store_id=uuid4(),
        lines=(
            OrderLine(menu_item_id=GIMBAP, name="Tuna gimbap", quantity=2, unit_price=4500),
            OrderLine(menu_item_id=uuid4(), name="Ramyeon", quantity=1, unit_price=5000),
            OrderLine(menu_item_id=GIMBAP, name="Tuna gimbap", quantity=1, unit_price=5000, option_ids=(uuid4(),)),
        ),
        at=PLACED_AT,
        acceptance_window=WINDOW,
    )
    values: dict[str, object] = {"status": status}
    if status in PAID:
        values.update(payment_status=PaymentStatus.AUTHORIZED, payment_id=uuid4(), accept_by=PLACED_AT + WINDOW)
    values.update(changes)
    return replace(placed, **values)  # type: ignore[arg-type]


def statuses_except(*kept: OrderStatus) -> list[OrderStatus]:
    return [status for status in OrderStatus if status not in kept]


def kinds(step: saga.Step) -> list[type]:
    return [type(command) for command in step.commands]


def path(step: saga.Step) -> list[tuple[OrderStatus, OrderStatus, str]]:
    return [(t.previous, t.status, t.reason) for t in step.transitions]


# --- checkout ---------------------------------------------------------------------------------------


def test_start_announces_the_order_and_reserves_stock_per_menu_item() -> None:
    order = order_in()
    step = saga.start(order)
    placed, reserve = step.commands
    assert isinstance(placed, OrderPlaced)
    assert placed.total_amount == 19000 and placed.lines == order.lines
    assert isinstance(reserve, ReserveStock)
    assert reserve.store_id == order.store_id
    # Two lines of the same item (different options) are one stock line of 3 units.
    assert set(reserve.lines) == {
        StockLine(menu_item_id=GIMBAP, quantity=3),
        StockLine(menu_item_id=order.lines[1].menu_item_id, quantity=1),
    }
    assert step.transitions == () and step.order == order


# --- stock ------------------------------------------------------------------------------------------


def test_stock_reserved_asks_payment_for_the_total() -> None:
    order = order_in(S.PLACED)
    step = saga.on_stock_reserved(order, LATER)
    assert step.order.status is S.STOCK_RESERVED
    assert path(step) == [(S.PLACED, S.STOCK_RESERVED, "stock_reserved")]
    assert step.commands == (AuthorizePayment(order_id=order.order_id, customer_id=order.customer_id, amount=19000),)


@pytest.mark.parametrize("reason", ["sold_out", "store_closed", "unknown_item"])
def test_stock_rejected_cancels_with_its_reason_and_releases_nothing(reason: str) -> None:
    step = saga.on_stock_rejected(order_in(S.PLACED), reason, "Tuna gimbap", LATER)
    assert step.order.status is S.CANCELLED
    assert step.order.cancel_reason == reason and step.order.cancel_detail == "Tuna gimbap"
    assert path(step) == [(S.PLACED, S.CANCELLED, reason)]
    assert step.commands == ()  # nothing was held, nothing was paid


# --- payment ----------------------------------------------------------------------------------------


def test_payment_authorized_asks_the_store_to_accept_within_the_window() -> None:
    order = order_in(S.STOCK_RESERVED)
    payment_id = uuid4()
    step = saga.on_payment_authorized(order, payment_id, LATER)
    assert step.order.status is S.AWAITING_STORE
    assert step.order.payment_status is PaymentStatus.AUTHORIZED and step.order.payment_id == payment_id
    assert step.order.accept_by == LATER + WINDOW
    (request,) = step.commands
    assert isinstance(request, RequestStoreAcceptance)
    assert request.accept_by == LATER + WINDOW
    assert (request.lines, request.total_amount, request.customer_id) == (order.lines, 19000, order.customer_id)


def test_payment_failed_releases_the_stock_and_cancels() -> None:
    order = order_in(S.STOCK_RESERVED)
    step = saga.on_payment_failed(order, "card_declined", LATER)
    assert path(step) == [(S.STOCK_RESERVED, S.CANCELLED, "payment_failed")]
    assert step.commands == (ReleaseStock(order_id=order.order_id, store_id=order.store_id, reason="payment_failed"),)
    assert step.order.payment_status is PaymentStatus.FAILED
    assert step.order.cancel_detail == "card_declined"


def test_payment_authorized_after_cancellation_is_refunded_once() -> None:
    cancelled = saga.cancel_by_customer(order_in(S.STOCK_RESERVED), LATER).order
    payment_id = uuid4()
    step = saga.on_payment_authorized(cancelled, payment_id, LATER)
    assert step.commands == (RefundPayment(order_id=cancelled.order_id, reason="customer_cancelled"),)
    assert step.transitions == ()
    assert step.order.status is S.CANCELLED
    assert step.order.payment_status is PaymentStatus.REFUND_REQUESTED and step.order.payment_id == payment_id
    again = saga.on_payment_authorized(step.order, payment_id, LATER)
    assert again.commands == () and again.order == step.order


def test_payment_failed_after_cancellation_only_records_it() -> None:
    cancelled = saga.cancel_by_customer(order_in(S.STOCK_RESERVED), LATER).order
    step = saga.on_payment_failed(cancelled, "card_declined", LATER)
    assert step.commands == () and step.transitions == ()
    assert step.order.payment_status is PaymentStatus.FAILED


@pytest.mark.parametrize("payment", [PaymentStatus.REFUND_REQUESTED, PaymentStatus.AUTHORIZED])
def test_refund_is_recorded(payment: PaymentStatus) -> None:
    step = saga.on_payment_refunded(order_in(S.CANCELLED, payment_status=payment))
    assert step.order.payment_status is PaymentStatus.REFUNDED
    assert step.commands == () and step.transitions == ()


def test_refund_of_nothing_changes_nothing() -> None:
    order = order_in(S.CANCELLED, payment_status=PaymentStatus.NOT_AUTHORIZED)
    assert saga.on_payment_refunded(order).order == order


# --- the store's decision -----------------------------------------------------------------------------


def test_store_accepts() -> None:
    step = saga.on_store_accepted(order_in(S.AWAITING_STORE), 25, LATER)
    assert path(step) == [(S.AWAITING_STORE, S.ACCEPTED, "accepted_by_store")]
    assert step.order.prep_minutes == 25
    assert step.commands == ()


def test_store_rejects_releases_stock_and_refunds() -> None:
    order = order_in(S.AWAITING_STORE)
    step = saga.on_store_rejected(order, "out of rice", LATER)
    assert path(step) == [(S.AWAITING_STORE, S.CANCELLED, "store_rejected")]
    assert kinds(step) == [ReleaseStock, RefundPayment]
    assert step.order.payment_status is PaymentStatus.REFUND_REQUESTED
    assert step.order.cancel_detail == "out of rice"


def test_an_expiry_told_by_the_store_cancels_as_a_timeout_with_refund() -> None:
    order = order_in(S.AWAITING_STORE)
    step = saga.on_store_rejected(order, "store_timeout", LATER, timed_out=True)
    assert path(step) == [(S.AWAITING_STORE, S.CANCELLED, "store_timeout")]
    assert kinds(step) == [ReleaseStock, RefundPayment]
    assert step.order.cancel_reason == "store_timeout" and step.order.cancel_detail is None


def test_an_expiry_after_the_acceptance_changes_nothing() -> None:
    accepted = order_in(S.ACCEPTED)
    assert saga.on_store_rejected(accepted, "store_timeout", LATER, timed_out=True).order == accepted


def test_store_silence_until_accept_by_changes_nothing() -> None:
    order = order_in(S.AWAITING_STORE)
    assert order.accept_by is not None
    assert saga.on_acceptance_deadline(order, order.accept_by - timedelta(microseconds=1)).order == order


def test_store_silence_past_accept_by_cancels_with_refund() -> None:
    order = order_in(S.AWAITING_STORE)
    assert order.accept_by is not None
    step = saga.on_acceptance_deadline(order, order.accept_by)
    assert path(step) == [(S.AWAITING_STORE, S.CANCELLED, "store_timeout")]
    assert kinds(step) == [ReleaseStock, RefundPayment]
    assert step.commands[0] == ReleaseStock(order_id=order.order_id, store_id=order.store_id, reason="store_timeout")


@pytest.mark.parametrize(
    "decide",
    [
        lambda o: saga.on_store_accepted(o, 10, LATER),
        lambda o: saga.on_store_rejected(o, "busy", LATER),
    ],
)
def test_late_store_decision_on_a_cancelled_order_is_ignored(decide: Callable[[Order], saga.Step]) -> None:
    cancelled = saga.on_acceptance_deadline(order_in(S.AWAITING_STORE), LATER + WINDOW).order
    step = decide(cancelled)
    assert step.order == cancelled and step.commands == () and step.transitions == ()


# --- progress at the store ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "stage", "expected"),
    [
        (S.ACCEPTED, "PREPARING", [(S.ACCEPTED, S.PREPARING, "progressed_at_store")]),
        (S.ACCEPTED, "READY", [(S.ACCEPTED, S.READY, "progressed_at_store")]),
        (S.PREPARING, "READY", [(S.PREPARING, S.READY, "progressed_at_store")]),
        (
            S.READY,
            "PICKED_UP",
            [(S.READY, S.PICKED_UP, "progressed_at_store"), (S.PICKED_UP, S.COMPLETED, "picked_up")],
        ),
        (
            S.READY,
            "DELIVERED",
            [(S.READY, S.DELIVERED, "progressed_at_store"), (S.DELIVERED, S.COMPLETED, "delivered")],
        ),
    ],
)
def test_progress_moves_along(status: OrderStatus, stage: str, expected: list[tuple[OrderStatus, ...]]) -> None:
    step = saga.on_store_progressed(order_in(status), stage, LATER)
    assert path(step) == expected
    assert step.order.status is expected[-1][1]
    assert step.commands == ()


@pytest.mark.parametrize(
    ("status", "stage"),
    [
        (S.READY, "PREPARING"),  # stale: READY was already reported
        (S.PREPARING, "PREPARING"),  # repeated
        (S.ACCEPTED, "PICKED_UP"),  # skips READY: the table refuses
        (S.COMPLETED, "DELIVERED"),
        (S.CANCELLED, "READY"),
        (S.AWAITING_STORE, "PREPARING"),
    ],
)
def test_progress_out_of_step_is_ignored(status: OrderStatus, stage: str) -> None:
    order = order_in(status)
    step = saga.on_store_progressed(order, stage, LATER)
    assert step.order == order and step.transitions == ()


# --- the customer cancels -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "commands"),
    [
        (S.PLACED, [ReleaseStock]),  # the reservation may be in flight: store releases once, or nothing
        (S.STOCK_RESERVED, [ReleaseStock]),  # payment may still authorize: that reply is refunded then
        (S.AWAITING_STORE, [ReleaseStock, RefundPayment]),
    ],
)
def test_customer_cancels_before_acceptance(status: OrderStatus, commands: list[type]) -> None:
    step = saga.cancel_by_customer(order_in(status), LATER)
    assert path(step) == [(status, S.CANCELLED, "customer_cancelled")]
    assert kinds(step) == commands


@pytest.mark.parametrize("status", statuses_except(S.PLACED, S.STOCK_RESERVED, S.AWAITING_STORE))
def test_customer_cannot_cancel_from_acceptance_on(status: OrderStatus) -> None:
    with pytest.raises(OrderNotCancellable) as refused:
        saga.cancel_by_customer(order_in(status), LATER)
    assert refused.value.code == "order_not_cancellable"
    assert status.value in refused.value.detail


# --- every reply is harmless when repeated, and ignored out of step ---------------------------------------

PAYMENT_ID = uuid4()
REPLIES: dict[str, tuple[OrderStatus, Callable[[Order], saga.Step]]] = {
    "stock_reserved": (S.PLACED, lambda o: saga.on_stock_reserved(o, LATER)),
    "stock_rejected": (S.PLACED, lambda o: saga.on_stock_rejected(o, "sold_out", "", LATER)),
    "payment_authorized": (S.STOCK_RESERVED, lambda o: saga.on_payment_authorized(o, PAYMENT_ID, LATER)),
    "payment_failed": (S.STOCK_RESERVED, lambda o: saga.on_payment_failed(o, "declined", LATER)),
    "store_accepted": (S.AWAITING_STORE, lambda o: saga.on_store_accepted(o, 15, LATER)),
    "store_rejected": (S.AWAITING_STORE, lambda o: saga.on_store_rejected(o, "busy", LATER)),
    "deadline": (S.AWAITING_STORE, lambda o: saga.on_acceptance_deadline(o, LATER + WINDOW)),
    "preparing": (S.ACCEPTED, lambda o: saga.on_store_progressed(o, "PREPARING", LATER)),
    "ready": (S.PREPARING, lambda o: saga.on_store_progressed(o, "READY", LATER)),
    "picked_up": (S.READY, lambda o: saga.on_store_progressed(o, "PICKED_UP", LATER)),
}


@pytest.mark.parametrize("name", list(REPLIES))
def test_a_reply_delivered_twice_acts_once(name: str) -> None:
    status, reply = REPLIES[name]
    first = reply(order_in(status))
    assert first.transitions, "the first delivery moves the order"
    second = reply(first.order)
    assert second.order == first.order
    assert second.commands == () and second.transitions == ()


@pytest.mark.parametrize(
    ("name", "status"),
    [
        (name, status)
        for name, (expected, _) in REPLIES.items()
        for status in OrderStatus
        if status is not expected
        # the documented exceptions: a late authorization is refunded, a late failure recorded
        and not (name in ("payment_authorized", "payment_failed") and status is S.CANCELLED)
        # progress stages legitimately arrive from more than one state (ACCEPTED -> READY)
        and not (name == "ready" and status is S.ACCEPTED)
    ],
)
def test_a_reply_out_of_step_changes_nothing(name: str, status: OrderStatus) -> None:
    _, reply = REPLIES[name]
    order = order_in(status)
    step = reply(order)
    assert step.order == order and step.commands == () and step.transitions == ()


def test_order_ids_on_every_command_are_the_orders() -> None:
    order = order_in(S.AWAITING_STORE)
    for step in (saga.start(order), saga.on_store_rejected(order, "busy", LATER)):
        assert {getattr(command, "order_id", None) for command in step.commands} == {order.order_id}
