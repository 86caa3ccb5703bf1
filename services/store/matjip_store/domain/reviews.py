"""Who may review: the customer of a completed order at this store, once per order."""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from matjip_platform.errors import Conflict, Forbidden


class ReviewNotAllowed(Forbidden):
    code = "review_not_allowed"


class AlreadyReviewed(Conflict):
    code = "already_reviewed"


@dataclass(frozen=True)
class CompletedOrder:
    order_id: UUID
    customer_id: UUID
    store_id: UUID


@dataclass(frozen=True)
class Review:
    review_id: UUID
    store_id: UUID
    order_id: UUID
    customer_id: UUID
    rating: int
    text: str
    menu_item_ids: tuple[UUID, ...]
    posted_at: datetime


def ensure_may_review(
    completed: CompletedOrder | None, *, customer_id: UUID, store_id: UUID, already_reviewed: bool
) -> None:
    """Raise unless `customer_id` completed this order at `store_id` and has not reviewed it yet."""
    if completed is None or completed.customer_id != customer_id or completed.store_id != store_id:
        # One answer for "not completed", "not yours" and "another store": nothing about others' orders leaks.
        raise ReviewNotAllowed("Only the customer of a completed order at this store can review it.")
    if already_reviewed:
        raise AlreadyReviewed("This order has already been reviewed.")
