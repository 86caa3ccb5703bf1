"""The notification service under test: in-process against the real PostgreSQL, Kafka and Redis, served
by a real uvicorn on a free loopback port (an SSE stream never ends, so it is read over real HTTP), with a
producer for order's and store's events and a reader of SSE frames."""

import asyncio
import contextlib
import json
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from matjip_contracts.events.common import OrderLine, OrderStatus, Role
from matjip_contracts.events.order import OrderPlaced, OrderStatusChanged
from matjip_contracts.events.store import StoreUpdated
from matjip_platform.envelope import Envelope
from matjip_platform.testing import WAIT_SECONDS, ServiceUnderTest


@dataclass
class Frame:
    """One SSE frame: an event (id/event/data), a retry hint, or a comment (the heartbeat)."""

    id: str | None = None
    event: str | None = None
    data: str | None = None
    retry: int | None = None
    comments: list[str] = field(default_factory=list)

    @property
    def json(self) -> dict[str, Any]:
        assert self.data is not None
        body: dict[str, Any] = json.loads(self.data)
        return body


class SseStream:
    """An open SSE response, read frame by frame."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self._lines = response.aiter_lines()
        self.heartbeats = 0

    async def next_frame(self, timeout: float = WAIT_SECONDS) -> Frame | None:
        """The next frame (comments included), or None when the server ended the stream."""
        frame = Frame()
        seen = False
        async with asyncio.timeout(timeout):
            async for line in self._lines:
                if line == "":
                    if seen:
                        return frame
                    continue
                seen = True
                name, _, value = line.partition(":")
                value = value.removeprefix(" ")
                if name == "":
                    frame.comments.append(value)
                    self.heartbeats += 1
                elif name == "id":
                    frame.id = value
                elif name == "event":
                    frame.event = value
                elif name == "data":
                    frame.data = value if frame.data is None else frame.data + "\n" + value
                elif name == "retry":
                    frame.retry = int(value)
        return frame if seen else None

    async def events(self, count: int, timeout: float = WAIT_SECONDS) -> list[Frame]:
        """The next `count` notification frames (heartbeats and retry hints skipped)."""
        found: list[Frame] = []
        deadline = time.monotonic() + timeout
        while len(found) < count:
            frame = await self.next_frame(max(deadline - time.monotonic(), 0.01))
            assert frame is not None, f"the stream ended after {len(found)} of {count} events"
            if frame.event is not None:
                found.append(frame)
        return found


@dataclass(frozen=True)
class User:
    user_id: uuid.UUID
    role: Role
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class NotificationUnderTest(ServiceUnderTest):
    base_url: str  # the real HTTP server

    def user(self, role: Role = Role.CUSTOMER) -> User:
        user_id = uuid.uuid4()
        return User(user_id, role, self.keys.token(user_id, role))

    @contextlib.asynccontextmanager
    async def stream(
        self,
        user: User,
        *,
        last_event_id: str | None = None,
        token_in_query: bool = False,
        base_url: str | None = None,
    ) -> AsyncIterator[SseStream]:
        headers = {} if token_in_query else dict(user.headers)
        params = {"access_token": user.token} if token_in_query else {}
        if last_event_id is not None:
            headers["Last-Event-ID"] = last_event_id
        timeout = httpx.Timeout(10.0, read=WAIT_SECONDS)
        async with (
            httpx.AsyncClient(base_url=base_url or self.base_url, timeout=timeout) as client,
            client.stream("GET", "/api/notification/stream", headers=headers, params=params) as response,
        ):
            assert response.status_code == 200, await response.aread()
            assert response.headers["content-type"].startswith("text/event-stream")
            yield SseStream(response)

    async def listed(self, user: User, after: int = 0) -> list[dict[str, Any]]:
        response = await self.client.get(
            "/api/notification/notifications", params={"after": after}, headers=user.headers
        )
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()["items"]
        return items

    # --- the events notification consumes ------------------------------------------------------------

    async def store(self, owner: User, revision: int = 1, store_id: uuid.UUID | None = None) -> uuid.UUID:
        store_id = store_id or uuid.uuid4()
        await self.send(
            StoreUpdated(
                store_id=store_id,
                owner_id=owner.user_id,
                name="Matjip Kimbap",
                timezone="Asia/Seoul",
                opening_hours=(),
                accepting_orders=True,
                revision=revision,
            )
        )
        return store_id

    async def placed(self, customer: User, store_id: uuid.UUID, order_id: uuid.UUID | None = None) -> uuid.UUID:
        order_id = order_id or uuid.uuid4()
        await self.send(
            OrderPlaced(
                order_id=order_id,
                customer_id=customer.user_id,
                store_id=store_id,
                lines=(OrderLine(menu_item_id=uuid.uuid4(), name="Tuna kimbap", quantity=2, unit_price=4500),),
                total_amount=9000,
                placed_at=datetime.now(UTC),
            )
        )
        return order_id

    async def moved(
        self,
        customer: User,
        store_id: uuid.UUID,
        order_id: uuid.UUID,
        status: OrderStatus,
        previous: OrderStatus,
        reason: str | None = None,
    ) -> Envelope:
        return await self.send(
            OrderStatusChanged(
                order_id=order_id,
                customer_id=customer.user_id,
                store_id=store_id,
                status=status,
                previous_status=previous,
                reason=reason,
                changed_at=datetime.now(UTC),
            )
        )
