"""Brings reviews and menu items indexed by another model up to the current one.

Vectors of different models do not compare, so questions and recommendations only read rows of the
current model. When the model changes (all-MiniLM-L6-v2 -> multilingual-e5-small), the rows written
before are recomputed here, a batch per transaction, oldest reviews first, until none is left; then the
task ends. Rows are locked with SKIP LOCKED, so replicas share the work, and a row is updated only with
the current model's output, so running it twice changes nothing.
"""

import asyncio

import structlog

from matjip_ai.components import AiComponents
from matjip_ai.domain.questions import index_review
from matjip_ai.repository import read_models

log = structlog.get_logger(__name__)

BATCH = 16


async def reindex_rows_of_other_models(components: AiComponents, stop: asyncio.Event) -> None:
    reviews = items = 0
    while not stop.is_set():
        done = await reindex_batch(components)
        if done == (0, 0):
            break
        reviews, items = reviews + done[0], items + done[1]
    if reviews or items:
        log.info("reindexed_with_current_model", reviews=reviews, menu_items=items)


async def reindex_batch(components: AiComponents) -> tuple[int, int]:
    """Reindex up to BATCH reviews and BATCH menu items in one transaction; how many of each."""
    models = components.models
    model = models.embedder.name
    async with components.unit_of_work() as uow:
        stale_reviews = await read_models.reviews_indexed_by_another_model(uow.conn, model, BATCH)
        for review_id, text in stale_reviews:
            indexing = await asyncio.to_thread(index_review, text, models.embedder, models.analyzer)
            await read_models.reindex_review(uow.conn, review_id, indexing)
        stale_items = await read_models.menu_items_embedded_by_another_model(uow.conn, model, BATCH)
        if stale_items:
            vectors = await asyncio.to_thread(models.embedder.embed_queries, [name for _, name in stale_items])
            for (item_id, _), vector in zip(stale_items, vectors, strict=True):
                await read_models.reembed_menu_item(uow.conn, item_id, vector, model)
    return len(stale_reviews), len(stale_items)
