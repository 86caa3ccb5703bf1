"""user running in-process against the real PostgreSQL, Redis and Kafka, fed UserRegistered events
produced to the session's prefixed auth.events topic; and the steps its API tests are made of."""

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import httpx

from matjip_contracts.events.auth import UserRegistered
from matjip_contracts.events.common import Role
from matjip_contracts.topics import AUTH_EVENTS
from matjip_platform.envelope import Envelope
from matjip_platform.testing import ServiceUnderTest, messages_consumed, poll


class UserUnderTest(ServiceUnderTest):
    @property
    def topic(self) -> str:
        """auth.events under the session's prefix: what user consumes."""
        return self.topic_prefix + AUTH_EVENTS

    def auth(self, user_id: UUID, role: Role = Role.CUSTOMER) -> dict[str, str]:
        return self.keys.auth_header(user_id, role)

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
        return user_id, await self.send(event)


HOME = {"label": "Home", "line1": "서울특별시 마포구 양화로 45", "line2": "101동 1203호", "postal_code": "04036"}
OFFICE = {"label": "Office", "line1": "서울특별시 강남구 테헤란로 152", "postal_code": "06236"}
PARENTS = {"label": "Parents", "line1": "부산광역시 해운대구 우동 1408", "postal_code": "48060"}


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 30.0) -> None:
    await poll(check, "condition not met in time", timeout)


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
    return messages_consumed(topic, "auth.user-registered", outcome)
