"""The order aggregate's state machine, checked for every pair of states against docs/saga.md."""

from datetime import UTC, datetime, timedelta
from itertools import product
from uuid import uuid4

import pytest

from matjip_contracts.events import OrderLine, OrderStatus
from matjip_order.domain.errors import IllegalTransition
from matjip_order.domain.order import CANCELLABLE, TRANSITIONS, Order, can_transition

S = OrderStatus

# Copied by hand from the table in docs/saga.md: the code must agree with the document.
DOCUMENTED = {
    (S.PLACED, S.STOCK_RESERVED),
    (S.PLACED, S.CANCELLED),
    (S.STOCK_RESERVED, S.AWAITING_STORE),
    (S.STOCK_RESERVED, S.CANCELLED),
    (S.AWAITING_STORE, S.ACCEPTED),
    (S.AWAITING_STORE, S.CANCELLED),
    (S.ACCEPTED, S.PREPARING),
    (S.ACCEPTED, S.READY),
    (S.PREPARING, S.READY),
    (S.READY, S.PICKED_UP),
    (S.READY, S.DELIVERED),
    (S.PICKED_UP, S.COMPLETED),
    (S.DELIVERED, S.COMPLETED),
}
PLACED_AT = datetime(2025, 1, 15, 3, 0, tzinfo=UTC)


def order_in(status: OrderStatus) -> Order:
    placed = Order.place(
        order_id=uuid4(),
        customer_id=uuid4(),
        store_id=uuid4(),
        lines=(OrderLine(menu_item_id=uuid4(), name="Tteokbokki", quantity=3, unit_price=6000),),
        at=PLACED_AT,
        acceptance_window=timedelta(minutes=10),
    )
    from dataclasses import replace

    return replace(placed, status=status)


def test_every_state_has_a_row() -> None:
    assert set(TRANSITIONS) == set(OrderStatus)


@pytest.mark.parametrize(("current", "target"), list(product(OrderStatus, OrderStatus)))
def test_transition_is_allowed_exactly_when_documented(current: OrderStatus, target: OrderStatus) -> None:
    allowed = (current, target) in DOCUMENTED
    assert can_transition(current, target) is allowed
    order = order_in(current)
    at = PLACED_AT + timedelta(seconds=42)
    if allowed:
        moved, transition = order.move_to(target, reason="because", at=at)
        assert moved.status is target
        assert moved.status_changed_at == at
        assert (transition.previous, transition.status, transition.reason) == (current, target, "because")
        assert transition.seconds_in_previous == 42
    else:
        with pytest.raises(IllegalTransition):
            order.move_to(target, reason="because", at=at)


def test_final_states_lead_nowhere() -> None:
    assert TRANSITIONS[S.COMPLETED] == frozenset()
    assert TRANSITIONS[S.CANCELLED] == frozenset()


def test_customer_may_cancel_only_before_the_store_accepts() -> None:
    assert {S.PLACED, S.STOCK_RESERVED, S.AWAITING_STORE} == CANCELLABLE
    assert all(can_transition(status, S.CANCELLED) for status in CANCELLABLE)


def test_placing_totals_the_lines() -> None:
    order = order_in(S.PLACED)
    assert order.total_amount == 18000
    assert order.status is S.PLACED
    assert order.status_changed_at == order.placed_at
