"""What ai consumes: store snapshots, menu items and reviews (store.events), orders (order.events).

ai publishes nothing. Every handler is idempotent beyond the inbox's de-duplication of event ids: menu
items and stores keep the newest revision, reviews and order lines are inserted once, and an order's
status only moves forward, so a replayed topic converges to the same read model.
"""

import asyncio

from matjip_ai.components import AiComponents
from matjip_ai.domain.embedding import Embedder, Vectors
from matjip_ai.domain.menu import supersedes
from matjip_ai.domain.order_history import FINAL_STATUSES, followed_status
from matjip_ai.domain.questions import index_review
from matjip_ai.repository import read_models
from matjip_contracts.events import MenuItemUpdated, OrderPlaced, OrderStatusChanged, ReviewPosted, StoreUpdated
from matjip_platform.handlers import EventHandlers, HandlerContext


async def embed_name(embedder: Embedder, name: str) -> Vectors:
    # Tens of milliseconds of CPU: off the event loop so HTTP requests are not held up meanwhile. Dish
    # names are compared with dish names (a symmetric task): e5 embeds both sides as queries.
    vectors = await asyncio.to_thread(embedder.embed_queries, [name])
    vector: Vectors = vectors[0]
    return vector


handlers: EventHandlers[AiComponents] = EventHandlers()
Context = HandlerContext[AiComponents]


@handlers.on(StoreUpdated)
async def on_store_updated(ctx: Context, event: StoreUpdated) -> None:
    await read_models.save_store(ctx.conn, event)


@handlers.on(MenuItemUpdated)
async def on_menu_item_updated(ctx: Context, event: MenuItemUpdated) -> None:
    stored = await read_models.locked_menu_item(ctx.conn, event.menu_item_id)
    if not supersedes(event.revision, None if stored is None else stored.revision):
        return
    embedder = ctx.components.models.embedder
    # The name's embedding is computed only when the name (or the model) changed: a price or
    # sold-out change reuses the stored one.
    renamed = stored is None or stored.name != event.name or stored.embedding_model != embedder.name
    vector = await embed_name(embedder, event.name) if renamed else None
    await read_models.save_menu_item(ctx.conn, event, vector, embedder.name)


@handlers.on(ReviewPosted)
async def on_review_posted(ctx: Context, event: ReviewPosted) -> None:
    if await read_models.review_exists(ctx.conn, event.review_id):
        return  # the same review announced again: its vectors and terms are already stored
    models = ctx.components.models
    # Vectors of the whole text and of each sentence, and its terms and aspects: now, not when a question
    # comes (a question then only embeds and analyses itself).
    indexing = await asyncio.to_thread(index_review, event.text, models.embedder, models.analyzer)
    await read_models.save_review(ctx.conn, event, indexing)


@handlers.on(OrderPlaced)
async def on_order_placed(ctx: Context, event: OrderPlaced) -> None:
    await read_models.save_placed_order(ctx.conn, event.order_id, event.customer_id, event.store_id, event.lines)


# Recommendations read only final statuses (COMPLETED counts, CANCELLED never will): the statuses on the way
# are skipped before any transaction.
@handlers.on(OrderStatusChanged, only=lambda event: event.status in FINAL_STATUSES)
async def on_order_status_changed(ctx: Context, event: OrderStatusChanged) -> None:
    current = await read_models.locked_order_status(ctx.conn, event.order_id)
    followed = followed_status(current, event.status)
    if followed != current:
        await read_models.save_order_status(ctx.conn, event.order_id, event.customer_id, event.store_id, followed)
