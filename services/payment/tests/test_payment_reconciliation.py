"""The reconciliation job against the real stack: charges the intents do not know are recorded and
published, charges of cancelled orders are refunded, refunds postponed by an unavailable PG are retried."""

import asyncio
import uuid

import httpx
import pytest

from matjip_contracts.events.common import OrderStatus
from matjip_contracts.events.payment import RefundPayment
from matjip_payment import application
from matjip_payment.gateway.toss import TossPaymentsGateway
from matjip_payment.reconciliation import reconcile
from matjip_payment.repository import refunds
from matjip_platform.testing import poll
from matjip_sandbox_pg.client import Behaviour

from .harness import PaymentUnderTest

pytestmark = pytest.mark.integration

AUTHORIZED, FAILED, REFUNDED = "payment.authorized", "payment.failed", "payment.refunded"


async def test_an_unknown_charge_of_a_cancelled_order_is_recorded_then_refunded(payment: PaymentUnderTest) -> None:
    customer, order_id = uuid.uuid4(), uuid.uuid4()
    await payment.charge_behind_payments_back(order_id, customer, amount=31000)
    cancelled = await payment.order_status(order_id, customer, OrderStatus.CANCELLED)
    await payment.processed(cancelled)

    report = await payment.reconcile()

    assert order_id in report.recorded_charges and order_id in report.refunded
    [authorized] = await payment.events.wait_for(AUTHORIZED, key=order_id)
    [refunded] = await payment.events.wait_for(REFUNDED, key=order_id)
    assert authorized.payload["amount"] == refunded.payload["amount"] == 31000
    intent = await payment.payment(order_id)
    assert intent["status"] == "REFUNDED" and intent["customer_id"] == str(customer)
    [charge] = await payment.charges(order_id)
    assert charge.status == "CANCELED"


async def test_a_charge_behind_a_failed_intent_is_published_and_order_can_refund_it(payment: PaymentUnderTest) -> None:
    customer = uuid.uuid4()
    await payment.scenario(customer, Behaviour.DECLINE)
    order_id, _ = await payment.authorize(customer, amount=8000)
    await payment.events.wait_for(FAILED, key=order_id)
    await payment.scenario(customer, Behaviour.APPROVE)
    await payment.charge_behind_payments_back(order_id, customer, amount=8000)

    report = await payment.reconcile()
    assert order_id in report.recorded_charges and order_id not in report.refunded  # nothing says refund yet
    await payment.events.wait_for(AUTHORIZED, key=order_id)
    assert (await payment.payment(order_id))["status"] == "AUTHORIZED"
    assert order_id not in (await payment.reconcile()).recorded_charges  # recorded once

    # Order, cancelled by the failure, answers the late PaymentAuthorized with RefundPayment.
    await payment.send(RefundPayment(order_id=order_id, reason="payment_failed"))
    await payment.events.wait_for(REFUNDED, key=order_id)
    assert await payment.outbox(order_id) == [FAILED, AUTHORIZED, REFUNDED]


async def test_a_refund_the_pg_could_not_take_is_retried_by_the_next_pass(payment: PaymentUnderTest) -> None:
    customer = uuid.uuid4()
    order_id, _ = await payment.authorize(customer)
    await payment.events.wait_for(AUTHORIZED, key=order_id)

    # The PG is unreachable when the refund comes (nothing listens on port 9 of loopback).
    async with httpx.AsyncClient(base_url="http://127.0.0.1:9", timeout=0.5) as dead:
        unreachable = TossPaymentsGateway(dead, max_attempts=2, backoff_seconds=0.01)
        async with payment.components.unit_of_work() as uow:
            await application.refund_payment(uow, unreachable, order_id, "customer_cancelled")
    assert (await payment.payment(order_id))["status"] == "AUTHORIZED"
    assert await payment.outbox(order_id) == [AUTHORIZED]

    report = await payment.reconcile()
    assert order_id in report.refunded
    await payment.events.wait_for(REFUNDED, key=order_id)
    async with payment.components.db.transaction() as conn:
        assert await refunds.requested(conn, order_id) == "customer_cancelled"


async def test_the_background_job_runs_passes_until_stopped(payment: PaymentUnderTest) -> None:
    customer, order_id = uuid.uuid4(), uuid.uuid4()
    await payment.charge_behind_payments_back(order_id, customer, amount=5000)
    original = payment.components.settings.payment_reconcile_interval_seconds
    payment.components.settings.payment_reconcile_interval_seconds = 0.05
    stop = asyncio.Event()
    job = asyncio.create_task(reconcile(payment.components, stop))
    try:
        await payment.events.wait_for(AUTHORIZED, key=order_id)
    finally:
        stop.set()
        await asyncio.wait_for(job, 10)
        payment.components.settings.payment_reconcile_interval_seconds = original

    async def recorded() -> bool:
        status: str = (await payment.payment(order_id))["status"]
        return status == "AUTHORIZED"

    await poll(recorded, "the background pass did not record the charge")
