"""Stores: anyone browses; owners (of the store) and admins change them."""

from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, status

from matjip_platform.errors import DomainError
from matjip_store.api.deps import Manager, PagingDep, UnitOfWorkDep
from matjip_store.api.schemas import OpeningHoursBody, Page, StoreCreate, StoreOut, StorePatch
from matjip_store.application import stores
from matjip_store.repository.stores import StoreFilter

router = APIRouter(prefix="/api/store/stores", tags=["stores"])


class IncompletePoint(DomainError):
    status, code, title = 422, "validation_failed", "Validation failed"


@router.get("", response_model=Page[StoreOut])
async def list_stores(
    unit_of_work: UnitOfWorkDep,
    page: PagingDep,
    open_now: Annotated[bool, Query(description="only stores taking orders right now")] = False,
    owner_id: Annotated[UUID | None, Query(description="only this owner's stores")] = None,
    lat: Annotated[float | None, Query(ge=-90, le=90, description="with lng: stores delivering here")] = None,
    lng: Annotated[float | None, Query(ge=-180, le=180)] = None,
    q: Annotated[
        str | None, Query(min_length=1, max_length=100, description="only stores whose name contains this")
    ] = None,
) -> Page[StoreOut]:
    if (lat is None) != (lng is None):
        missing = "lng" if lng is None else "lat"
        raise IncompletePoint(
            "lat and lng go together.", errors=[{"field": missing, "in": "query", "message": "required with the other"}]
        )
    now = datetime.now(UTC)
    where = StoreFilter(
        owner_id=owner_id,
        open_at=now if open_now else None,
        delivers_to=(lat, lng) if lat is not None and lng is not None else None,
        name_contains=(q or "").strip() or None,
    )
    found, total = await stores.list_stores(unit_of_work, where, limit=page.limit, offset=page.offset)
    return Page(items=[StoreOut.of(s, now) for s in found], total=total, limit=page.limit, offset=page.offset)


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_store(body: StoreCreate, principal: Manager, unit_of_work: UnitOfWorkDep) -> StoreOut:
    draft = stores.StoreDraft(
        name=body.name,
        description=body.description,
        address=body.address,
        timezone=body.timezone,
        opening_hours=tuple(w.to_domain() for w in body.opening_hours),
        delivery_area=body.delivery_area.to_domain(),
        accepting_orders=body.accepting_orders,
        auto_accept=body.auto_accept,
        auto_accept_prep_minutes=body.auto_accept_prep_minutes,
        owner_id=body.owner_id,
    )
    store = await stores.create_store(unit_of_work, principal, draft)
    return StoreOut.of(store, datetime.now(UTC))


@router.get("/{store_id}")
async def get_store(store_id: UUID, unit_of_work: UnitOfWorkDep) -> StoreOut:
    store = await stores.get_store(unit_of_work, store_id)
    return StoreOut.of(store, datetime.now(UTC))


@router.patch("/{store_id}")
async def update_store(store_id: UUID, body: StorePatch, principal: Manager, unit_of_work: UnitOfWorkDep) -> StoreOut:
    store = await stores.update_store(unit_of_work, principal, store_id, body.changes())
    return StoreOut.of(store, datetime.now(UTC))


@router.put("/{store_id}/opening-hours")
async def set_opening_hours(
    store_id: UUID, body: OpeningHoursBody, principal: Manager, unit_of_work: UnitOfWorkDep
) -> StoreOut:
    windows = tuple(w.to_domain() for w in body.opening_hours)
    store = await stores.set_opening_hours(unit_of_work, principal, store_id, windows)
    return StoreOut.of(store, datetime.now(UTC))
