"""The two use cases: read what they need in one short transaction, then compute off the event loop."""

import asyncio
from dataclasses import dataclass
from uuid import UUID

from matjip_ai.domain.embedding import Embedder
from matjip_ai.domain.errors import StoreNotFound
from matjip_ai.domain.questions import Answer, answer_question
from matjip_ai.domain.recommendations import Recommendation, recommend
from matjip_ai.repository import read_models
from matjip_platform.db import Database


async def ask_about_store(db: Database, embedder: Embedder, store_id: UUID, question: str, top_k: int) -> Answer:
    async with db.transaction() as session:
        if not await read_models.store_known(session, store_id):
            raise StoreNotFound(f"No store {store_id} is known.")
        reviews = await read_models.store_reviews(session, store_id, embedder.name)
        menu = await read_models.store_menu(session, store_id)
    return await asyncio.to_thread(answer_question, question, reviews, menu, embedder, top_k)


@dataclass(frozen=True)
class CustomerRecommendations:
    completed_orders_considered: int
    recommendations: list[Recommendation]


async def recommend_dishes(db: Database, embedder: Embedder, customer_id: UUID, limit: int) -> CustomerRecommendations:
    async with db.transaction() as session:
        history = await read_models.customer_history(session, customer_id, embedder.name)
        candidates = await read_models.orderable_dishes(session, embedder.name)
        statistics = await read_models.order_statistics(session, [d.menu_item_id for d in history])
        completed = await read_models.completed_order_count(session, customer_id)
    found = await asyncio.to_thread(recommend, history, candidates, statistics, limit)
    return CustomerRecommendations(completed_orders_considered=completed, recommendations=found)
