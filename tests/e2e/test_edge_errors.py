"""At the edge, identity is verified and bad input is refused with problem+json, writing nothing."""

import uuid
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from e2e_support import Platform, expect, open_store, sign_up
from matjip_auth.repository.signing_keys import SigningKeyStore

PROTECTED = [
    ("POST", "/api/order/orders"),
    ("GET", "/api/order/cart"),
    ("POST", "/api/store/stores"),
    ("GET", "/api/user/me"),
    ("GET", "/api/auth/me"),
    ("GET", "/api/notification/notifications"),
    ("GET", "/api/ai/recommendations"),
    ("GET", "/api/payment/payments"),
]


def signed_by_auth(platform: Platform, claims: dict[str, object]) -> str:
    """A token signed with auth's real current key: only its claims can make it invalid."""
    store = SigningKeyStore(platform.key_dir)
    store.open()
    kid, key = store.signer()
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})


def claims(**overrides: object) -> dict[str, object]:
    now = datetime.now(UTC)
    base = {
        "sub": str(uuid.uuid4()), "role": "CUSTOMER", "iss": "matjip-auth", "aud": "matjip",
        "iat": now, "exp": now + timedelta(minutes=5), "jti": uuid.uuid4().hex, "typ": "access",
    }
    return {**base, **overrides}


def count_orders(platform: Platform) -> int:
    return int(platform.sql("SELECT count(*) AS n FROM ordering.orders")[0]["n"])


@pytest.mark.parametrize(("method", "path"), PROTECTED)
def test_missing_expired_and_forged_tokens_get_401_problem(platform: Platform, method: str, path: str) -> None:
    forger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    real_kid = jwt.get_unverified_header(signed_by_auth(platform, claims()))["kid"]
    tokens = {
        "missing": None,
        "expired": signed_by_auth(platform, claims(exp=datetime.now(UTC) - timedelta(minutes=1))),
        "forged": jwt.encode(claims(role="ADMIN"), forger, algorithm="RS256", headers={"kid": real_kid}),
        "garbage": "not.a.token",
    }
    for kind, token in tokens.items():
        with platform.client(token) as c:
            response = c.request(method, path, json={})
        assert response.status_code == 401, (kind, response.text)
        assert response.headers["content-type"] == "application/problem+json", kind
        problem = response.json()
        assert problem["status"] == 401 and problem["code"], (kind, problem)
        if kind == "expired":
            assert problem["code"] == "token_expired"


def test_a_valid_token_passes_where_the_forgeries_failed(platform: Platform) -> None:
    customer = sign_up(platform, "CUSTOMER")
    assert customer.get("/api/order/cart").status_code == 200


def test_malformed_bodies_name_the_field_and_write_nothing(platform: Platform) -> None:
    customer = sign_up(platform, "CUSTOMER")
    owner = sign_up(platform, "OWNER")
    store = open_store(owner, name="Validation Bistro")
    before = count_orders(platform)

    bad_quantity = customer.post(
        "/api/order/orders",
        json={"store_id": store["id"], "lines": [{"menu_item_id": str(uuid.uuid4()), "quantity": 0}]},
        headers={"Idempotency-Key": uuid.uuid4().hex},
    )
    assert bad_quantity.status_code == 422
    assert bad_quantity.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in bad_quantity.json()["errors"]] == ["lines[0].quantity"]

    smuggled_price = customer.post(
        "/api/order/orders",
        json={"store_id": store["id"], "lines": [], "total_amount": 1},
        headers={"Idempotency-Key": uuid.uuid4().hex},
    )
    assert smuggled_price.status_code == 422
    assert "total_amount" in {e["field"] for e in smuggled_price.json()["errors"]}

    json_headers = {"Idempotency-Key": uuid.uuid4().hex, "content-type": "application/json"}
    not_json = customer.post("/api/order/orders", content=b"{oops", headers=json_headers)
    assert not_json.status_code == 422

    dish = {"store_id": store["id"], "lines": [{"menu_item_id": str(uuid.uuid4()), "quantity": 1}]}
    no_key = customer.post("/api/order/orders", json=dish)
    assert no_key.status_code in (400, 422)
    assert "idempotency-key" in {e["field"].lower() for e in no_key.json()["errors"]}
    bad_key = customer.post("/api/order/orders", json=dish, headers={"Idempotency-Key": "no spaces allowed"})
    assert bad_key.status_code in (400, 422)

    bad_area = {"lat": 100, "lng": 0, "radius_m": 5}
    bad_store = owner.post("/api/store/stores", json={"name": "", "delivery_area": bad_area})
    assert bad_store.status_code == 422
    assert {e["field"] for e in bad_store.json()["errors"]} >= {"name", "delivery_area.lat"}

    assert count_orders(platform) == before
    assert expect(owner.get("/api/store/stores", params={"limit": 100}), 200)["total"] >= 1
