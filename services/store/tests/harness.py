"""The store service under test: running in-process against the real PostgreSQL, Kafka and Redis, with
callers of each role, a producer for the saga's commands and a live log of what store publishes."""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import func, select

from matjip_contracts.events.common import Role
from matjip_contracts.topics import STORE_COMMANDS
from matjip_platform.envelope import Envelope
from matjip_platform.messaging_tables import outbox_events
from matjip_platform.testing import ServiceUnderTest, TopicLog, messages_consumed, poll

ALWAYS_OPEN = [{"weekday": day, "opens": "00:00", "closes": "00:00"} for day in range(7)]
SEOUL_CITY_HALL = {"lat": 37.5663, "lng": 126.9779, "radius_m": 3000}


@dataclass(frozen=True)
class Caller:
    """Someone calling the API with a token store will verify."""

    user_id: uuid.UUID
    role: Role
    headers: dict[str, str]


@dataclass
class StoreUnderTest(ServiceUnderTest):
    events: TopicLog  # store.events

    def caller(self, role: Role) -> Caller:
        user_id = uuid.uuid4()
        return Caller(user_id, role, self.keys.auth_header(user_id, role))

    # --- the saga's side of the conversation ---------------------------------------------------------

    def consumed(self, event_type: str, outcome: str, topic: str = STORE_COMMANDS) -> float:
        return messages_consumed(self.topic_prefix + topic, event_type, outcome)

    async def duplicate_skipped(self, envelope: Envelope, before: float, topic: str = STORE_COMMANDS) -> None:
        """Wait until the consumer has seen a redelivered message (and skipped it)."""

        async def seen() -> bool:
            return self.consumed(envelope.event_type, "duplicate", topic) > before

        await poll(seen, f"the redelivered {envelope.event_type} was not seen")

    async def outbox_count(self, key: str, event_types: Iterable[str] | None = None) -> int:
        """How many events store has written (published or not) under a Kafka key: the source of truth for
        "nothing more was published", without waiting for a message that should never come."""
        query = select(func.count()).select_from(outbox_events).where(outbox_events.c.key == key)
        if event_types is not None:
            query = query.where(outbox_events.c.event_type.in_(list(event_types)))
        async with self.service.runtime.db.transaction() as conn:
            return int(await conn.scalar(query) or 0)

    # --- the owner's side ----------------------------------------------------------------------------

    async def create_store(self, owner: Caller, **overrides: Any) -> dict[str, Any]:
        body = {
            "name": f"Store {uuid.uuid4().hex[:6]}",
            "timezone": "Asia/Seoul",
            "opening_hours": ALWAYS_OPEN,
            "delivery_area": SEOUL_CITY_HALL,
            **overrides,
        }
        response = await self.client.post("/api/store/stores", json=body, headers=owner.headers)
        assert response.status_code == 201, response.text
        store: dict[str, Any] = response.json()
        return store

    async def create_item(self, owner: Caller, store_id: str, **overrides: Any) -> dict[str, Any]:
        body = {"name": f"Dish {uuid.uuid4().hex[:6]}", "price": 9000, **overrides}
        response = await self.client.post(f"/api/store/stores/{store_id}/menu-items", json=body, headers=owner.headers)
        assert response.status_code == 201, response.text
        item: dict[str, Any] = response.json()
        return item

    async def item(self, store_id: str, item_id: str) -> dict[str, Any]:
        response = await self.client.get(f"/api/store/stores/{store_id}/menu-items/{item_id}")
        assert response.status_code == 200, response.text
        item: dict[str, Any] = response.json()
        return item


def problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """Assert a problem+json answer with this status and code; returns its body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json"), response.headers
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    return body
