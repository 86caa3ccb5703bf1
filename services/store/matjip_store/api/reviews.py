"""Reviews: anyone reads them; a customer reviews a completed order of theirs, once."""

from datetime import UTC, datetime
from uuid import UUID

from fastapi import APIRouter, status

from matjip_store.api.deps import Customer, PagingDep, RuntimeDep, reading, transaction
from matjip_store.api.schemas import Rating, ReviewCreate, ReviewOut, ReviewPage
from matjip_store.application import reviews, stores

router = APIRouter(prefix="/api/store/stores/{store_id}/reviews", tags=["reviews"])


@router.get("")
async def list_reviews(store_id: UUID, runtime: RuntimeDep, page: PagingDep) -> ReviewPage:
    async with reading(runtime) as session:
        found, total = await reviews.list_reviews(session, store_id, limit=page.limit, offset=page.offset)
        store = await stores.get_store(session, store_id)
    return ReviewPage(
        items=[ReviewOut.of(r) for r in found],
        total=total,
        limit=page.limit,
        offset=page.offset,
        rating=Rating(average=store.average_rating, count=store.rating_count),
    )


@router.post("", status_code=status.HTTP_201_CREATED)
async def post_review(store_id: UUID, body: ReviewCreate, principal: Customer, runtime: RuntimeDep) -> ReviewOut:
    draft = reviews.ReviewDraft(
        order_id=body.order_id, rating=body.rating, text=body.text, menu_item_ids=tuple(body.menu_item_ids)
    )
    async with transaction(runtime) as tx:
        review = await reviews.post_review(tx, principal, store_id, draft, datetime.now(UTC))
    return ReviewOut.of(review)
