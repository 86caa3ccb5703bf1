"""The payment queries: who may see which payment."""

import importlib.util
import uuid

import pytest

from matjip_contracts.events.common import Role

from .harness import PaymentUnderTest

pytestmark = pytest.mark.integration


async def test_a_customer_sees_their_payment_and_nobody_else_does(payment: PaymentUnderTest) -> None:
    customer = uuid.uuid4()
    order_id, _ = await payment.authorize(customer, amount=11000)
    await payment.events.wait_for("payment.authorized", key=order_id)
    path = f"/api/payment/payments/{order_id}"

    own = await payment.client.get(path, headers=payment.headers(customer))
    assert own.status_code == 200
    assert own.json()["status"] == "AUTHORIZED" and own.json()["amount"] == 11000
    admin = await payment.client.get(path, headers=payment.headers(uuid.uuid4(), Role.ADMIN))
    assert admin.status_code == 200 and admin.json() == own.json()

    for stranger in (payment.headers(uuid.uuid4()), payment.headers(uuid.uuid4(), Role.OWNER)):
        response = await payment.client.get(path, headers=stranger)
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["code"] == "payment_not_found"
    missing = await payment.client.get(f"/api/payment/payments/{uuid.uuid4()}", headers=payment.headers(customer))
    assert missing.status_code == 404

    anonymous = await payment.client.get(path)
    assert anonymous.status_code == 401 and anonymous.json()["code"] == "missing_token"


async def test_admins_page_through_every_payment(payment: PaymentUnderTest) -> None:
    customer = uuid.uuid4()
    orders = [(await payment.authorize(customer))[0] for _ in range(3)]
    for order_id in orders:
        await payment.events.wait_for("payment.authorized", key=order_id)
    admin = payment.headers(uuid.uuid4(), Role.ADMIN)

    seen: list[str] = []
    cursor: str | None = None
    for _ in range(100):
        params = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        response = await payment.client.get("/api/payment/payments", params=params, headers=admin)
        assert response.status_code == 200, response.text
        page = response.json()
        assert len(page["items"]) <= 2
        seen += [item["order_id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert {str(o) for o in orders} <= set(seen)
    assert len(seen) == len(set(seen))  # no payment twice across pages


async def test_the_list_is_for_admins_and_checks_its_input(payment: PaymentUnderTest) -> None:
    customer = payment.headers(uuid.uuid4())
    forbidden = await payment.client.get("/api/payment/payments", headers=customer)
    assert forbidden.status_code == 403 and forbidden.json()["code"] == "role_required"

    admin = payment.headers(uuid.uuid4(), Role.ADMIN)
    bad_cursor = await payment.client.get("/api/payment/payments", params={"cursor": "not-a-cursor"}, headers=admin)
    assert bad_cursor.status_code == 422 and bad_cursor.json()["errors"][0]["field"] == "cursor"
    bad_limit = await payment.client.get("/api/payment/payments", params={"limit": "0"}, headers=admin)
    assert bad_limit.status_code == 422 and bad_limit.json()["errors"][0]["field"] == "limit"


async def test_gateway_metrics_are_exported(payment: PaymentUnderTest) -> None:
    response = await payment.client.get("/metrics")
    assert 'payment_gateway_requests_total{operation="confirm",outcome="success"}' in response.text


async def test_the_api_is_described(payment: PaymentUnderTest) -> None:
    response = await payment.client.get("/api/payment/openapi.json")
    assert response.status_code == 200
    assert {"/api/payment/payments", "/api/payment/payments/{order_id}"} <= set(response.json()["paths"])


async def test_the_payment_process_holds_no_payment_gateway(payment: PaymentUnderTest) -> None:
    """The sandbox PG once lived here, unauthenticated under /api/payment/sandbox-pg: it is its own program
    now (tools/sandbox-pg), which no payment image contains (tests/deploy/test_image_contents.py)."""
    old = "/api/payment/sandbox-pg"
    for method, path in (("GET", f"{old}/charges"), ("PUT", f"{old}/scenarios/{uuid.uuid4()}")):
        response = await payment.client.request(method, path, json={"behaviour": "decline"})
        assert response.status_code == 404, (method, path, response.status_code)
        assert response.headers["content-type"] == "application/problem+json"
    assert importlib.util.find_spec("matjip_payment.sandbox") is None
    paths = set((await payment.client.get("/api/payment/openapi.json")).json()["paths"])
    assert paths == {"/api/payment/payments", "/api/payment/payments/{order_id}"}
    assert payment.service.runtime.rate_limit_exempt == ()  # every path of payment's API is rate limited
