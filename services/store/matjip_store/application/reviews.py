"""Reviews: only the customer of a completed order at the store, once per order."""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID, uuid4

from matjip_contracts.events.common import OrderStatus
from matjip_contracts.events.order import OrderStatusChanged
from matjip_contracts.events.store import ReviewPosted
from matjip_platform.auth import Principal
from matjip_platform.errors import DomainError
from matjip_platform.unit_of_work import UnitOfWork, UnitOfWorkFactory
from matjip_store.application.stores import existing_store
from matjip_store.domain.reviews import CompletedOrder, Review, ensure_may_review
from matjip_store.domain.store import Store, StoreNotFound
from matjip_store.repository import menu as menu_repo
from matjip_store.repository import orders as orders_repo
from matjip_store.repository import reviews as repo
from matjip_store.repository import stores as stores_repo


class UnknownReviewedItem(DomainError):
    status, code, title = 422, "unknown_menu_item", "Unknown menu item"


@dataclass(frozen=True)
class ReviewDraft:
    order_id: UUID
    rating: int
    text: str
    menu_item_ids: tuple[UUID, ...]


async def record_order_status(uow: UnitOfWork, event: OrderStatusChanged) -> None:
    """Review eligibility: remember completed orders (COMPLETED is final, so replays cannot undo it)."""
    if event.status is OrderStatus.COMPLETED:
        completed = CompletedOrder(order_id=event.order_id, customer_id=event.customer_id, store_id=event.store_id)
        await orders_repo.record_completed(uow.conn, completed, event.changed_at)


async def post_review(
    unit_of_work: UnitOfWorkFactory, principal: Principal, store_id: UUID, draft: ReviewDraft, now: datetime
) -> Review:
    async with unit_of_work() as uow:
        # The store row lock serialises reviews of one store: the "once per order" check sees any review
        # committed meanwhile, and the rating totals add up.
        if await stores_repo.fetch_store(uow.conn, store_id, for_update=True) is None:
            raise StoreNotFound(f"Store {store_id} does not exist.")
        ensure_may_review(
            await orders_repo.fetch_completed(uow.conn, draft.order_id),
            customer_id=principal.user_id,
            store_id=store_id,
            already_reviewed=await repo.review_exists_for(uow.conn, draft.order_id),
        )
        items = tuple(dict.fromkeys(draft.menu_item_ids))  # order kept, repeats dropped
        unknown = set(items) - await menu_repo.item_ids_of_store(uow.conn, store_id, items)
        if unknown:
            raise UnknownReviewedItem(
                "Reviews can only name this store's menu items.",
                errors=[
                    {"field": f"menu_item_ids[{i}]", "message": "not an item of this store"}
                    for i, item in enumerate(draft.menu_item_ids)
                    if item in unknown
                ],
            )
        review = Review(
            review_id=uuid4(),
            store_id=store_id,
            order_id=draft.order_id,
            customer_id=principal.user_id,
            rating=draft.rating,
            text=draft.text,
            menu_item_ids=items,
            posted_at=now,
        )
        await repo.insert_review(uow.conn, review)
        await stores_repo.add_rating(uow.conn, store_id, review.rating)
        await uow.emit(
            ReviewPosted(
                review_id=review.review_id,
                store_id=store_id,
                order_id=review.order_id,
                customer_id=review.customer_id,
                rating=review.rating,
                text=review.text,
                menu_item_ids=review.menu_item_ids,
                posted_at=review.posted_at,
            )
        )
        return review


async def list_reviews(
    unit_of_work: UnitOfWorkFactory, store_id: UUID, *, limit: int, offset: int
) -> tuple[list[Review], int, Store]:
    """A page of the store's reviews, how many there are, and the store (its rating)."""
    async with unit_of_work() as uow:
        store = await existing_store(uow.conn, store_id)
        found, total = await repo.list_reviews(uow.conn, store_id, limit=limit, offset=offset)
        return found, total, store
