"""What routes depend on: the runtime, who may call, and a transaction whose events are relayed at once."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, Query
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from matjip_contracts.events.common import Role
from matjip_platform.auth import Principal
from matjip_platform.http import require_role, runtime_of
from matjip_platform.service import Runtime
from matjip_store.application.unit import Tx

RuntimeDep = Annotated[Runtime, Depends(runtime_of)]
# Changing a store, its menu or its inbox: owners (of that store, checked by the use case) and admins.
Manager = Annotated[Principal, Depends(require_role(Role.OWNER, Role.ADMIN))]
Customer = Annotated[Principal, Depends(require_role(Role.CUSTOMER))]


class Paging(BaseModel):
    limit: int
    offset: int


def paging(
    limit: Annotated[int, Query(ge=1, le=100, description="page size")] = 20,
    offset: Annotated[int, Query(ge=0, le=100_000, description="items to skip")] = 0,
) -> Paging:
    return Paging(limit=limit, offset=offset)


PagingDep = Annotated[Paging, Depends(paging)]


@asynccontextmanager
async def transaction(runtime: Runtime) -> AsyncIterator[Tx]:
    """One transaction for the change and its events; the relay is woken once they are committed."""
    async with runtime.db.transaction() as session:
        yield Tx(session, runtime.outbox)
    runtime.relay.wake()


@asynccontextmanager
async def reading(runtime: Runtime) -> AsyncIterator[AsyncSession]:
    async with runtime.db.transaction() as session:
        yield session
