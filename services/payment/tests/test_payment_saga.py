"""Payment against the real stack: order's commands in on Kafka, the sandbox PG charged over real HTTP,
payment's events out on Kafka. Each test uses its own customer (scenarios are per customer) and order."""

import uuid

import pytest
from prometheus_client import REGISTRY

from matjip_contracts.events.common import OrderStatus
from matjip_contracts.events.payment import AuthorizePayment, RefundPayment
from matjip_contracts.topics import PAYMENT_COMMANDS
from matjip_payment.domain.gateway import idempotency_key
from matjip_sandbox_pg.client import Behaviour

from .harness import PaymentUnderTest

pytestmark = pytest.mark.integration

AUTHORIZED, FAILED, REFUNDED = "payment.authorized", "payment.failed", "payment.refunded"
OUTCOMES = (AUTHORIZED, FAILED, REFUNDED)


def gateway_requests(operation: str, outcome: str) -> float:
    labels = {"operation": operation, "outcome": outcome}
    return REGISTRY.get_sample_value("payment_gateway_requests_total", labels) or 0.0


async def test_approved_payment_is_authorized_with_one_charge(payment: PaymentUnderTest) -> None:
    customer = uuid.uuid4()
    order_id, _ = await payment.authorize(customer, amount=23500)

    [authorized] = await payment.events.wait_for(AUTHORIZED, key=order_id)
    intent = await payment.payment(order_id)
    assert authorized.payload == {"order_id": str(order_id), "payment_id": intent["payment_id"], "amount": 23500}
    assert intent["status"] == "AUTHORIZED" and intent["customer_id"] == str(customer)
    [charge] = await payment.charges(order_id)
    assert charge.status == "DONE" and charge.amount == 23500 and charge.customer_id == customer
    assert charge.idempotency_key == idempotency_key(order_id, "confirm")


async def test_declined_payment_fails_with_the_reason_and_charges_nothing(payment: PaymentUnderTest) -> None:
    customer = uuid.uuid4()
    await payment.scenario(customer, Behaviour.DECLINE)
    order_id, _ = await payment.authorize(customer)

    [failed] = await payment.events.wait_for(FAILED, key=order_id)
    assert failed.payload == {"order_id": str(order_id), "reason": "card_declined"}
    assert await payment.charges(order_id) == []
    intent = await payment.payment(order_id)
    assert intent["status"] == "FAILED" and intent["failure_reason"] == "card_declined"
    assert await payment.outbox(order_id) == [FAILED]


async def test_a_timeout_is_retried_and_charges_once(payment: PaymentUnderTest) -> None:
    customer = uuid.uuid4()
    await payment.scenario(customer, Behaviour.TIMEOUT_THEN_APPROVE)
    timeouts_before = gateway_requests("confirm", "timeout")
    order_id, _ = await payment.authorize(customer)

    await payment.events.wait_for(AUTHORIZED, key=order_id)
    assert len(await payment.charges(order_id)) == 1
    assert gateway_requests("confirm", "timeout") >= timeouts_before + 1  # the first attempt did time out
    assert await payment.outbox(order_id) == [AUTHORIZED]


async def test_a_redelivered_command_still_charges_once_and_publishes_once(payment: PaymentUnderTest) -> None:
    customer = uuid.uuid4()
    order_id, envelope = await payment.authorize(customer)
    await payment.redeliver(envelope, PAYMENT_COMMANDS)  # the same message again (same event id)
    # ... and the same command re-sent as a new message (a new event id, so the inbox cannot tell).
    again = await payment.send(AuthorizePayment(order_id=order_id, customer_id=customer, amount=18000))
    await payment.processed(envelope, again)

    await payment.events.wait_for(AUTHORIZED, key=order_id)
    assert len(await payment.charges(order_id)) == 1
    assert await payment.outbox(order_id) == [AUTHORIZED]


async def test_refund_payment_twice_refunds_once(payment: PaymentUnderTest) -> None:
    customer = uuid.uuid4()
    order_id, _ = await payment.authorize(customer, amount=12000)
    await payment.events.wait_for(AUTHORIZED, key=order_id)

    first = await payment.send(RefundPayment(order_id=order_id, reason="store_rejected"))
    second = await payment.send(RefundPayment(order_id=order_id, reason="store_rejected"))
    await payment.processed(first, second)

    [refunded] = await payment.events.wait_for(REFUNDED, key=order_id)
    assert refunded.payload["amount"] == 12000
    [charge] = await payment.charges(order_id)
    assert charge.status == "CANCELED" and charge.cancel_reason == "store_rejected"
    assert (await payment.payment(order_id))["status"] == "REFUNDED"
    assert await payment.outbox(order_id) == [AUTHORIZED, REFUNDED]


async def test_refund_of_nothing_charged_publishes_nothing(payment: PaymentUnderTest) -> None:
    customer = uuid.uuid4()
    await payment.scenario(customer, Behaviour.DECLINE)
    order_id, _ = await payment.authorize(customer)
    await payment.events.wait_for(FAILED, key=order_id)

    refund = await payment.send(RefundPayment(order_id=order_id, reason="payment_failed"))
    await payment.processed(refund)
    assert await payment.outbox(order_id) == [FAILED]
    assert (await payment.payment(order_id))["status"] == "FAILED"


async def test_an_order_already_cancelled_is_not_charged(payment: PaymentUnderTest) -> None:
    customer = uuid.uuid4()
    order_id = uuid.uuid4()
    cancelled = await payment.order_status(order_id, customer, OrderStatus.CANCELLED)
    await payment.processed(cancelled)

    await payment.send(AuthorizePayment(order_id=order_id, customer_id=customer, amount=9000))
    [failed] = await payment.events.wait_for(FAILED, key=order_id)
    assert failed.payload["reason"] == "order_cancelled"
    assert await payment.charges(order_id) == []


async def test_fail_after_charge_is_found_out_then_refunded_when_the_order_is_cancelled(
    payment: PaymentUnderTest,
) -> None:
    customer = uuid.uuid4()
    await payment.scenario(customer, Behaviour.FAIL_AFTER_CHARGE)
    order_id, _ = await payment.authorize(customer, amount=15000)

    # The PG answered 500 after charging; the adapter asked it and learned of the charge.
    await payment.events.wait_for(AUTHORIZED, key=order_id)
    [charge] = await payment.charges(order_id)
    assert charge.status == "DONE"

    cancelled = await payment.order_status(order_id, customer, OrderStatus.CANCELLED)
    await payment.processed(cancelled)
    report = await payment.reconcile()
    assert order_id in report.refunded

    await payment.events.wait_for(REFUNDED, key=order_id)
    [charge] = await payment.charges(order_id)
    assert charge.status == "CANCELED"
    assert order_id not in (await payment.reconcile()).refunded  # a second pass has nothing left to do
    assert await payment.outbox(order_id) == [AUTHORIZED, REFUNDED]
