"""The sandbox PG itself, over real HTTP: the PG's contract, Idempotency-Key, basic auth, scenarios."""

import uuid
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from matjip_payment.api.sandbox_mount import router as sandbox_router
from matjip_payment.domain.gateway import checkout_payment_key

from .harness import SANDBOX, PaymentUnderTest

pytestmark = pytest.mark.integration


def confirm_body(order_id: uuid.UUID, customer_id: uuid.UUID, amount: int = 10000) -> dict[str, Any]:
    return {"paymentKey": checkout_payment_key(order_id, customer_id), "orderId": str(order_id), "amount": amount}


async def test_the_same_idempotency_key_gets_the_first_answer_and_one_charge(payment: PaymentUnderTest) -> None:
    pg = payment.components.http
    order_id, customer = uuid.uuid4(), uuid.uuid4()
    headers = {"Idempotency-Key": f"k-{order_id}"}
    first = await pg.post("/v1/payments/confirm", json=confirm_body(order_id, customer), headers=headers)
    again = await pg.post("/v1/payments/confirm", json=confirm_body(order_id, customer), headers=headers)
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()
    assert first.json()["status"] == "DONE" and first.json()["totalAmount"] == 10000
    assert len(await payment.charges(order_id)) == 1

    other_key = await pg.post(
        "/v1/payments/confirm", json=confirm_body(order_id, customer), headers={"Idempotency-Key": "another"}
    )
    assert other_key.status_code == 400 and other_key.json()["code"] == "ALREADY_PROCESSED_PAYMENT"
    assert len(await payment.charges(order_id)) == 1


async def test_fail_after_charge_answers_500_then_the_recorded_charge(payment: PaymentUnderTest) -> None:
    pg = payment.components.http
    order_id, customer = uuid.uuid4(), uuid.uuid4()
    await payment.scenario(customer, "fail_after_charge")
    headers = {"Idempotency-Key": f"k-{order_id}"}
    failed = await pg.post("/v1/payments/confirm", json=confirm_body(order_id, customer), headers=headers)
    assert failed.status_code == 500 and failed.json()["code"] == "FAILED_INTERNAL_SYSTEM_PROCESSING"
    retried = await pg.post("/v1/payments/confirm", json=confirm_body(order_id, customer), headers=headers)
    assert retried.status_code == 200 and retried.json()["status"] == "DONE"
    looked_up = await pg.get(f"/v1/payments/orders/{order_id}")
    assert looked_up.status_code == 200 and looked_up.json()["paymentKey"] == retried.json()["paymentKey"]
    assert len(await payment.charges(order_id)) == 1


async def test_cancel_is_idempotent_and_refuses_a_second_cancellation(payment: PaymentUnderTest) -> None:
    pg = payment.components.http
    order_id, customer = uuid.uuid4(), uuid.uuid4()
    key = checkout_payment_key(order_id, customer)
    await pg.post("/v1/payments/confirm", json=confirm_body(order_id, customer), headers={"Idempotency-Key": "c1"})
    body = {"cancelReason": "customer_cancelled"}
    first = await pg.post(f"/v1/payments/{key}/cancel", json=body, headers={"Idempotency-Key": f"x-{order_id}"})
    again = await pg.post(f"/v1/payments/{key}/cancel", json=body, headers={"Idempotency-Key": f"x-{order_id}"})
    other = await pg.post(f"/v1/payments/{key}/cancel", json=body, headers={"Idempotency-Key": f"y-{order_id}"})
    assert first.status_code == again.status_code == 200 and first.json() == again.json()
    assert first.json()["status"] == "CANCELED" and first.json()["cancels"][0]["cancelReason"] == "customer_cancelled"
    assert other.status_code == 400 and other.json()["code"] == "ALREADY_CANCELED_PAYMENT"
    missing = await pg.post("/v1/payments/mjp_nope/cancel", json=body)
    assert missing.status_code == 404 and missing.json()["code"] == "NOT_FOUND_PAYMENT"


async def test_the_pg_api_needs_the_secret_key(payment: PaymentUnderTest) -> None:
    order_id, customer = uuid.uuid4(), uuid.uuid4()
    anonymous = await payment.client.post(f"{SANDBOX}/v1/payments/confirm", json=confirm_body(order_id, customer))
    wrong = await payment.client.post(
        f"{SANDBOX}/v1/payments/confirm",
        json=confirm_body(order_id, customer),
        auth=httpx.BasicAuth("test_sk_guessed", ""),
    )
    for response in (anonymous, wrong):
        assert response.status_code == 401 and response.json()["code"] == "UNAUTHORIZED_KEY"
    assert await payment.charges(order_id) == []


async def test_scenarios_are_validated(payment: PaymentUnderTest) -> None:
    customer = uuid.uuid4()
    bad = await payment.client.put(f"{SANDBOX}/scenarios/{customer}", json={"behaviour": "explode"})
    assert bad.status_code == 400 and bad.json()["code"] == "INVALID_REQUEST"
    await payment.scenario(customer, "decline")
    shown = await payment.client.get(f"{SANDBOX}/scenarios/{customer}")
    assert shown.json() == {"customerId": str(customer), "behaviour": "decline"}


async def test_outside_sandbox_mode_the_sandbox_path_leads_nowhere() -> None:
    app = FastAPI()
    app.include_router(sandbox_router)  # no components with a sandbox: the PG is elsewhere
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        response = await client.get(f"{SANDBOX}/charges")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
