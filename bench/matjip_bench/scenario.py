"""The people and the store of a benchmark, made through the edge like any user would: one owner with an
always-open, auto-accepting store selling one dish, and customers with their own tokens.

Setting up is not measured; the load itself comes from the compiled generator (matjip_bench.vegeta).
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import cycle

import httpx

from matjip_bench.vegeta import Request

ALWAYS_OPEN = [{"weekday": day, "opens": "00:00", "closes": "00:00"} for day in range(7)]


class SetupError(RuntimeError):
    """The platform refused a set-up request; the message has its answer."""


def _expect(response: httpx.Response, status: int) -> dict[str, object]:
    if response.status_code != status:
        request = response.request
        raise SetupError(f"{request.method} {request.url}: {response.status_code} {response.text[:500]}")
    body: dict[str, object] = response.json()
    return body


@dataclass
class Customer:
    email: str
    password: str
    access_token: str = ""
    refresh_token: str = ""
    expires_at: float = 0.0
    """time.monotonic() at which the access token expires."""

    def take(self, tokens: dict[str, object]) -> None:
        self.access_token = str(tokens["access_token"])
        self.refresh_token = str(tokens["refresh_token"])
        self.expires_at = time.monotonic() + float(str(tokens["expires_in"]))


@dataclass
class Scenario:
    edge_url: str
    store_id: str
    menu_item_id: str
    customers: list[Customer]

    def checkout_requests(self) -> Iterator[Request]:
        """Endless checkouts: one dish, the customers in turn, a fresh Idempotency-Key each."""
        body = json.dumps({"store_id": self.store_id, "lines": [{"menu_item_id": self.menu_item_id, "quantity": 1}]})
        for customer in cycle(self.customers):
            yield Request(
                "POST", f"{self.edge_url}/api/order/orders",
                {"Authorization": f"Bearer {customer.access_token}", "Idempotency-Key": uuid.uuid4().hex,
                 "Content-Type": "application/json"},
                body.encode(),
            )

    def menu_request(self) -> Request:
        return Request("GET", f"{self.edge_url}/api/order/stores/{self.store_id}/menu", {})

    async def refresh_tokens(self, client: httpx.AsyncClient, valid_for: float) -> int:
        """Rotate the tokens of customers whose access token would expire within `valid_for` seconds."""
        due = [c for c in self.customers if c.expires_at < time.monotonic() + valid_for]
        for customer in due:
            response = await client.post("/api/auth/refresh", json={"refresh_token": customer.refresh_token})
            customer.take(_expect(response, 200))
        return len(due)


async def _person(client: httpx.AsyncClient, role: str) -> Customer:
    person = Customer(f"bench-{role.lower()}-{uuid.uuid4().hex[:12]}@matjip.dev", uuid.uuid4().hex)
    _expect(await client.post("/api/auth/signup", json={
        "email": person.email, "password": person.password, "display_name": f"Bench {role.title()}", "role": role,
    }), 201)
    person.take(_expect(await client.post("/api/auth/login", json={
        "email": person.email, "password": person.password,
    }), 200))
    return person


async def prepare(edge_url: str, customers: int, *, timeout: float = 120.0) -> Scenario:
    async with httpx.AsyncClient(base_url=edge_url, timeout=30.0) as client:
        owner = await _person(client, "OWNER")
        headers = {"Authorization": f"Bearer {owner.access_token}"}
        store = _expect(await client.post("/api/store/stores", headers=headers, json={
            "name": "Bench Bunsik", "opening_hours": ALWAYS_OPEN,
            "delivery_area": {"lat": 37.5, "lng": 127.0, "radius_m": 5000}, "auto_accept": True,
        }), 201)
        dish = _expect(await client.post(f"/api/store/stores/{store['id']}/menu-items", headers=headers,
                                         json={"name": "Ramyeon", "price": 5000}), 201)
        # A few at a time: each sign-up and login is an argon2 hash in auth.
        gate = asyncio.Semaphore(4)

        async def customer() -> Customer:
            async with gate:
                return await _person(client, "CUSTOMER")

        people = list(await asyncio.gather(*(customer() for _ in range(customers))))
        # order learns the menu from store's events: wait until it can take the order.
        deadline = time.monotonic() + timeout
        while True:
            menu = await client.get(f"/api/order/stores/{store['id']}/menu")
            if menu.status_code == 200 and menu.json()["items"] and menu.json()["store"]["open_now"]:
                break
            if time.monotonic() > deadline:
                raise SetupError(f"order never learned the bench store's menu: {menu.status_code} {menu.text[:300]}")
            await asyncio.sleep(0.3)
    return Scenario(edge_url, str(store["id"]), str(dish["id"]), people)
