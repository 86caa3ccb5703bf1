"""The two use cases: read what they need in one short transaction, then compute off the event loop."""

import asyncio
from dataclasses import dataclass
from uuid import UUID

from matjip_ai.components import AiComponents
from matjip_ai.domain.errors import StoreNotFound
from matjip_ai.domain.language import Language
from matjip_ai.domain.questions import Answer, StoreReviews, answer_question
from matjip_ai.domain.recommendations import Recommendation, recommend
from matjip_ai.repository import read_models


async def ask_about_store(
    components: AiComponents, store_id: UUID, question: str, top_k: int, language: Language
) -> Answer:
    models, indexes = components.models, components.review_indexes
    embedder = models.embedder
    async with components.unit_of_work() as uow:
        count = await read_models.store_review_count(uow.conn, store_id, embedder.name)
        # A store with reviews is known; only one without needs the slower check (one query fewer).
        if count == 0 and not await read_models.store_known(uow.conn, store_id):
            raise StoreNotFound(f"No store {store_id} is known.")
        store = indexes.get(store_id, count)
        reviews = None if store is not None else await read_models.store_reviews(uow.conn, store_id, embedder.name)
        menu = await read_models.store_menu(uow.conn, store_id)

    def answer() -> Answer:
        indexed = store
        if indexed is None:
            indexed = StoreReviews(reviews or [], embedder.dimension)
            indexes.put(store_id, count, indexed)
        return answer_question(question, indexed, menu, embedder, models.analyzer, language, top_k)

    return await asyncio.to_thread(answer)


@dataclass(frozen=True)
class CustomerRecommendations:
    completed_orders_considered: int
    recommendations: list[Recommendation]


async def recommend_dishes(
    components: AiComponents, customer_id: UUID, limit: int, language: Language
) -> CustomerRecommendations:
    model = components.models.embedder.name
    async with components.unit_of_work() as uow:
        history = await read_models.customer_history(uow.conn, customer_id, model)
        candidates = await read_models.orderable_dishes(uow.conn, model)
        statistics = await read_models.order_statistics(uow.conn, [d.menu_item_id for d in history])
        completed = await read_models.completed_order_count(uow.conn, customer_id)
    found = await asyncio.to_thread(recommend, history, candidates, statistics, limit, language)
    return CustomerRecommendations(completed_orders_considered=completed, recommendations=found)
