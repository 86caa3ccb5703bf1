"""The transaction a use case runs in: a session plus the outbox its events go to."""

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from matjip_contracts.events.base import Event
from matjip_platform.handlers import HandlerContext
from matjip_platform.outbox import Outbox


@dataclass(frozen=True)
class Tx:
    session: AsyncSession
    outbox: Outbox

    async def emit(self, *events: Event) -> None:
        """The events commit with the change they describe (transactional outbox)."""
        await self.outbox.add(self.session, *events)

    @classmethod
    def of(cls, ctx: HandlerContext) -> "Tx":
        return cls(ctx.session, ctx.outbox)
