"""The saga's stock commands: reserve all lines or none; release exactly once."""

from dataclasses import replace
from datetime import datetime
from uuid import UUID

import structlog

from matjip_contracts.events.store import ReleaseStock, ReserveStock, StockReservationRejected, StockReserved
from matjip_platform.unit_of_work import UnitOfWork
from matjip_store.application.inbox import withdraw_entry
from matjip_store.domain.menu import MenuItem, visible_change
from matjip_store.domain.stock import ItemStock, Rejected, Reserved, requested_quantities, reserve
from matjip_store.events.published import menu_item_updated
from matjip_store.repository import menu as menu_repo
from matjip_store.repository import orders as orders_repo
from matjip_store.repository import stores as stores_repo
from matjip_store.repository.orders import REJECTED, RELEASED, RESERVED, Reservation

log = structlog.get_logger(__name__)


async def _restock(uow: UnitOfWork, item: MenuItem, stock: ItemStock) -> None:
    """Save an item's new stock; when it flips between available and sold out, tell the others."""
    changed = replace(item, stock=stock)
    if changed == item:
        return
    if visible_change(item, changed):
        changed = replace(changed, revision=item.revision + 1)
        await uow.emit(menu_item_updated(changed))
    await menu_repo.save_item(uow.conn, changed)


async def _answer_again(uow: UnitOfWork, reservation: Reservation) -> None:
    # The saga sent the command again (a new command id): the first decision stands and is repeated.
    if reservation.status == RESERVED:
        await uow.emit(StockReserved(order_id=reservation.order_id, store_id=reservation.store_id))
    elif reservation.status == REJECTED and reservation.reason is not None:
        await uow.emit(
            StockReservationRejected(
                order_id=reservation.order_id, store_id=reservation.store_id, reason=reservation.reason
            )
        )
    # RELEASED: the order was cancelled; holding stock for it now would only leak it.


async def reserve_stock(uow: UnitOfWork, command: ReserveStock, now: datetime) -> None:
    existing = await orders_repo.fetch_reservation(uow.conn, command.order_id, for_update=True)
    if existing is not None:
        log.info("reserve_stock_repeated", status=existing.status)
        await _answer_again(uow, existing)
        return
    lines = [(line.menu_item_id, line.quantity) for line in command.lines]
    # The store row lock serialises every stock change of the store: two customers racing for the last
    # unit are decided one after the other, and the loser sees the winner's committed count.
    store = await stores_repo.fetch_store(uow.conn, command.store_id, for_update=True)
    decision: Reserved | Rejected
    if store is None:
        decision = Rejected("unknown_item", f"Store {command.store_id} does not exist.")
        items: dict[UUID, MenuItem] = {}
    else:
        items = await menu_repo.lock_live_items(uow.conn, store.store_id, (item_id for item_id, _ in lines))
        decision = reserve(
            store_open=store.takes_orders_at(now),
            stock={item_id: item.stock for item_id, item in items.items()},
            lines=lines,
        )
    if isinstance(decision, Rejected):
        log.info("stock_reservation_rejected", store_id=str(command.store_id), reason=decision.reason)
        await orders_repo.record_reservation(
            uow.conn, Reservation(command.order_id, command.store_id, REJECTED, decision.reason, ())
        )
        await uow.emit(
            StockReservationRejected(
                order_id=command.order_id, store_id=command.store_id, reason=decision.reason, detail=decision.detail
            )
        )
        return
    for item_id, stock in decision.remaining.items():
        await _restock(uow, items[item_id], stock)
    taken = tuple(sorted(requested_quantities(lines).items()))
    await orders_repo.record_reservation(
        uow.conn, Reservation(command.order_id, command.store_id, RESERVED, None, taken)
    )
    await uow.emit(StockReserved(order_id=command.order_id, store_id=command.store_id))
    log.info("stock_reserved", store_id=str(command.store_id), items=len(taken))


async def release_stock(uow: UnitOfWork, command: ReleaseStock) -> None:
    reservation = await orders_repo.fetch_reservation(uow.conn, command.order_id, for_update=True)
    if reservation is None:
        # Released before any reservation was made: remember it, so a late ReserveStock holds nothing.
        await orders_repo.record_reservation(
            uow.conn, Reservation(command.order_id, command.store_id, RELEASED, None, ())
        )
    elif reservation.status == RESERVED:
        await stores_repo.fetch_store(uow.conn, reservation.store_id, for_update=True)
        items = await menu_repo.lock_items(uow.conn, (item_id for item_id, _ in reservation.lines))
        for item_id, quantity in reservation.lines:
            if item_id in items:
                await _restock(uow, items[item_id], items[item_id].stock.give_back(quantity))
        await orders_repo.mark_released(uow.conn, command.order_id)
        log.info("stock_released", store_id=str(reservation.store_id), reason=command.reason)
    # REJECTED held nothing and RELEASED was already given back: either way nothing returns twice.
    await withdraw_entry(uow, command.order_id)
