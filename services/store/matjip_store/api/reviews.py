"""Reviews: anyone reads them; a customer reviews a completed order of theirs, once."""

from datetime import UTC, datetime
from uuid import UUID

from fastapi import APIRouter, status

from matjip_store.api.deps import Customer, PagingDep, UnitOfWorkDep
from matjip_store.api.schemas import Rating, ReviewCreate, ReviewOut, ReviewPage
from matjip_store.application import reviews

router = APIRouter(prefix="/api/store/stores/{store_id}/reviews", tags=["reviews"])


@router.get("")
async def list_reviews(store_id: UUID, unit_of_work: UnitOfWorkDep, page: PagingDep) -> ReviewPage:
    found, total, store = await reviews.list_reviews(unit_of_work, store_id, limit=page.limit, offset=page.offset)
    return ReviewPage(
        items=[ReviewOut.of(r) for r in found],
        total=total,
        limit=page.limit,
        offset=page.offset,
        rating=Rating(average=store.average_rating, count=store.rating_count),
    )


@router.post("", status_code=status.HTTP_201_CREATED)
async def post_review(
    store_id: UUID, body: ReviewCreate, principal: Customer, unit_of_work: UnitOfWorkDep
) -> ReviewOut:
    draft = reviews.ReviewDraft(
        order_id=body.order_id, rating=body.rating, text=body.text, menu_item_ids=tuple(body.menu_item_ids)
    )
    review = await reviews.post_review(unit_of_work, principal, store_id, draft, datetime.now(UTC))
    return ReviewOut.of(review)
