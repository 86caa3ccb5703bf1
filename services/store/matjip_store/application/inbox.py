"""The owner's order inbox: orders arrive from the saga, the owner decides and moves them along."""

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from uuid import UUID

import structlog
from sqlalchemy.ext.asyncio import AsyncConnection

from matjip_contracts.events.store import (
    OrderAcceptedByStore,
    OrderProgressedAtStore,
    OrderRejectedByStore,
    RequestStoreAcceptance,
)
from matjip_platform.auth import Principal
from matjip_platform.unit_of_work import UnitOfWork, UnitOfWorkFactory
from matjip_store.application.stores import existing_store
from matjip_store.domain.access import ensure_can_manage
from matjip_store.domain.inbox import (
    EXPIRED_REASON,
    PROGRESS_STAGES,
    InboxEntry,
    InboxEntryNotFound,
    InboxStatus,
    decide,
    ensure_within_deadline,
    is_overdue,
    withdraw,
)
from matjip_store.repository import orders as repo
from matjip_store.repository import stores as stores_repo
from matjip_store.repository.orders import RELEASED

log = structlog.get_logger(__name__)

UNKNOWN_STORE_REASON = "store_not_found"


async def request_acceptance(
    uow: UnitOfWork,
    command: RequestStoreAcceptance,
    now: datetime,
    on_new_deadline: Callable[[], None] | None = None,
) -> None:
    """Put the order in the store's inbox (once per order), or accept it at once for an auto-accepting store;
    an order that arrives after its deadline (a backlog) expires at once. `on_new_deadline` runs after the
    commit of a new PENDING entry (the expiry task looks at the new earliest deadline)."""
    entry = InboxEntry(
        order_id=command.order_id,
        store_id=command.store_id,
        customer_id=command.customer_id,
        status=InboxStatus.PENDING,
        lines=command.lines,
        total_amount=command.total_amount,
        accept_by=command.accept_by,
        received_at=now,
        updated_at=now,
    )
    store = await stores_repo.fetch_store(uow.conn, command.store_id)
    reservation = await repo.fetch_reservation(uow.conn, command.order_id)
    answer: OrderAcceptedByStore | OrderRejectedByStore | None = None
    if reservation is not None and reservation.status == RELEASED:
        # The saga already released this order: it arrives withdrawn, never shown as waiting.
        entry = replace(entry, status=InboxStatus.WITHDRAWN)
    elif store is None:
        entry = replace(entry, status=InboxStatus.REJECTED, reject_reason=UNKNOWN_STORE_REASON)
        answer = OrderRejectedByStore(order_id=entry.order_id, store_id=entry.store_id, reason=UNKNOWN_STORE_REASON)
    elif is_overdue(entry, now):
        entry, answer = _expired(entry, now)
    elif store.auto_accept:
        entry = replace(entry, status=InboxStatus.ACCEPTED, prep_minutes=store.auto_accept_prep_minutes)
        answer = OrderAcceptedByStore(
            order_id=entry.order_id, store_id=entry.store_id, prep_minutes=store.auto_accept_prep_minutes
        )
    if not await repo.insert_entry(uow.conn, entry):
        return  # already in the inbox: a re-sent command changes nothing
    log.info("order_received", store_id=str(entry.store_id), status=entry.status.value)
    if answer is not None:
        await uow.emit(answer)
    elif on_new_deadline is not None:
        uow.after_commit(on_new_deadline)


def _expired(entry: InboxEntry, now: datetime) -> tuple[InboxEntry, OrderRejectedByStore]:
    expired = replace(entry, status=InboxStatus.EXPIRED, reject_reason=EXPIRED_REASON, updated_at=now)
    answer = OrderRejectedByStore(
        order_id=entry.order_id, store_id=entry.store_id, reason=EXPIRED_REASON, timed_out=True
    )
    return expired, answer


EXPIRY_BATCH = 50


async def expire_overdue(unit_of_work: UnitOfWorkFactory, now: datetime) -> int:
    """Expire one batch of PENDING entries past their deadline and tell the saga; returns how many. An
    owner accepting at the same moment holds the entry's lock: whichever comes first decides, the other
    sees the result (an accepted entry is not PENDING any more; an expired one refuses the acceptance).
    Entries locked by another replica's pass are skipped."""
    async with unit_of_work() as uow:
        overdue = await repo.lock_overdue_pending(uow.conn, now, EXPIRY_BATCH)
        for entry in overdue:
            expired, answer = _expired(entry, now)
            await repo.save_entry(uow.conn, expired)
            await uow.emit(answer)
            log.info("order_expired_unanswered", store_id=str(entry.store_id), order_id=str(entry.order_id))
    return len(overdue)


async def next_acceptance_deadline(unit_of_work: UnitOfWorkFactory) -> datetime | None:
    """The earliest deadline among PENDING entries (None: nothing waits for an answer)."""
    async with unit_of_work() as uow:
        return await repo.earliest_pending_deadline(uow.conn)


async def withdraw_entry(uow: UnitOfWork, order_id: UUID) -> None:
    """The saga released the order: a live inbox entry is withdrawn; a finished one is left as it ended."""
    entry = await repo.fetch_entry(uow.conn, order_id, for_update=True)
    if entry is not None and (status := withdraw(entry.status)) is not entry.status:
        await repo.save_entry(uow.conn, replace(entry, status=status))


async def _entry_for_owner(conn: AsyncConnection, principal: Principal, store_id: UUID, order_id: UUID) -> InboxEntry:
    store = await existing_store(conn, store_id)
    ensure_can_manage(store.owner_id, principal)
    # The entry's row lock orders its events (keyed by the order) by commit.
    entry = await repo.fetch_entry(conn, order_id, store_id=store_id, for_update=True)
    if entry is None:
        raise InboxEntryNotFound(f"Order {order_id} is not in this store's inbox.")
    return entry


async def accept_order(
    unit_of_work: UnitOfWorkFactory,
    principal: Principal,
    store_id: UUID,
    order_id: UUID,
    prep_minutes: int,
    now: datetime,
) -> InboxEntry:
    async with unit_of_work() as uow:
        entry = await _entry_for_owner(uow.conn, principal, store_id, order_id)
        status = decide(entry.status, InboxStatus.ACCEPTED)
        ensure_within_deadline(entry, now)
        accepted = replace(entry, status=status, prep_minutes=prep_minutes, updated_at=now)
        await repo.save_entry(uow.conn, accepted)
        await uow.emit(OrderAcceptedByStore(order_id=order_id, store_id=store_id, prep_minutes=prep_minutes))
        return accepted


async def reject_order(
    unit_of_work: UnitOfWorkFactory, principal: Principal, store_id: UUID, order_id: UUID, reason: str, now: datetime
) -> InboxEntry:
    async with unit_of_work() as uow:
        entry = await _entry_for_owner(uow.conn, principal, store_id, order_id)
        status = decide(entry.status, InboxStatus.REJECTED)
        rejected = replace(entry, status=status, reject_reason=reason, updated_at=now)
        await repo.save_entry(uow.conn, rejected)
        await uow.emit(OrderRejectedByStore(order_id=order_id, store_id=store_id, reason=reason))
        return rejected


async def progress_order(
    unit_of_work: UnitOfWorkFactory,
    principal: Principal,
    store_id: UUID,
    order_id: UUID,
    stage: InboxStatus,
    now: datetime,
) -> InboxEntry:
    """Preparing, ready, picked up: each a step of the state machine, each told to the saga."""
    async with unit_of_work() as uow:
        if stage not in PROGRESS_STAGES:
            raise ValueError(f"{stage} is not a progress stage")
        entry = await _entry_for_owner(uow.conn, principal, store_id, order_id)
        moved = replace(entry, status=decide(entry.status, stage), updated_at=now)
        await repo.save_entry(uow.conn, moved)
        await uow.emit(OrderProgressedAtStore(order_id=order_id, store_id=store_id, stage=PROGRESS_STAGES[stage]))
        return moved


async def get_entry(
    unit_of_work: UnitOfWorkFactory, principal: Principal, store_id: UUID, order_id: UUID
) -> InboxEntry:
    async with unit_of_work() as uow:
        store = await existing_store(uow.conn, store_id)
        ensure_can_manage(store.owner_id, principal)
        entry = await repo.fetch_entry(uow.conn, order_id, store_id=store_id)
        if entry is None:
            raise InboxEntryNotFound(f"Order {order_id} is not in this store's inbox.")
        return entry


async def list_inbox(
    unit_of_work: UnitOfWorkFactory,
    principal: Principal,
    store_id: UUID,
    statuses: Sequence[InboxStatus],
    *,
    limit: int,
    offset: int,
) -> tuple[list[InboxEntry], int]:
    async with unit_of_work() as uow:
        store = await existing_store(uow.conn, store_id)
        ensure_can_manage(store.owner_id, principal)
        return await repo.list_entries(uow.conn, store_id, statuses, limit=limit, offset=offset)
