"""What end-to-end tests share: the running platform's handle, polling, and the people who use Matjip,
driven through the edge with their own tokens."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import asyncpg
import httpx

from matjip_devstack.infra import Infra
from matjip_devstack.isolated import IsolatedPlatform

T = TypeVar("T")

# Short, so the timeout compensation is seen in seconds; long enough for a restart under load.
STORE_ACCEPT_TIMEOUT_SECONDS = 8

class Platform:
    """The running platform with what tests do to it: HTTP through the edge, SQL, Kafka topic names."""

    def __init__(self, running: IsolatedPlatform) -> None:
        self.running = running
        self.infra = running.infra
        self.stack = running.stack
        self.edge_url = running.edge_url
        self.database_url = running.database_url
        self.topic_prefix = running.topic_prefix
        self.zipkin_url = running.zipkin_url
        self.admin_email = running.admin_email
        self.admin_password = running.admin_password
        self.key_dir = running.key_dir

    def client(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.edge_url, headers=headers, timeout=15.0)

    def sql(self, query: str, *args: Any) -> list[asyncpg.Record]:
        """Run a query on the platform's database (each service's tables are in its own schema)."""

        async def run() -> list[asyncpg.Record]:
            conn = await asyncpg.connect(Infra.dsn(self.database_url))
            try:
                return list(await conn.fetch(query, *args))
            finally:
                await conn.close()

        return asyncio.run(run())

    def topic(self, name: str) -> str:
        return self.topic_prefix + name


def eventually(check: Callable[[], T | None], *, timeout: float = 30.0, what: str = "condition") -> T:
    """Poll until `check` returns something truthy; fail with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    last: T | None = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}; last value: {last!r}")


def unique_email(role: str) -> str:
    return f"{role.lower()}-{uuid.uuid4().hex[:10]}@matjip.dev"


ALWAYS_OPEN = [{"weekday": day, "opens": "00:00", "closes": "00:00"} for day in range(7)]


def expect(response: httpx.Response, status: int) -> Any:
    request = response.request
    assert response.status_code == status, f"{request.method} {request.url}: {response.status_code} {response.text}"
    return response.json() if response.content else None


@dataclass
class Person:
    platform: Platform
    email: str
    password: str
    user_id: str
    role: str
    tokens: dict[str, Any] = field(default_factory=dict)

    @property
    def access_token(self) -> str:
        return str(self.tokens["access_token"])

    def http(self) -> httpx.Client:
        return self.platform.client(self.access_token)

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        with self.http() as c:
            return c.get(path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        with self.http() as c:
            return c.post(path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> httpx.Response:
        with self.http() as c:
            return c.put(path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> httpx.Response:
        with self.http() as c:
            return c.patch(path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> httpx.Response:
        with self.http() as c:
            return c.delete(path, **kwargs)


def sign_up(platform: Platform, role: str, name: str | None = None) -> Person:
    email = unique_email(role)
    password = f"pw-{uuid.uuid4().hex}"
    with platform.client() as c:
        account = expect(
            c.post(
                "/api/auth/signup",
                json={"email": email, "password": password, "display_name": name or role.title(), "role": role},
            ),
            201,
        )
    person = Person(platform, email, password, account["user_id"], role)
    log_in(person)
    return person


def log_in(person: Person) -> None:
    with person.platform.client() as c:
        credentials = {"email": person.email, "password": person.password}
        person.tokens = expect(c.post("/api/auth/login", json=credentials), 200)


def admin(platform: Platform) -> Person:
    person = Person(platform, platform.admin_email, platform.admin_password, "", "ADMIN")
    log_in(person)
    person.user_id = expect(person.get("/api/auth/me"), 200)["user_id"]
    return person


def open_store(owner: Person, *, name: str = "Matjip Bunsik", **overrides: Any) -> dict[str, Any]:
    body = {
        "name": name,
        "timezone": "Asia/Seoul",
        "opening_hours": ALWAYS_OPEN,
        "delivery_area": {"lat": 37.5665, "lng": 126.978, "radius_m": 3000},
        **overrides,
    }
    return dict(expect(owner.post("/api/store/stores", json=body), 201))


def add_dish(owner: Person, store_id: str, *, name: str, price: int, stock: int | None = None) -> dict[str, Any]:
    body = {"name": name, "price": price, "stock_quantity": stock}
    return dict(expect(owner.post(f"/api/store/stores/{store_id}/menu-items", json=body), 201))


def wait_until_order_can_sell(customer: Person, store_id: str, dish_ids: list[str]) -> None:
    """order learns menus from store's events; wait until its read model has them (no HTTP between them)."""

    def sellable() -> bool:
        response = customer.get(f"/api/order/stores/{store_id}/menu")
        if response.status_code != 200:
            return False
        items = {item["menu_item_id"]: item for item in response.json()["items"]}
        return response.json()["store"]["open_now"] and all(
            d in items and not items[d]["sold_out"] for d in dish_ids
        )

    eventually(sellable, what=f"order's read model to sell {dish_ids}")


def place_order(
    customer: Person, store_id: str, lines: list[tuple[str, int]], key: str | None = None
) -> httpx.Response:
    body = {"store_id": store_id, "lines": [{"menu_item_id": d, "quantity": q} for d, q in lines]}
    return customer.post("/api/order/orders", json=body, headers={"Idempotency-Key": key or uuid.uuid4().hex})


def order_status(person: Person, order_id: str) -> dict[str, Any]:
    return dict(expect(person.get(f"/api/order/orders/{order_id}"), 200))


def wait_for_status(person: Person, order_id: str, status: str, timeout: float = 40.0) -> dict[str, Any]:
    def reached() -> dict[str, Any] | None:
        order = order_status(person, order_id)
        return order if order["status"] == status else None

    return eventually(reached, timeout=timeout, what=f"order {order_id} to be {status}")


def wait_for_inbox(owner: Person, store_id: str, order_id: str) -> dict[str, Any]:
    def arrived() -> dict[str, Any] | None:
        response = owner.get(f"/api/store/stores/{store_id}/orders/{order_id}")
        return dict(response.json()) if response.status_code == 200 else None

    return eventually(arrived, what=f"order {order_id} in the store inbox")


def owner_moves(owner: Person, store_id: str, order_id: str, step: str, **body: Any) -> dict[str, Any]:
    return dict(expect(owner.post(f"/api/store/stores/{store_id}/orders/{order_id}/{step}", json=body or None), 200))


SERVICE_SCHEMAS = {
    "auth": "auth",
    "user": "user_profile",
    "store": "store",
    "order": "ordering",
    "payment": "payment",
    "notification": "notification",
    "ai": "ai",
}
ORDER_PATH_TOPICS = ("store.commands", "store.events", "order.events", "payment.commands", "payment.events")


def messages_about(platform: Platform, key: str, topics: tuple[str, ...] = ORDER_PATH_TOPICS) -> list[Any]:
    """Every Kafka record keyed by `key` on the given topics of this platform, as (topic, envelope, headers)."""
    from matjip_platform.envelope import Envelope
    from matjip_platform.topic_reader import read_topic_to_end

    async def read() -> list[Any]:
        found = []
        for topic in topics:
            for record in await read_topic_to_end(platform.infra.kafka_bootstrap, platform.topic(topic)):
                if record.key == key.encode():
                    envelope = Envelope.from_kafka(record.key, record.value, record.headers)
                    found.append((topic, envelope, dict(record.headers)))
        return found

    return asyncio.run(read())


def acted_on_by(service: str, envelope: Any) -> bool:
    """Whether `service` acts on this event (read from the service's own wiring): it has a handler for the
    type and the handler's `only` filter takes this one (a skipped event leaves no inbox row)."""
    import importlib

    acts_on: bool = importlib.import_module(f"matjip_{service}.app").definition.handlers.acts_on(envelope)
    return acts_on


def assert_each_event_consumed_exactly_once(platform: Platform, key: str) -> int:
    """Every event about `key` was recorded exactly once in the inbox of every service that acts on it.

    The inbox row commits with the consumer's effect, so one row per (consumer, event) means the event
    took effect once, however often Kafka delivered it. Returns how many deliveries were checked."""
    checked = 0
    for _, envelope, _ in messages_about(platform, key):
        for service, schema in SERVICE_SCHEMAS.items():
            if not acted_on_by(service, envelope):
                continue

            def recorded(schema: str = schema, event_id: Any = envelope.event_id) -> bool:
                query = f"SELECT count(*) AS n FROM {schema}.processed_events WHERE event_id = $1"
                rows = platform.sql(query, event_id)
                return rows[0]["n"] == 1

            eventually(recorded, what=f"{service} to record {envelope.event_type} {envelope.event_id} once")
            checked += 1
    return checked


def pay_like(platform: Platform, customer: Person, behaviour: str) -> None:
    """Tell the sandbox PG (tools/sandbox-pg, its own process behind the edge) how to treat this customer's
    payments (approve, decline, timeout_then_approve...)."""
    with platform.client() as c:
        expect(c.put(f"/api/sandbox-pg/scenarios/{customer.user_id}", json={"behaviour": behaviour}), 200)


def stock_of(platform: Platform, dish_id: str) -> int | None:
    [row] = platform.sql("SELECT stock_quantity FROM store.menu_items WHERE id = $1", uuid.UUID(dish_id))
    return row["stock_quantity"]  # type: ignore[no-any-return]


def charges_of(platform: Platform, order_id: str) -> list[str]:
    rows = platform.sql("SELECT status FROM sandbox_pg.charges WHERE order_id = $1", order_id)  # what the PG holds
    return sorted(r["status"] for r in rows)


@dataclass
class Shop:
    """An owner with an open store and one dish, and a customer who can buy it."""

    owner: Person
    customer: Person
    store: dict[str, Any]
    dish: dict[str, Any]


def shop(platform: Platform, *, stock: int | None = 10, price: int = 9000) -> Shop:
    owner = sign_up(platform, "OWNER")
    customer = sign_up(platform, "CUSTOMER")
    store = open_store(owner, name=f"Shop {uuid.uuid4().hex[:6]}")
    dish = add_dish(owner, store["id"], name="Bibimbap", price=price, stock=stock)
    wait_until_order_can_sell(customer, store["id"], [dish["id"]])
    return Shop(owner, customer, store, dish)
