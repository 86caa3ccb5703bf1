"""Creating and changing stores; browsing them."""

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy.ext.asyncio import AsyncConnection

from matjip_contracts.events.common import Role
from matjip_platform.auth import Principal
from matjip_platform.errors import DomainError
from matjip_platform.unit_of_work import UnitOfWork, UnitOfWorkFactory
from matjip_store.domain.access import NotStoreOwner, ensure_can_manage
from matjip_store.domain.area import DeliveryArea
from matjip_store.domain.hours import OpeningWindow, zone
from matjip_store.domain.store import Store, StoreNotFound
from matjip_store.events.published import store_updated
from matjip_store.repository import stores as repo

# What PATCH may change: everything the owner controls, but not the identity, owner, revision or ratings.
EDITABLE_FIELDS = frozenset(
    {
        "name",
        "description",
        "address",
        "timezone",
        "delivery_area",
        "accepting_orders",
        "auto_accept",
        "auto_accept_prep_minutes",
    }
)


class OwnerRequired(DomainError):
    status, code, title = 422, "owner_required", "Owner required"


@dataclass(frozen=True)
class StoreDraft:
    name: str
    description: str
    address: str
    timezone: str
    opening_hours: tuple[OpeningWindow, ...]
    delivery_area: DeliveryArea
    accepting_orders: bool
    auto_accept: bool
    auto_accept_prep_minutes: int
    owner_id: UUID | None = None  # only an admin names an owner; an owner's store is their own


def _owner_of_new_store(principal: Principal, requested: UUID | None) -> UUID:
    if principal.role is Role.ADMIN:
        if requested is None:
            raise OwnerRequired(
                "An admin must name the store's owner.", errors=[{"field": "owner_id", "message": "required"}]
            )
        return requested
    if requested is not None and requested != principal.user_id:
        raise NotStoreOwner("An owner can only open stores of their own.")
    return principal.user_id


async def create_store(unit_of_work: UnitOfWorkFactory, principal: Principal, draft: StoreDraft) -> Store:
    zone(draft.timezone)
    store = Store(
        store_id=uuid4(),
        owner_id=_owner_of_new_store(principal, draft.owner_id),
        name=draft.name,
        description=draft.description,
        address=draft.address,
        timezone=draft.timezone,
        opening_hours=tuple(sorted(draft.opening_hours)),
        delivery_area=draft.delivery_area,
        accepting_orders=draft.accepting_orders,
        auto_accept=draft.auto_accept,
        auto_accept_prep_minutes=draft.auto_accept_prep_minutes,
        revision=1,
    )
    async with unit_of_work() as uow:
        await repo.insert_store(uow.conn, store)
        await uow.emit(store_updated(store))
    return store


async def managed_store(conn: AsyncConnection, principal: Principal, store_id: UUID) -> Store:
    """The store, row-locked for the rest of the transaction, if `principal` may change it."""
    store = await repo.fetch_store(conn, store_id, for_update=True)
    if store is None:
        raise StoreNotFound(f"Store {store_id} does not exist.")
    ensure_can_manage(store.owner_id, principal)
    return store


async def _apply(uow: UnitOfWork, store: Store, changes: Mapping[str, Any]) -> Store:
    changed = replace(store, **changes)
    if changed == store:
        return store  # nothing new: no revision, no event
    changed = replace(changed, revision=store.revision + 1)
    await repo.save_store(uow.conn, changed)
    await uow.emit(store_updated(changed))
    return changed


async def update_store(
    unit_of_work: UnitOfWorkFactory, principal: Principal, store_id: UUID, changes: Mapping[str, Any]
) -> Store:
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    async with unit_of_work() as uow:
        store = await managed_store(uow.conn, principal, store_id)
        if "timezone" in changes:
            zone(changes["timezone"])
        return await _apply(uow, store, changes)


async def set_opening_hours(
    unit_of_work: UnitOfWorkFactory, principal: Principal, store_id: UUID, windows: tuple[OpeningWindow, ...]
) -> Store:
    async with unit_of_work() as uow:
        store = await managed_store(uow.conn, principal, store_id)
        return await _apply(uow, store, {"opening_hours": tuple(sorted(windows))})


async def existing_store(conn: AsyncConnection, store_id: UUID) -> Store:
    store = await repo.fetch_store(conn, store_id)
    if store is None:
        raise StoreNotFound(f"Store {store_id} does not exist.")
    return store


async def get_store(unit_of_work: UnitOfWorkFactory, store_id: UUID) -> Store:
    async with unit_of_work() as uow:
        return await existing_store(uow.conn, store_id)


async def list_stores(
    unit_of_work: UnitOfWorkFactory, where: repo.StoreFilter, *, limit: int, offset: int
) -> tuple[list[Store], int]:
    async with unit_of_work() as uow:
        return await repo.list_stores(uow.conn, where, limit=limit, offset=offset)
