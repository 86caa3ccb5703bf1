"""Checkout under load on a platform of its own: HTTP latency of placing an order, and how long the saga
takes from checkout to the store's acceptance (reserve stock, authorize payment, auto-accept).

    uv run python bench/checkout_load.py --customers 20 --orders-per-customer 10 --concurrency 10

Prints figures; asserts nothing. Rate limits are raised for the run (one IP sends everything).
"""

import argparse
import asyncio
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from matjip_devstack.infra import Infra
from matjip_devstack.isolated import isolated_platform

ALWAYS_OPEN = [{"weekday": d, "opens": "00:00", "closes": "00:00"} for d in range(7)]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def sign_up(client: httpx.AsyncClient, role: str) -> str:
    email, password = f"{role.lower()}-{uuid.uuid4().hex[:10]}@matjip.dev", uuid.uuid4().hex
    body = {"email": email, "password": password, "display_name": role.title(), "role": role}
    (await client.post("/api/auth/signup", json=body)).raise_for_status()
    login = await client.post("/api/auth/login", json={"email": email, "password": password})
    login.raise_for_status()
    return str(login.json()["access_token"])


async def run(edge_url: str, database_url: str, customers: int, per_customer: int, concurrency: int) -> None:
    async with httpx.AsyncClient(base_url=edge_url, timeout=30) as client:
        owner = {"Authorization": f"Bearer {await sign_up(client, 'OWNER')}"}
        store = (
            await client.post(
                "/api/store/stores",
                headers=owner,
                json={
                    "name": "Bench Bunsik",
                    "opening_hours": ALWAYS_OPEN,
                    "delivery_area": {"lat": 37.5, "lng": 127.0, "radius_m": 5000},
                    "auto_accept": True,
                },
            )
        ).json()
        dish = (
            await client.post(
                f"/api/store/stores/{store['id']}/menu-items", headers=owner, json={"name": "Ramyeon", "price": 5000}
            )
        ).json()
        tokens = [await sign_up(client, "CUSTOMER") for _ in range(customers)]
        while True:  # order learns the menu from store's events
            menu = await client.get(f"/api/order/stores/{store['id']}/menu")
            if menu.status_code == 200 and menu.json()["items"]:
                break
            await asyncio.sleep(0.2)

        gate = asyncio.Semaphore(concurrency)
        latencies: list[float] = []
        failures: dict[int, int] = {}

        async def checkout(token: str) -> None:
            body = {"store_id": store["id"], "lines": [{"menu_item_id": dish["id"], "quantity": 1}]}
            headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": uuid.uuid4().hex}
            async with gate:
                started = time.perf_counter()
                response = await client.post("/api/order/orders", json=body, headers=headers)
                latencies.append(time.perf_counter() - started)
            if response.status_code != 201:
                failures[response.status_code] = failures.get(response.status_code, 0) + 1

        started = time.perf_counter()
        await asyncio.gather(*(checkout(t) for t in tokens for _ in range(per_customer)))
        elapsed = time.perf_counter() - started
        total = customers * per_customer
        print(f"checkout: {total} orders, concurrency {concurrency}, {elapsed:.1f}s = {total / elapsed:.1f} orders/s")
        print(
            "checkout latency (s): "
            f"p50 {percentile(latencies, 50):.3f}  p95 {percentile(latencies, 95):.3f}  "
            f"p99 {percentile(latencies, 99):.3f}  max {max(latencies):.3f}"
        )
        if failures:
            print(f"checkout failures by status: {failures}")

    conn = await asyncpg.connect(Infra.dsn(database_url))
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            pending = await conn.fetchval("SELECT count(*) FROM ordering.orders WHERE status NOT IN ('ACCEPTED')")
            if pending == 0:
                break
            await asyncio.sleep(0.5)
        rows: list[Any] = await conn.fetch(
            "SELECT extract(epoch FROM status_changed_at - placed_at) AS s"
            " FROM ordering.orders WHERE status = 'ACCEPTED'"
        )
    finally:
        await conn.close()
    saga = [float(r["s"]) for r in rows]
    print(
        f"saga checkout->ACCEPTED: {len(saga)} orders; p50 {percentile(saga, 50):.3f}s  "
        f"p95 {percentile(saga, 95):.3f}s  p99 {percentile(saga, 99):.3f}s  mean {statistics.mean(saga):.3f}s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=20)
    parser.add_argument("--orders-per-customer", type=int, default=10)
    parser.add_argument("--concurrency", type=int, default=10)
    args = parser.parse_args()
    env = {
        "MATJIP_RATE_LIMIT_PER_IP": "1000000",
        "MATJIP_RATE_LIMIT_PER_USER": "1000000",
        "MATJIP_LOG_LEVEL": "WARNING",
    }
    with tempfile.TemporaryDirectory() as work, isolated_platform(Path(work), env) as platform:
        asyncio.run(
            run(platform.edge_url, platform.database_url, args.customers, args.orders_per_customer, args.concurrency)
        )


if __name__ == "__main__":
    main()
