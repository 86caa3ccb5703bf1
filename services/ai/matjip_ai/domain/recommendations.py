"""Dish recommendations from completed order history.

For a customer with history, every orderable dish they have not ordered yet is scored by
- co-occurrence: how often it was in the same completed order as the dishes they ordered, across all
  customers, normalised like a cosine (together / sqrt(orders of one * orders of the other)) and
  weighted by how often the customer ordered each of their dishes;
- content: how close its name is to the names of the dishes they ordered (embedding cosine similarity),
  counted only above a floor so that unrelated names add nothing;
and a dish that scores on neither is not recommended from history. Remaining places are filled with the
most popular orderable dishes (most completed orders), which is also all a new customer gets.
Every recommendation carries the reason it was made, naming the dish that led to it.
"""

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID

import numpy as np

from matjip_ai.domain.embedding import Vectors, stack
from matjip_ai.domain.menu import MenuItem

CO_OCCURRENCE_WEIGHT = 0.6
CONTENT_WEIGHT = 0.4
# Cosine similarity of dish names (all-MiniLM-L6-v2) under which names are taken as unrelated; only the
# part above it counts. Measured: "Tteokbokki"/"Cheese Tteokbokki" 0.82, "Fried chicken"/"Chicken" 0.84,
# "Coke"/"Cider" 0.44, "Kimbap"/"Tteokbokki" 0.38, "Coke"/"Tteokbokki" 0.19.
CONTENT_FLOOR = 0.4
MAX_LIMIT = 50


class Basis(StrEnum):
    CO_OCCURRENCE = "co_occurrence"
    SIMILAR_NAME = "similar_name"
    POPULAR = "popular"


@dataclass(frozen=True)
class Dish:
    """An orderable menu item, with its store's name and the embedding of its name."""

    item: MenuItem
    store_name: str | None
    name_embedding: Vectors


@dataclass(frozen=True)
class OrderedDish:
    """A dish in the customer's completed orders (it may be sold out or removed by now)."""

    menu_item_id: UUID
    name: str
    orders: int  # how many of the customer's completed orders contained it
    name_embedding: Vectors | None  # None when ai never saw the item's MenuItemUpdated


@dataclass(frozen=True)
class Recommendation:
    dish: Dish
    score: float
    basis: Basis
    reason: str


@dataclass(frozen=True)
class OrderStatistics:
    """Counts over every customer's completed orders."""

    orders_with: Mapping[UUID, int]  # dish -> completed orders containing it
    together: Mapping[tuple[UUID, UUID], int]  # (dish ordered by the customer, other dish) -> orders with both


def recommend(
    history: Sequence[OrderedDish],
    candidates: Sequence[Dish],
    statistics: OrderStatistics,
    limit: int,
) -> list[Recommendation]:
    """At most `limit` orderable dishes, best first, none that the customer already ordered."""
    ordered_ids = {d.menu_item_id for d in history}
    fresh = [d for d in candidates if d.item.orderable and d.item.menu_item_id not in ordered_ids]
    chosen = _from_history(history, fresh, statistics)[:limit]
    taken = {r.dish.item.menu_item_id for r in chosen}
    popular = popular_dishes([d for d in fresh if d.item.menu_item_id not in taken], statistics, bool(history))
    return [*chosen, *popular][:limit]


def popular_dishes(candidates: Sequence[Dish], statistics: OrderStatistics, has_history: bool) -> list[Recommendation]:
    """Dishes by number of completed orders (ties by name); dishes nobody completed an order of are left out."""
    ranked = sorted(
        (d for d in candidates if statistics.orders_with.get(d.item.menu_item_id, 0) > 0),
        key=lambda d: (-statistics.orders_with[d.item.menu_item_id], d.item.name, str(d.item.menu_item_id)),
    )
    top = max((statistics.orders_with[d.item.menu_item_id] for d in ranked), default=1)
    who = "other customers" if has_history else "customers"
    return [
        Recommendation(
            dish=d,
            # Below any history-based score: popularity only fills the places left.
            score=round(0.1 * statistics.orders_with[d.item.menu_item_id] / top, 4),
            basis=Basis.POPULAR,
            reason=f"Popular with {who}: in {_orders(statistics.orders_with[d.item.menu_item_id])}.",
        )
        for d in ranked
    ]


def _from_history(
    history: Sequence[OrderedDish], candidates: Sequence[Dish], statistics: OrderStatistics
) -> list[Recommendation]:
    if not history or not candidates:
        return []
    total_orders = sum(d.orders for d in history)
    content = _name_similarities(history, candidates)
    found: list[Recommendation] = []
    for column, dish in enumerate(candidates):
        dish_id = dish.item.menu_item_id
        # The ordered dish that contributes most to each signal is the one the reason names.
        best_together: tuple[float, OrderedDish, int] | None = None
        co_occurrence = 0.0
        for ordered in history:
            both = statistics.together.get((ordered.menu_item_id, dish_id), 0)
            if both == 0:
                continue
            strength = both / math.sqrt(
                max(statistics.orders_with.get(ordered.menu_item_id, both), both)
                * max(statistics.orders_with.get(dish_id, both), both)
            )
            co_occurrence += strength * ordered.orders / total_orders
            if best_together is None or strength > best_together[0]:
                best_together = (strength, ordered, both)
        similar_row = int(np.argmax(content[:, column])) if content.size else -1
        similarity = float(content[similar_row, column]) if content.size else 0.0
        content_score = max(0.0, (similarity - CONTENT_FLOOR) / (1.0 - CONTENT_FLOOR))
        together_part = CO_OCCURRENCE_WEIGHT * co_occurrence
        content_part = CONTENT_WEIGHT * content_score
        if together_part == 0.0 and content_part == 0.0:
            continue
        if together_part >= content_part and best_together is not None:
            _, ordered, both = best_together
            basis = Basis.CO_OCCURRENCE
            reason = f"Often ordered with {ordered.name}, which you ordered: together in {_orders(both)}."
        else:
            basis = Basis.SIMILAR_NAME
            reason = f"Similar to {_with_embedding(history)[similar_row].name}, which you ordered."
        found.append(Recommendation(dish, round(together_part + content_part, 4), basis, reason))
    return sorted(found, key=lambda r: (-r.score, r.dish.item.name, str(r.dish.item.menu_item_id)))


def _with_embedding(history: Sequence[OrderedDish]) -> list[OrderedDish]:
    return [d for d in history if d.name_embedding is not None]


def _name_similarities(history: Sequence[OrderedDish], candidates: Sequence[Dish]) -> Vectors:
    """(ordered dishes with an embedding) x (candidates) cosine similarities; empty when none has one."""
    known = _with_embedding(history)
    if not known:
        return np.zeros((0, len(candidates)), dtype=np.float32)
    dimension = candidates[0].name_embedding.size
    rows = stack([d.name_embedding for d in known if d.name_embedding is not None], dimension)
    columns = stack([d.name_embedding for d in candidates], dimension)
    return (rows @ columns.T).astype(np.float32)


def _orders(count: int) -> str:
    return f"{count} completed order" + ("" if count == 1 else "s")
