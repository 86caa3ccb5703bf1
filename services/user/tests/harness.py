"""user running in-process against the real PostgreSQL, Redis and Kafka, fed UserRegistered events
produced to the session's prefixed auth.events topic; and the steps its API tests are made of."""

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import httpx
from aiokafka import AIOKafkaProducer
from prometheus_client import REGISTRY
from sqlalchemy import func, select

from matjip_contracts.events.auth import UserRegistered
from matjip_contracts.events.common import Role
from matjip_platform.envelope import Envelope
from matjip_platform.messaging_tables import processed_events
from matjip_platform.testing import RunningService, TestKeys


@dataclass
class UserUnderTest:
    service: RunningService
    keys: TestKeys
    producer: AIOKafkaProducer
    topic: str

    def auth(self, user_id: UUID, role: Role = Role.CUSTOMER) -> dict[str, str]:
        return self.keys.auth_header(user_id, role)

    async def deliver(self, envelope: Envelope) -> None:
        """Put an enveloped event on auth.events, as auth's outbox relay does."""
        await self.producer.send_and_wait(
            self.topic, value=envelope.kafka_value(), key=envelope.key.encode(), headers=envelope.kafka_headers()
        )

    async def register(self, user_id: UUID | None = None, **fields: object) -> tuple[UUID, Envelope]:
        user_id = user_id or uuid4()
        event = UserRegistered.model_validate(
            {
                "user_id": user_id,
                "email": f"{user_id.hex[:10]}@example.com",
                "role": Role.CUSTOMER,
                "display_name": "Kim Minji",
                "registered_at": datetime.now(UTC),
                **fields,
            }
        )
        envelope = Envelope.wrap(event, source="test")
        await self.deliver(envelope)
        return user_id, envelope


HOME = {"label": "Home", "line1": "서울특별시 마포구 양화로 45", "line2": "101동 1203호", "postal_code": "04036"}
OFFICE = {"label": "Office", "line1": "서울특별시 강남구 테헤란로 152", "postal_code": "06236"}
PARENTS = {"label": "Parents", "line1": "부산광역시 해운대구 우동 1408", "postal_code": "48060"}


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.1)


def problem_code(response: httpx.Response) -> str:
    assert response.headers["content-type"].startswith("application/problem+json"), response.text
    code: str = response.json()["code"]
    return code


async def registered(user: UserUnderTest, **fields: Any) -> UUID:
    """A user whose UserRegistered has been consumed."""
    user_id, _ = await user.register(**fields)
    await profile_arrives(user, user_id)
    return user_id


async def profile_arrives(user: UserUnderTest, user_id: UUID) -> dict[str, Any]:
    found: dict[str, Any] = {}

    async def check() -> bool:
        response = await user.service.client.get("/api/user/me", headers=user.auth(user_id))
        found.update(response.json() if response.status_code == 200 else {})
        return response.status_code == 200

    await eventually(check)
    return found


async def add_address(user: UserUnderTest, user_id: UUID, body: dict[str, str]) -> dict[str, Any]:
    response = await user.service.client.post("/api/user/me/addresses", json=body, headers=user.auth(user_id))
    assert response.status_code == 201, response.text
    address: dict[str, Any] = response.json()
    return address


async def address_book(user: UserUnderTest, user_id: UUID) -> list[dict[str, Any]]:
    response = await user.service.client.get("/api/user/me/addresses", headers=user.auth(user_id))
    assert response.status_code == 200, response.text
    book: list[dict[str, Any]] = response.json()
    return book


def defaults(book: list[dict[str, Any]]) -> list[str]:
    return [a["label"] for a in book if a["is_default"]]


def consumed(topic: str, outcome: str) -> float:
    labels = {"topic": topic, "event_type": "auth.user-registered", "outcome": outcome}
    return REGISTRY.get_sample_value("kafka_messages_consumed_total", labels) or 0.0


async def handled(user: UserUnderTest, envelope: Envelope) -> bool:
    async with user.service.runtime.db.transaction() as session:
        found = await session.scalar(select(func.count()).where(processed_events.c.event_id == envelope.event_id))
    return found == 1
