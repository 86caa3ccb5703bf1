"""What a service does with each event it consumes: a registry of typed handlers."""

from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection

from matjip_contracts.events.base import Event
from matjip_platform.envelope import Envelope
from matjip_platform.outbox import Outbox
from matjip_platform.unit_of_work import Staged, UnitOfWork

E = TypeVar("E", bound=Event)
C = TypeVar("C")


class HandlerContext(UnitOfWork, Generic[C]):
    """The unit of work a handler runs in (shared with the inbox record of its event, and with the other
    events of its batch), the event's envelope, and the service's components."""

    def __init__(
        self, conn: AsyncConnection, outbox: Outbox, envelope: Envelope, components: C, staged: Staged | None = None
    ) -> None:
        super().__init__(conn, outbox, staged)
        self.envelope = envelope
        self.components = components

    @classmethod
    def within(cls, uow: UnitOfWork, envelope: Envelope, components: C) -> "HandlerContext[C]":
        """A context for one event inside `uow`'s transaction: its events and callbacks join the batch's."""
        return cls(uow.conn, uow.outbox, envelope, components, uow.staged)


Handler = Callable[[HandlerContext[C], Any], Awaitable[None]]
Wanted = Callable[[Any], bool]


def _always(_: object) -> bool:
    return True


class EventHandlers(Generic[C]):
    def __init__(self) -> None:
        self._by_type: dict[str, Handler[C]] = {}
        self._wanted: dict[str, Wanted] = {}
        self._models: dict[str, type[Event]] = {}

    def on(
        self, model: type[E], *, only: Callable[[E], bool] | None = None
    ) -> Callable[[Callable[[HandlerContext[C], E], Awaitable[None]]], Handler[C]]:
        """Register the handler of `model`. With `only`, events it says no to are skipped before any
        transaction is opened (recorded as ignored): a service that cares about one status of a topic that
        announces every status should not pay a transaction for each of the others."""

        def register(handler: Callable[[HandlerContext[C], E], Awaitable[None]]) -> Handler[C]:
            if model.event_type in self._by_type:
                raise ValueError(f"two handlers for {model.event_type}")
            self._by_type[model.event_type] = handler
            self._wanted[model.event_type] = only or _always
            self._models[model.event_type] = model
            return handler

        return register

    def find(self, event_type: str) -> Handler[C] | None:
        return self._by_type.get(event_type)

    def wants(self, event_type: str, event: Event) -> bool:
        return self._wanted.get(event_type, _always)(event)

    def acts_on(self, envelope: Envelope) -> bool:
        """Whether a consumed `envelope` takes effect here (and so leaves an inbox row): a handler exists for
        its type and the handler's `only` filter takes it."""
        return self.find(envelope.event_type) is not None and self.wants(envelope.event_type, envelope.parse())

    @property
    def topics(self) -> set[str]:
        return {model.topic for model in self._models.values()}

    def __bool__(self) -> bool:
        return bool(self._by_type)
