"""The owner's order inbox: list, accept with a prep time, reject with a reason, move along
(preparing, ready, then picked up or delivered)."""

from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query

from matjip_store.api.deps import Manager, PagingDep, UnitOfWorkDep
from matjip_store.api.schemas import AcceptBody, InboxEntryOut, Page, RejectBody
from matjip_store.application import inbox
from matjip_store.domain.inbox import InboxStatus

router = APIRouter(prefix="/api/store/stores/{store_id}/orders", tags=["inbox"])


@router.get("", response_model=Page[InboxEntryOut])
async def list_orders(
    store_id: UUID,
    principal: Manager,
    unit_of_work: UnitOfWorkDep,
    page: PagingDep,
    status: Annotated[list[InboxStatus] | None, Query(description="repeat to ask for several")] = None,
) -> Page[InboxEntryOut]:
    entries, total = await inbox.list_inbox(
        unit_of_work, principal, store_id, status or [], limit=page.limit, offset=page.offset
    )
    return Page(items=[InboxEntryOut.of(e) for e in entries], total=total, limit=page.limit, offset=page.offset)


@router.get("/{order_id}")
async def get_order(store_id: UUID, order_id: UUID, principal: Manager, unit_of_work: UnitOfWorkDep) -> InboxEntryOut:
    entry = await inbox.get_entry(unit_of_work, principal, store_id, order_id)
    return InboxEntryOut.of(entry)


@router.post("/{order_id}/accept")
async def accept_order(
    store_id: UUID, order_id: UUID, body: AcceptBody, principal: Manager, unit_of_work: UnitOfWorkDep
) -> InboxEntryOut:
    entry = await inbox.accept_order(unit_of_work, principal, store_id, order_id, body.prep_minutes, datetime.now(UTC))
    return InboxEntryOut.of(entry)


@router.post("/{order_id}/reject")
async def reject_order(
    store_id: UUID, order_id: UUID, body: RejectBody, principal: Manager, unit_of_work: UnitOfWorkDep
) -> InboxEntryOut:
    entry = await inbox.reject_order(unit_of_work, principal, store_id, order_id, body.reason, datetime.now(UTC))
    return InboxEntryOut.of(entry)


async def _progress(
    unit_of_work: UnitOfWorkDep, principal: Manager, store_id: UUID, order_id: UUID, stage: InboxStatus
) -> InboxEntryOut:
    entry = await inbox.progress_order(unit_of_work, principal, store_id, order_id, stage, datetime.now(UTC))
    return InboxEntryOut.of(entry)


@router.post("/{order_id}/preparing")
async def mark_preparing(
    store_id: UUID, order_id: UUID, principal: Manager, unit_of_work: UnitOfWorkDep
) -> InboxEntryOut:
    return await _progress(unit_of_work, principal, store_id, order_id, InboxStatus.PREPARING)


@router.post("/{order_id}/ready")
async def mark_ready(store_id: UUID, order_id: UUID, principal: Manager, unit_of_work: UnitOfWorkDep) -> InboxEntryOut:
    return await _progress(unit_of_work, principal, store_id, order_id, InboxStatus.READY)


@router.post("/{order_id}/picked-up")
async def mark_picked_up(
    store_id: UUID, order_id: UUID, principal: Manager, unit_of_work: UnitOfWorkDep
) -> InboxEntryOut:
    return await _progress(unit_of_work, principal, store_id, order_id, InboxStatus.PICKED_UP)


@router.post("/{order_id}/delivered")
async def mark_delivered(
    store_id: UUID, order_id: UUID, principal: Manager, unit_of_work: UnitOfWorkDep
) -> InboxEntryOut:
    """For stores that deliver themselves: the order reached the customer (instead of being picked up)."""
    return await _progress(unit_of_work, principal, store_id, order_id, InboxStatus.DELIVERED)
