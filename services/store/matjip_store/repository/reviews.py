"""Reviews of stores."""

from uuid import UUID

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from matjip_store.domain.reviews import Review
from matjip_store.repository.tables import reviews


async def review_exists_for(conn: AsyncConnection, order_id: UUID) -> bool:
    return (await conn.scalar(select(reviews.c.id).where(reviews.c.order_id == order_id))) is not None


async def insert_review(conn: AsyncConnection, review: Review) -> None:
    await conn.execute(
        insert(reviews).values(
            id=review.review_id,
            store_id=review.store_id,
            order_id=review.order_id,
            customer_id=review.customer_id,
            rating=review.rating,
            text=review.text,
            menu_item_ids=[str(i) for i in review.menu_item_ids],
            posted_at=review.posted_at,
        )
    )


async def list_reviews(conn: AsyncConnection, store_id: UUID, *, limit: int, offset: int) -> tuple[list[Review], int]:
    total = await conn.scalar(select(func.count()).select_from(reviews).where(reviews.c.store_id == store_id))
    rows = await conn.execute(
        select(reviews)
        .where(reviews.c.store_id == store_id)
        .order_by(reviews.c.posted_at.desc(), reviews.c.id)
        .limit(limit)
        .offset(offset)
    )
    found = [
        Review(
            review_id=row.id,
            store_id=row.store_id,
            order_id=row.order_id,
            customer_id=row.customer_id,
            rating=row.rating,
            text=row.text,
            menu_item_ids=tuple(UUID(i) for i in row.menu_item_ids),
            posted_at=row.posted_at,
        )
        for row in rows
    ]
    return found, int(total or 0)
