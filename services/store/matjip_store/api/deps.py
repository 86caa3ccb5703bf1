"""What routes depend on: the service's unit of work, who may call, and paging."""

from typing import Annotated

from fastapi import Depends, Query
from pydantic import BaseModel

from matjip_contracts.events.common import Role
from matjip_platform.auth import Principal
from matjip_platform.http import components_of, require_role
from matjip_platform.unit_of_work import UnitOfWorkFactory
from matjip_store.components import StoreComponents


async def unit_of_work(
    components: Annotated[StoreComponents, Depends(components_of(StoreComponents))],
) -> UnitOfWorkFactory:
    return components.unit_of_work


UnitOfWorkDep = Annotated[UnitOfWorkFactory, Depends(unit_of_work)]
# Changing a store, its menu or its inbox: owners (of that store, checked by the use case) and admins.
Manager = Annotated[Principal, Depends(require_role(Role.OWNER, Role.ADMIN))]
Customer = Annotated[Principal, Depends(require_role(Role.CUSTOMER))]


class Paging(BaseModel):
    limit: int
    offset: int


async def paging(
    limit: Annotated[int, Query(ge=1, le=100, description="page size")] = 20,
    offset: Annotated[int, Query(ge=0, le=100_000, description="items to skip")] = 0,
) -> Paging:
    return Paging(limit=limit, offset=offset)


PagingDep = Annotated[Paging, Depends(paging)]
