"""Reads and writes of the ai read models. Writes are idempotent: a replayed event changes nothing."""

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy import Row, and_, bindparam, exists, func, literal, select, union_all, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from matjip_ai.domain.aspects import Aspect
from matjip_ai.domain.embedding import Vectors, from_bytes, matrix_from_bytes, to_bytes
from matjip_ai.domain.menu import MenuItem
from matjip_ai.domain.questions import ReviewIndexing, StoredReview
from matjip_ai.domain.recommendations import Dish, DishReviews, OrderedDish, OrderStatistics
from matjip_ai.repository.tables import menu_items, order_lines, orders, reviews, stores
from matjip_contracts.events import MenuItemUpdated, OrderLine, ReviewPosted, StoreUpdated
from matjip_contracts.events.common import OrderStatus
from matjip_platform.sql import insert_or_update, insert_unless_present

COMPLETED = OrderStatus.COMPLETED.value

# --- stores -------------------------------------------------------------------------------------------


async def save_store(conn: AsyncConnection, event: StoreUpdated) -> None:
    """Keep the newest snapshot: an older or equal revision leaves the row as it is."""
    values = {
        "store_id": event.store_id,
        "owner_id": event.owner_id,
        "name": event.name,
        "accepting_orders": event.accepting_orders,
        "revision": event.revision,
    }
    statement = insert(stores).values(values)
    await conn.execute(
        statement.on_conflict_do_update(
            index_elements=[stores.c.store_id],
            set_={k: statement.excluded[k] for k in values if k != "store_id"},
            where=stores.c.revision < statement.excluded.revision,
        )
    )


# The question path's statements, built once (each question only binds its store and model).
_STORE_KNOWN = select(
    exists(
        select(
            union_all(
                select(literal(1)).where(stores.c.store_id == bindparam("store_id")),
                select(literal(1)).where(menu_items.c.store_id == bindparam("store_id")),
                select(literal(1)).where(reviews.c.store_id == bindparam("store_id")),
            ).subquery()
        )
    )
)
_STORE_MENU = select(  # not the names' vectors: a question does not need them
    menu_items.c.menu_item_id,
    menu_items.c.store_id,
    menu_items.c.name,
    menu_items.c.price,
    menu_items.c.sold_out,
    menu_items.c.removed,
).where(menu_items.c.store_id == bindparam("store_id"))
_STORE_REVIEW_COUNT = select(func.count()).where(
    reviews.c.store_id == bindparam("store_id"), reviews.c.embedding_model == bindparam("model")
)


async def store_known(conn: AsyncConnection, store_id: UUID) -> bool:
    """A store ai has heard of: its snapshot, a menu item of it or a review of it arrived."""
    return bool(await conn.scalar(_STORE_KNOWN, {"store_id": store_id}))


# --- menu items ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredMenuItem:
    revision: int
    name: str
    embedding_model: str


async def locked_menu_item(conn: AsyncConnection, menu_item_id: UUID) -> StoredMenuItem | None:
    """What a stored item's next snapshot is compared with, locked until the transaction ends."""
    row = (
        await conn.execute(
            select(menu_items.c.revision, menu_items.c.name, menu_items.c.embedding_model)
            .where(menu_items.c.menu_item_id == menu_item_id)
            .with_for_update()
        )
    ).first()
    return None if row is None else StoredMenuItem(row.revision, row.name, row.embedding_model)


async def save_menu_item(
    conn: AsyncConnection, event: MenuItemUpdated, name_embedding: Vectors | None, model: str
) -> None:
    """Store a newer snapshot; `name_embedding` None keeps the stored one (the name did not change)."""
    values: dict[str, object] = {
        "menu_item_id": event.menu_item_id,
        "store_id": event.store_id,
        "name": event.name,
        "price": event.price,
        "sold_out": event.sold_out,
        "removed": event.removed,
        "revision": event.revision,
    }
    if name_embedding is None:
        # The row exists (its name is what was compared): an upsert would fail NOT NULL on the embedding
        # before ON CONFLICT is even considered, so this is a plain update of the newer snapshot.
        await conn.execute(
            update(menu_items)
            .where(menu_items.c.menu_item_id == event.menu_item_id, menu_items.c.revision < event.revision)
            .values({k: v for k, v in values.items() if k != "menu_item_id"})
        )
        return
    values |= {"name_embedding": to_bytes(name_embedding), "embedding_model": model}
    updated = [k for k in values if k != "menu_item_id"]
    statement = insert(menu_items).values(values)
    await conn.execute(
        statement.on_conflict_do_update(
            index_elements=[menu_items.c.menu_item_id],
            set_={k: statement.excluded[k] for k in updated},
            where=menu_items.c.revision < statement.excluded.revision,
        )
    )


async def menu_items_embedded_by_another_model(conn: AsyncConnection, model: str, limit: int) -> list[tuple[UUID, str]]:
    """(menu item id, name) of items whose name vector another model made, locked for re-embedding."""
    rows = await conn.execute(
        select(menu_items.c.menu_item_id, menu_items.c.name)
        .where(menu_items.c.embedding_model != model)
        .order_by(menu_items.c.menu_item_id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return [(row.menu_item_id, row.name) for row in rows]


async def reembed_menu_item(conn: AsyncConnection, menu_item_id: UUID, name_embedding: Vectors, model: str) -> None:
    await conn.execute(
        update(menu_items)
        .where(menu_items.c.menu_item_id == menu_item_id)
        .values(name_embedding=to_bytes(name_embedding), embedding_model=model)
    )


def _menu_item(row: Row[Any]) -> MenuItem:
    return MenuItem(
        menu_item_id=row.menu_item_id,
        store_id=row.store_id,
        name=row.name,
        price=row.price,
        sold_out=row.sold_out,
        removed=row.removed,
    )


async def store_menu(conn: AsyncConnection, store_id: UUID) -> dict[UUID, MenuItem]:
    """Every item of the store, removed ones too (old reviews talk about them)."""
    rows = await conn.execute(_STORE_MENU, {"store_id": store_id})
    return {row.menu_item_id: _menu_item(row) for row in rows}


async def orderable_dishes(conn: AsyncConnection, model: str) -> list[Dish]:
    rows = await conn.execute(
        select(menu_items, stores.c.name.label("store_name"))
        .outerjoin(stores, stores.c.store_id == menu_items.c.store_id)
        .where(~menu_items.c.sold_out, ~menu_items.c.removed, menu_items.c.embedding_model == model)
    )
    return [Dish(_menu_item(row), row.store_name, from_bytes(row.name_embedding)) for row in rows]


# --- reviews ------------------------------------------------------------------------------------------


async def review_exists(conn: AsyncConnection, review_id: UUID) -> bool:
    return bool(await conn.scalar(select(exists().where(reviews.c.review_id == review_id))))


async def save_review(conn: AsyncConnection, event: ReviewPosted, indexing: ReviewIndexing) -> None:
    await conn.execute(
        insert(reviews)
        .values(
            review_id=event.review_id,
            store_id=event.store_id,
            order_id=event.order_id,
            customer_id=event.customer_id,
            rating=event.rating,
            text=event.text,
            menu_item_ids=list(event.menu_item_ids),
            posted_at=event.posted_at,
            embedding=to_bytes(indexing.embedding),
            sentence_embeddings=to_bytes(indexing.sentence_embeddings),
            embedding_model=indexing.model,
            terms=list(indexing.terms),
            aspects=sorted(indexing.aspects),
        )
        .on_conflict_do_nothing(index_elements=[reviews.c.review_id])
    )


async def reviews_indexed_by_another_model(conn: AsyncConnection, model: str, limit: int) -> list[tuple[UUID, str]]:
    """(review id, text) of reviews whose vectors another model made, oldest first, locked for reindexing
    (SKIP LOCKED: two replicas share the work instead of doing it twice)."""
    rows = await conn.execute(
        select(reviews.c.review_id, reviews.c.text)
        .where(reviews.c.embedding_model != model)
        .order_by(reviews.c.posted_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return [(row.review_id, row.text) for row in rows]


async def reindex_review(conn: AsyncConnection, review_id: UUID, indexing: ReviewIndexing) -> None:
    await conn.execute(
        update(reviews)
        .where(reviews.c.review_id == review_id)
        .values(
            embedding=to_bytes(indexing.embedding),
            sentence_embeddings=to_bytes(indexing.sentence_embeddings),
            embedding_model=indexing.model,
            terms=list(indexing.terms),
            aspects=sorted(indexing.aspects),
        )
    )


async def store_review_count(conn: AsyncConnection, store_id: UUID, model: str) -> int:
    count = await conn.scalar(_STORE_REVIEW_COUNT, {"store_id": store_id, "model": model})
    return int(count or 0)


async def store_reviews(conn: AsyncConnection, store_id: UUID, model: str) -> list[StoredReview]:
    """The store's reviews with embeddings of `model` (vectors of different models do not compare)."""
    rows = await conn.execute(select(reviews).where(reviews.c.store_id == store_id, reviews.c.embedding_model == model))
    return [_stored_review(row) for row in rows]


def _stored_review(row: Row[Any]) -> StoredReview:
    embedding = from_bytes(row.embedding)
    return StoredReview(
        review_id=row.review_id,
        rating=row.rating,
        text=row.text,
        menu_item_ids=tuple(row.menu_item_ids),
        posted_at=row.posted_at,
        embedding=embedding,
        sentence_embeddings=matrix_from_bytes(row.sentence_embeddings, embedding.size),
        terms=tuple(row.terms),
    )


# --- orders -------------------------------------------------------------------------------------------


_SAVE_ORDER = insert_unless_present(orders, ("order_id", "customer_id", "store_id", "status"), on=("order_id",))
_SAVE_ORDER_LINE = insert_unless_present(
    order_lines, ("order_id", "menu_item_id", "name", "quantity"), on=("order_id", "menu_item_id")
)
_SAVE_ORDER_STATUS = insert_or_update(
    orders, ("order_id", "customer_id", "store_id", "status"), on=("order_id",), update=("status",)
)


async def save_placed_order(
    conn: AsyncConnection, order_id: UUID, customer_id: UUID, store_id: UUID, lines: Sequence[OrderLine]
) -> None:
    await conn.execute(
        _SAVE_ORDER,
        {"order_id": order_id, "customer_id": customer_id, "store_id": store_id, "status": OrderStatus.PLACED.value},
    )
    # One row per dish: the same dish with different options is still the same dish here.
    quantities: Counter[UUID] = Counter()
    names: dict[UUID, str] = {}
    for line in lines:
        quantities[line.menu_item_id] += line.quantity
        names.setdefault(line.menu_item_id, line.name)
    if quantities:
        await conn.execute(
            _SAVE_ORDER_LINE,
            [
                {"order_id": order_id, "menu_item_id": item, "name": names[item], "quantity": quantity}
                for item, quantity in quantities.items()
            ],
        )


async def locked_order_status(conn: AsyncConnection, order_id: UUID) -> OrderStatus | None:
    status = await conn.scalar(select(orders.c.status).where(orders.c.order_id == order_id).with_for_update())
    return None if status is None else OrderStatus(status)


async def save_order_status(
    conn: AsyncConnection, order_id: UUID, customer_id: UUID, store_id: UUID, status: OrderStatus
) -> None:
    await conn.execute(
        _SAVE_ORDER_STATUS,
        {"order_id": order_id, "customer_id": customer_id, "store_id": store_id, "status": status.value},
    )


async def customer_history(conn: AsyncConnection, customer_id: UUID, model: str) -> list[OrderedDish]:
    """The dishes of the customer's completed orders, with how many orders had each (and the embedding of
    the dish's name when ai knows the dish)."""
    rows = await conn.execute(
        select(
            order_lines.c.menu_item_id,
            func.max(order_lines.c.name).label("line_name"),
            func.count().label("orders"),
            menu_items.c.name.label("menu_name"),
            menu_items.c.name_embedding,
            menu_items.c.embedding_model,
        )
        .join(orders, orders.c.order_id == order_lines.c.order_id)
        .outerjoin(menu_items, menu_items.c.menu_item_id == order_lines.c.menu_item_id)
        .where(orders.c.customer_id == customer_id, orders.c.status == COMPLETED)
        .group_by(order_lines.c.menu_item_id, menu_items.c.menu_item_id)
    )
    return [
        OrderedDish(
            menu_item_id=row.menu_item_id,
            name=row.menu_name or row.line_name,
            orders=row.orders,
            name_embedding=from_bytes(row.name_embedding) if row.embedding_model == model else None,
        )
        for row in rows
    ]


async def order_statistics(conn: AsyncConnection, ordered: Sequence[UUID]) -> OrderStatistics:
    """Per-dish completed-order counts, and co-occurrence counts between `ordered` and every other dish."""
    completed = select(orders.c.order_id).where(orders.c.status == COMPLETED).scalar_subquery()
    counts = await conn.execute(
        select(order_lines.c.menu_item_id, func.count())
        .where(order_lines.c.order_id.in_(completed))
        .group_by(order_lines.c.menu_item_id)
    )
    orders_with = {item: count for item, count in counts.all()}
    together: dict[tuple[UUID, UUID], int] = {}
    if ordered:
        mine, other = order_lines.alias("mine"), order_lines.alias("other")
        pairs = await conn.execute(
            select(mine.c.menu_item_id, other.c.menu_item_id, func.count())
            .join(other, and_(other.c.order_id == mine.c.order_id, other.c.menu_item_id != mine.c.menu_item_id))
            .where(mine.c.menu_item_id.in_(list(ordered)), mine.c.order_id.in_(completed))
            .group_by(mine.c.menu_item_id, other.c.menu_item_id)
        )
        together = {(a, b): count for a, b, count in pairs.all()}
    return OrderStatistics(orders_with=orders_with, together=together, reviews=await dish_reviews(conn))


async def dish_reviews(conn: AsyncConnection) -> dict[UUID, DishReviews]:
    """Per dish tagged in reviews: how many reviews, their average rating, how many mention each aspect.

    A scan of every review: fine for the thousands a city has; past that, keep these counts in a table
    updated when a review arrives."""
    tagged = select(func.unnest(reviews.c.menu_item_ids).label("item"), reviews.c.rating, reviews.c.aspects).subquery()
    totals = await conn.execute(select(tagged.c.item, func.count(), func.avg(tagged.c.rating)).group_by(tagged.c.item))
    mentions = select(tagged.c.item, func.unnest(tagged.c.aspects).label("aspect")).subquery()
    counted = await conn.execute(
        select(mentions.c.item, mentions.c.aspect, func.count()).group_by(mentions.c.item, mentions.c.aspect)
    )
    aspects: dict[UUID, dict[Aspect, int]] = {}
    for item, aspect, count in counted.all():
        if aspect in Aspect.__members__.values():
            aspects.setdefault(item, {})[Aspect(aspect)] = count
    return {item: DishReviews(count, float(average), aspects.get(item, {})) for item, count, average in totals.all()}


async def completed_order_count(conn: AsyncConnection, customer_id: UUID) -> int:
    count = await conn.scalar(
        select(func.count()).where(orders.c.customer_id == customer_id, orders.c.status == COMPLETED)
    )
    return int(count or 0)
