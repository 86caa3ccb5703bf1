"""The sandbox's PG API over real HTTP, as Toss answers: Idempotency-Key, basic auth, the customer's
scenario, look-ups and the transactions list the reconciliation reads."""

import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from matjip_payment.domain.gateway import checkout_payment_key
from matjip_sandbox_pg.client import Behaviour, SandboxPgClient
from matjip_sandbox_pg.testing import RunningSandboxPg

from .pg_support import confirm_body, key_of

pytestmark = pytest.mark.integration


async def test_the_same_idempotency_key_gets_the_first_answer_and_one_charge(
    pg: httpx.AsyncClient, control: SandboxPgClient
) -> None:
    order_id, customer = uuid.uuid4(), uuid.uuid4()
    first = await pg.post("/v1/payments/confirm", json=confirm_body(order_id, customer), headers=key_of(order_id))
    again = await pg.post("/v1/payments/confirm", json=confirm_body(order_id, customer), headers=key_of(order_id))
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()
    assert first.json()["status"] == "DONE" and first.json()["totalAmount"] == 10000
    [charge] = await control.charges(order_id)
    assert (charge.customer_id, charge.amount, charge.idempotency_key) == (customer, 10000, f"k-{order_id}")

    other_key = await pg.post(
        "/v1/payments/confirm", json=confirm_body(order_id, customer), headers={"Idempotency-Key": "another"}
    )
    assert other_key.status_code == 400 and other_key.json()["code"] == "ALREADY_PROCESSED_PAYMENT"
    assert len(await control.charges(order_id)) == 1


async def test_a_declining_customer_is_refused_and_charged_nothing(
    pg: httpx.AsyncClient, control: SandboxPgClient
) -> None:
    order_id, customer = uuid.uuid4(), uuid.uuid4()
    await control.set_scenario(customer, Behaviour.DECLINE)
    assert await control.scenario(customer) is Behaviour.DECLINE
    refused = await pg.post("/v1/payments/confirm", json=confirm_body(order_id, customer), headers=key_of(order_id))
    assert refused.status_code == 403 and refused.json()["code"] == "REJECT_CARD_PAYMENT"
    assert await control.charges(order_id) == []
    assert await control.scenario(uuid.uuid4()) is Behaviour.APPROVE  # everyone else pays


async def test_timeout_then_approve_leaves_the_first_call_unanswered_and_charges_the_retry(
    sandbox: RunningSandboxPg, pg: httpx.AsyncClient, control: SandboxPgClient
) -> None:
    order_id, customer = uuid.uuid4(), uuid.uuid4()
    await control.set_scenario(customer, Behaviour.TIMEOUT_THEN_APPROVE)
    impatient = httpx.AsyncClient(base_url=sandbox.pg_url, auth=pg.auth, timeout=0.5)
    async with impatient:
        with pytest.raises(httpx.ReadTimeout):
            await impatient.post(
                "/v1/payments/confirm", json=confirm_body(order_id, customer), headers=key_of(order_id)
            )
    assert await control.charges(order_id) == []
    retried = await pg.post("/v1/payments/confirm", json=confirm_body(order_id, customer), headers=key_of(order_id))
    assert retried.status_code == 200 and retried.json()["status"] == "DONE"
    assert len(await control.charges(order_id)) == 1


async def test_fail_after_charge_answers_500_then_the_recorded_charge(
    pg: httpx.AsyncClient, control: SandboxPgClient
) -> None:
    order_id, customer = uuid.uuid4(), uuid.uuid4()
    await control.set_scenario(customer, Behaviour.FAIL_AFTER_CHARGE)
    failed = await pg.post("/v1/payments/confirm", json=confirm_body(order_id, customer), headers=key_of(order_id))
    assert failed.status_code == 500 and failed.json()["code"] == "FAILED_INTERNAL_SYSTEM_PROCESSING"
    retried = await pg.post("/v1/payments/confirm", json=confirm_body(order_id, customer), headers=key_of(order_id))
    assert retried.status_code == 200 and retried.json()["status"] == "DONE"
    looked_up = await pg.get(f"/v1/payments/orders/{order_id}")
    assert looked_up.status_code == 200 and looked_up.json()["paymentKey"] == retried.json()["paymentKey"]
    by_key = await pg.get(f"/v1/payments/{retried.json()['paymentKey']}")
    assert by_key.status_code == 200 and by_key.json()["orderId"] == str(order_id)
    assert len(await control.charges(order_id)) == 1


async def test_cancel_is_idempotent_and_refuses_a_second_cancellation(
    pg: httpx.AsyncClient, control: SandboxPgClient
) -> None:
    order_id, customer = uuid.uuid4(), uuid.uuid4()
    key = checkout_payment_key(order_id, customer)
    await pg.post("/v1/payments/confirm", json=confirm_body(order_id, customer), headers=key_of(order_id))
    body = {"cancelReason": "customer_cancelled"}
    first = await pg.post(f"/v1/payments/{key}/cancel", json=body, headers={"Idempotency-Key": f"x-{order_id}"})
    again = await pg.post(f"/v1/payments/{key}/cancel", json=body, headers={"Idempotency-Key": f"x-{order_id}"})
    other = await pg.post(f"/v1/payments/{key}/cancel", json=body, headers={"Idempotency-Key": f"y-{order_id}"})
    assert first.status_code == again.status_code == 200 and first.json() == again.json()
    assert first.json()["status"] == "CANCELED" and first.json()["cancels"][0]["cancelReason"] == "customer_cancelled"
    assert other.status_code == 400 and other.json()["code"] == "ALREADY_CANCELED_PAYMENT"
    [charge] = await control.charges(order_id)
    assert (charge.status, charge.cancel_reason) == ("CANCELED", "customer_cancelled")
    missing = await pg.post("/v1/payments/mjp_nope/cancel", json=body)
    assert missing.status_code == 404 and missing.json()["code"] == "NOT_FOUND_PAYMENT"
    unknown_order = await pg.get(f"/v1/payments/orders/{uuid.uuid4()}")
    assert unknown_order.status_code == 404 and unknown_order.json()["code"] == "NOT_FOUND_PAYMENT"


async def test_the_transactions_list_pages_in_time_order(pg: httpx.AsyncClient) -> None:
    customer = uuid.uuid4()
    since = datetime.now(UTC) - timedelta(seconds=1)
    orders = [uuid.uuid4() for _ in range(3)]
    for order_id in orders:
        await pg.post("/v1/payments/confirm", json=confirm_body(order_id, customer), headers=key_of(order_id))
    window = {"startDate": since.isoformat(), "endDate": (datetime.now(UTC) + timedelta(seconds=1)).isoformat()}

    seen: list[str] = []
    starting_after: dict[str, str] = {}
    while True:
        page = (await pg.get("/v1/transactions", params={**window, "limit": "2", **starting_after})).json()
        seen += [t["orderId"] for t in page if t["orderId"] in {str(o) for o in orders}]
        if len(page) < 2:
            break
        starting_after = {"startingAfter": page[-1]["transactionKey"]}
    assert seen == [str(o) for o in orders]  # each once, oldest first


async def test_the_pg_api_needs_the_secret_key(sandbox: RunningSandboxPg, control: SandboxPgClient) -> None:
    order_id, customer = uuid.uuid4(), uuid.uuid4()
    async with httpx.AsyncClient(base_url=sandbox.pg_url) as anonymous:
        nobody = await anonymous.post("/v1/payments/confirm", json=confirm_body(order_id, customer))
        guessed = await anonymous.post(
            "/v1/payments/confirm", json=confirm_body(order_id, customer), auth=httpx.BasicAuth("test_sk_guessed", "")
        )
        listing = await anonymous.get("/v1/transactions", params={"startDate": "2020-01-01", "endDate": "2030-01-01"})
    for response in (nobody, guessed, listing):
        assert response.status_code == 401 and response.json()["code"] == "UNAUTHORIZED_KEY"
    assert await control.charges(order_id) == []


async def test_bad_input_gets_the_pg_s_error_on_its_api_and_problem_json_on_the_control_api(
    sandbox: RunningSandboxPg, pg: httpx.AsyncClient
) -> None:
    bad_confirm = await pg.post("/v1/payments/confirm", json={"paymentKey": "", "orderId": "x", "amount": -1})
    assert bad_confirm.status_code == 400 and bad_confirm.json()["code"] == "INVALID_REQUEST"
    assert {"paymentKey", "orderId", "amount"} <= set(bad_confirm.json()["message"].replace(",", " ").split())

    async with httpx.AsyncClient(base_url=sandbox.root_url) as http:
        bad_scenario = await http.put(f"/api/sandbox-pg/scenarios/{uuid.uuid4()}", json={"behaviour": "explode"})
        bad_customer = await http.get("/api/sandbox-pg/scenarios/not-a-uuid")
    for response, field in ((bad_scenario, "behaviour"), (bad_customer, "customer_id")):
        assert response.status_code == 422 and response.headers["content-type"] == "application/problem+json"
        assert response.json()["code"] == "validation_failed" and response.json()["errors"][0]["field"] == field
