"""Idempotency-Key rules, the request fingerprint, page cursors and the saga step labels."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from matjip_contracts.events import OrderLine, OrderStatus
from matjip_order.domain.errors import IdempotencyKeyReused, InvalidCursor
from matjip_order.domain.idempotency import check_replay, is_valid_key, request_fingerprint
from matjip_order.domain.order import Order, Transition
from matjip_order.metrics import saga_step, step_outcome
from matjip_order.repository.orders import decode_cursor, encode_cursor

S = OrderStatus


@pytest.mark.parametrize(
    ("key", "valid"),
    [
        ("abcd1234", True),
        ("a" * 128, True),
        ("checkout_2025-01-15_Ab", True),
        ("abc1234", False),  # 7 characters
        ("a" * 129, False),
        ("has space1", False),
        ("semi;colon", False),
        ("ключ-ключ-ключ", False),
        ("", False),
        ("abcdefgh\n", False),
    ],
)
def test_key_format(key: str, valid: bool) -> None:
    assert is_valid_key(key) is valid


def test_fingerprint_ignores_formatting_but_not_content() -> None:
    body = {"store_id": "s", "lines": [{"menu_item_id": "m", "quantity": 1, "option_ids": []}]}
    reordered = {"lines": [{"option_ids": [], "quantity": 1, "menu_item_id": "m"}], "store_id": "s"}
    assert request_fingerprint(body) == request_fingerprint(reordered)
    changed = {"store_id": "s", "lines": [{"menu_item_id": "m", "quantity": 2, "option_ids": []}]}
    assert request_fingerprint(body) != request_fingerprint(changed)
    assert request_fingerprint(None) == request_fingerprint(None) != request_fingerprint(body)


def test_replay_is_allowed_only_for_the_same_request() -> None:
    check_replay("abcd1234", "same", "same")
    with pytest.raises(IdempotencyKeyReused) as refused:
        check_replay("abcd1234", "first", "second")
    assert refused.value.code == "idempotency_key_reused"
    assert "abcd1234" in refused.value.detail


def test_cursor_round_trip_and_garbage() -> None:
    order = Order.place(
        order_id=uuid4(),
        customer_id=uuid4(),
        store_id=uuid4(),
        lines=(OrderLine(menu_item_id=uuid4(), name="Bibimbap", quantity=1, unit_price=9000),),
        at=datetime(2025, 1, 15, 3, 0, 0, 123456, tzinfo=UTC),
        acceptance_window=timedelta(minutes=10),
    )
    assert decode_cursor(encode_cursor(order)) == (order.placed_at, order.order_id)
    for garbage in ("", "not-a-cursor", "!!!", encode_cursor(order)[:-4]):
        with pytest.raises(InvalidCursor):
            decode_cursor(garbage)


def transition(previous: OrderStatus, status: OrderStatus, reason: str = "x") -> Transition:
    at = datetime(2025, 1, 15, tzinfo=UTC)
    return Transition(previous, status, reason, at, at - timedelta(seconds=5))


@pytest.mark.parametrize(
    ("previous", "status", "reason", "step", "outcome"),
    [
        (S.PLACED, S.STOCK_RESERVED, "stock_reserved", "reserve_stock", "succeeded"),
        (S.PLACED, S.CANCELLED, "sold_out", "reserve_stock", "failed"),
        (S.STOCK_RESERVED, S.AWAITING_STORE, "payment_authorized", "authorize_payment", "succeeded"),
        (S.STOCK_RESERVED, S.CANCELLED, "payment_failed", "authorize_payment", "failed"),
        (S.AWAITING_STORE, S.ACCEPTED, "accepted_by_store", "store_acceptance", "succeeded"),
        (S.AWAITING_STORE, S.CANCELLED, "store_timeout", "store_acceptance", "timed_out"),
        (S.AWAITING_STORE, S.CANCELLED, "customer_cancelled", "store_acceptance", "cancelled"),
        (S.ACCEPTED, S.PREPARING, "progressed_at_store", "preparation_start", "succeeded"),
        (S.ACCEPTED, S.READY, "progressed_at_store", "preparation", "succeeded"),
        (S.PREPARING, S.READY, "progressed_at_store", "preparation", "succeeded"),
        (S.READY, S.PICKED_UP, "progressed_at_store", "handover", "succeeded"),
        (S.DELIVERED, S.COMPLETED, "delivered", "completion", "succeeded"),
    ],
)
def test_saga_step_labels(previous: OrderStatus, status: OrderStatus, reason: str, step: str, outcome: str) -> None:
    moved = transition(previous, status, reason)
    assert (saga_step(moved), step_outcome(moved)) == (step, outcome)
    assert moved.seconds_in_previous == 5
