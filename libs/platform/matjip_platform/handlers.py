"""What a service does with each event it consumes: a registry of typed handlers."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from matjip_contracts.events.base import Event
from matjip_platform.envelope import Envelope
from matjip_platform.outbox import Outbox

E = TypeVar("E", bound=Event)


@dataclass
class HandlerContext:
    """Everything a handler may touch: one transaction, shared with the inbox record and the outbox."""

    session: AsyncSession
    envelope: Envelope
    outbox: Outbox

    async def emit(self, *events: Event) -> None:
        await self.outbox.add(self.session, *events)


Handler = Callable[[HandlerContext, Any], Awaitable[None]]


class EventHandlers:
    def __init__(self) -> None:
        self._by_type: dict[str, Handler] = {}
        self._models: dict[str, type[Event]] = {}

    def on(self, model: type[E]) -> Callable[[Callable[[HandlerContext, E], Awaitable[None]]], Handler]:
        def register(handler: Callable[[HandlerContext, E], Awaitable[None]]) -> Handler:
            if model.event_type in self._by_type:
                raise ValueError(f"two handlers for {model.event_type}")
            self._by_type[model.event_type] = handler
            self._models[model.event_type] = model
            return handler

        return register

    def find(self, event_type: str) -> Handler | None:
        return self._by_type.get(event_type)

    @property
    def topics(self) -> set[str]:
        return {model.topic for model in self._models.values()}

    def __bool__(self) -> bool:
        return bool(self._by_type)
