"""The payment domain's rules, exhaustively (no I/O)."""

import itertools
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from matjip_contracts.events.common import OrderStatus, Role
from matjip_payment.domain import gateway as gw
from matjip_payment.domain.intents import (
    TRANSITIONS,
    AuthorizationDecision,
    IllegalIntentTransition,
    IntentStatus,
    RefundDecision,
    check_transition,
    decide_authorization,
    decide_refund,
    refund_due,
    visible_to,
)
from matjip_payment.domain.orders import replaces
from matjip_payment.domain.reconciliation import ChargeFinding, examine_charge

ALLOWED = {
    (IntentStatus.PENDING, IntentStatus.AUTHORIZED),
    (IntentStatus.PENDING, IntentStatus.FAILED),
    (IntentStatus.FAILED, IntentStatus.AUTHORIZED),
    (IntentStatus.AUTHORIZED, IntentStatus.REFUNDED),
}


@pytest.mark.parametrize(("current", "to"), list(itertools.product(IntentStatus, IntentStatus)))
def test_only_the_listed_intent_transitions_are_allowed(current: IntentStatus, to: IntentStatus) -> None:
    if (current, to) in ALLOWED:
        check_transition(current, to)
    else:
        with pytest.raises(IllegalIntentTransition):
            check_transition(current, to)


def test_every_status_has_a_transition_entry() -> None:
    assert set(TRANSITIONS) == set(IntentStatus)


@pytest.mark.parametrize("status", [s for s in IntentStatus if s is not IntentStatus.PENDING])
def test_a_decided_intent_is_never_charged_again(status: IntentStatus) -> None:
    for cancelled, refund in itertools.product([False, True], repeat=2):
        decision = decide_authorization(status, order_cancelled=cancelled, refund_requested=refund)
        assert decision is AuthorizationDecision.ALREADY_DECIDED


def test_a_new_intent_is_charged_unless_the_order_is_already_over() -> None:
    def decide(cancelled: bool, refund: bool) -> AuthorizationDecision:
        return decide_authorization(IntentStatus.PENDING, order_cancelled=cancelled, refund_requested=refund)

    assert decide(False, False) is AuthorizationDecision.CHARGE
    assert decide(True, False) is AuthorizationDecision.REFUSE_ORDER_CANCELLED
    assert decide(False, True) is AuthorizationDecision.REFUSE_ORDER_CANCELLED


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (None, RefundDecision.NOTHING_CHARGED),
        (IntentStatus.PENDING, RefundDecision.NOTHING_CHARGED),
        (IntentStatus.FAILED, RefundDecision.NOTHING_CHARGED),
        (IntentStatus.AUTHORIZED, RefundDecision.REFUND),
        (IntentStatus.REFUNDED, RefundDecision.ALREADY_REFUNDED),
    ],
)
def test_refund_decision(status: IntentStatus | None, expected: RefundDecision) -> None:
    assert decide_refund(status) is expected


@pytest.mark.parametrize("order_status", [None, *OrderStatus])
@pytest.mark.parametrize("status", [None, *IntentStatus])
@pytest.mark.parametrize("requested", [False, True])
def test_refund_is_due_only_for_held_money_of_an_order_that_is_over(
    order_status: OrderStatus | None, status: IntentStatus | None, requested: bool
) -> None:
    due = refund_due(status, order_status=order_status, refund_requested=requested)
    assert due == (status is IntentStatus.AUTHORIZED and (order_status is OrderStatus.CANCELLED or requested))


@pytest.mark.parametrize("intent", [None, *IntentStatus])
@pytest.mark.parametrize("charge", list(gw.ChargeState))
def test_reconciliation_findings(intent: IntentStatus | None, charge: gw.ChargeState) -> None:
    finding = examine_charge(intent, charge)
    if charge is gw.ChargeState.CHARGED and intent in (None, IntentStatus.PENDING, IntentStatus.FAILED):
        assert finding is ChargeFinding.UNKNOWN_CHARGE
    elif charge is gw.ChargeState.CANCELLED and intent is IntentStatus.AUTHORIZED:
        assert finding is ChargeFinding.REFUNDED_AT_GATEWAY
    else:
        assert finding is ChargeFinding.IN_AGREEMENT


def test_an_intent_is_visible_to_its_customer_and_admins_only() -> None:
    customer, stranger = uuid.uuid4(), uuid.uuid4()
    assert visible_to(customer, user_id=customer, role=Role.CUSTOMER)
    assert visible_to(customer, user_id=stranger, role=Role.ADMIN)
    assert visible_to(None, user_id=stranger, role=Role.ADMIN)
    assert not visible_to(customer, user_id=stranger, role=Role.CUSTOMER)
    assert not visible_to(customer, user_id=customer, role=Role.OWNER)  # an owner token is not the customer
    assert not visible_to(None, user_id=customer, role=Role.CUSTOMER)


def test_order_state_read_model_keeps_the_newest_and_never_undoes_an_end() -> None:
    t0 = datetime(2025, 1, 1, tzinfo=UTC)
    later = t0 + timedelta(seconds=1)
    assert replaces(None, None, OrderStatus.STOCK_RESERVED, t0)
    assert replaces(OrderStatus.STOCK_RESERVED, t0, OrderStatus.AWAITING_STORE, later)
    assert not replaces(OrderStatus.AWAITING_STORE, later, OrderStatus.STOCK_RESERVED, t0)
    for end in (OrderStatus.CANCELLED, OrderStatus.COMPLETED):
        for status in OrderStatus:
            assert not replaces(end, t0, status, later)


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("REJECT_CARD_PAYMENT", gw.CARD_DECLINED),
        ("EXCEED_MAX_DAILY_PAYMENT_COUNT", gw.LIMIT_EXCEEDED),
        ("INVALID_CARD_EXPIRATION", gw.INVALID_CARD),
        ("FDS_ERROR", gw.RISK_REJECTED),
        ("SOMETHING_NEW", gw.PAYMENT_REJECTED),
    ],
)
def test_pg_decline_codes_map_to_domain_reasons(code: str, reason: str) -> None:
    assert gw.Declined(code, "msg").reason == reason


def test_checkout_keys_are_deterministic_per_order_and_carry_the_customer() -> None:
    order, customer = uuid.uuid4(), uuid.uuid4()
    key = gw.checkout_payment_key(order, customer)
    assert key == gw.checkout_payment_key(order, customer)
    assert key != gw.checkout_payment_key(uuid.uuid4(), customer)
    assert gw.customer_of_payment_key(key) == customer
    assert gw.customer_of_payment_key("tgen_20240101abc") is None
    assert gw.idempotency_key(order, "confirm") == gw.idempotency_key(order, "confirm")
    assert gw.idempotency_key(order, "confirm") != gw.idempotency_key(order, "cancel")
