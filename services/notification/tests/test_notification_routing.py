"""Who is told what (no I/O), for every status an order can reach."""

import uuid
from datetime import UTC, datetime

import pytest

from matjip_contracts.events.common import OrderLine, OrderStatus
from matjip_contracts.events.order import OrderPlaced, OrderStatusChanged
from matjip_notification.domain.routing import (
    CUSTOMER_MESSAGES,
    REACHED_THE_STORE,
    Audience,
    Delivery,
    Kind,
    OrderSummary,
    route_order_placed,
    route_status_change,
)
from matjip_notification.domain.stream import InvalidLastEventId, resume_after

CUSTOMER, STORE, ORDER = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
LINE = OrderLine(menu_item_id=uuid.uuid4(), name="Bibimbap", quantity=1, unit_price=11000)


def change(status: OrderStatus, previous: OrderStatus = OrderStatus.PLACED) -> OrderStatusChanged:
    return OrderStatusChanged(
        order_id=ORDER,
        customer_id=CUSTOMER,
        store_id=STORE,
        status=status,
        previous_status=previous,
        reason="store_rejected" if status is OrderStatus.CANCELLED else None,
        changed_at=datetime(2025, 5, 1, 12, 0, tzinfo=UTC),
    )


def owner_deliveries(deliveries: list[Delivery]) -> list[Delivery]:
    return [d for d in deliveries if d.audience is Audience.STORE_OWNER]


def test_the_customer_is_told_their_order_was_placed() -> None:
    placed = OrderPlaced(
        order_id=ORDER,
        customer_id=CUSTOMER,
        store_id=STORE,
        lines=(LINE,),
        total_amount=11000,
        placed_at=datetime(2025, 5, 1, tzinfo=UTC),
    )
    [delivery] = route_order_placed(placed)
    assert delivery.audience is Audience.CUSTOMER and delivery.customer_id == CUSTOMER
    assert delivery.kind is Kind.ORDER_PLACED
    assert delivery.body["status"] == "PLACED" and delivery.body["total_amount"] == 11000


@pytest.mark.parametrize("status", [s for s in OrderStatus if s is not OrderStatus.PLACED])
def test_the_customer_hears_every_transition_of_their_order(status: OrderStatus) -> None:
    customer = [d for d in route_status_change(change(status), None) if d.audience is Audience.CUSTOMER]
    [delivery] = customer
    assert delivery.customer_id == CUSTOMER and delivery.kind is Kind.ORDER_STATUS_CHANGED
    assert delivery.body["status"] == status.value and delivery.body["message"] == CUSTOMER_MESSAGES[status]
    assert delivery.body["order_id"] == str(ORDER) and delivery.body["previous_status"] == "PLACED"


@pytest.mark.parametrize("status", list(OrderStatus))
@pytest.mark.parametrize("previous", list(OrderStatus))
def test_the_owner_hears_of_new_orders_and_of_cancellations_of_orders_they_saw(
    status: OrderStatus, previous: OrderStatus
) -> None:
    owner = owner_deliveries(route_status_change(change(status, previous), None))
    if status is OrderStatus.AWAITING_STORE:
        assert [d.kind for d in owner] == [Kind.STORE_ORDER_AWAITING_ACCEPTANCE]
    elif status is OrderStatus.CANCELLED and previous in REACHED_THE_STORE:
        assert [d.kind for d in owner] == [Kind.STORE_ORDER_CANCELLED]
    else:
        assert owner == []
    assert all(d.store_id == STORE and d.customer_id is None for d in owner)


def test_a_payment_failure_before_the_store_saw_the_order_is_not_the_owners_business() -> None:
    cancelled = change(OrderStatus.CANCELLED, OrderStatus.STOCK_RESERVED)
    assert owner_deliveries(route_status_change(cancelled, None)) == []


def test_a_new_order_tells_the_owner_what_was_ordered_when_known() -> None:
    summary = OrderSummary(total_amount=22000, lines=(LINE, LINE))
    [known] = owner_deliveries(route_status_change(change(OrderStatus.AWAITING_STORE), summary))
    assert known.body["total_amount"] == 22000
    assert known.body["lines"] == [{"name": "Bibimbap", "quantity": 1, "unit_price": 11000}] * 2
    [unknown] = owner_deliveries(route_status_change(change(OrderStatus.AWAITING_STORE), None))
    assert "lines" not in unknown.body


def test_dedup_keys_tell_apart_each_status_and_audience() -> None:
    keys = [d.dedup_key for s in OrderStatus for d in route_status_change(change(s, OrderStatus.AWAITING_STORE), None)]
    assert len(keys) == len(set(keys))
    again = [d.dedup_key for d in route_status_change(change(OrderStatus.READY), None)]
    assert again == [d.dedup_key for d in route_status_change(change(OrderStatus.READY), None)]


def test_a_delivery_names_its_customer_exactly_when_it_is_for_a_customer() -> None:
    with pytest.raises(ValueError):
        Delivery(Audience.CUSTOMER, STORE, ORDER, Kind.ORDER_PLACED, "k", {})
    with pytest.raises(ValueError):
        Delivery(Audience.STORE_OWNER, STORE, ORDER, Kind.ORDER_PLACED, "k", {}, customer_id=CUSTOMER)


def test_last_event_id_wins_over_the_url_and_must_be_an_id() -> None:
    assert resume_after(None, None) == 0
    assert resume_after(None, 7) == 7
    assert resume_after("12", 7) == 12
    assert resume_after(" ", 7) == 7
    with pytest.raises(InvalidLastEventId):
        resume_after("abc", None)
    with pytest.raises(InvalidLastEventId):
        resume_after("-3", None)
