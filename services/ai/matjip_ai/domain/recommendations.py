"""Dish recommendations from completed order history and what reviews say.

For a customer with history, every orderable dish they have not ordered yet is scored by
- co-occurrence: how often it was in the same completed order as the dishes they ordered, across all
  customers, normalised like a cosine (together / sqrt(orders of one * orders of the other)) and
  weighted by how often the customer ordered each of their dishes;
- review aspects: what reviews say the dish is like (spicy, crispy, generous...: domain/aspects.py)
  compared with what reviews say of the dishes the customer orders (a dot product of the two aspect
  profiles), so someone who keeps ordering dishes reviewers call spicy is shown other spicy dishes;
- content: how close its name is to the names of the dishes they ordered (embedding cosine similarity),
  counted only above a floor so that unrelated names add nothing;
then multiplied by the dish's review sentiment (its average rating: a dish reviewers rate 1 counts half
as much as one they rate 5). A dish that scores on none of the three is not recommended from history.
Remaining places are filled with the most popular orderable dishes (most completed orders), which is also
all a new customer gets. Every recommendation carries its reason, in the customer's language, naming what
led to it.
"""

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from uuid import UUID

import numpy as np

from matjip_ai.domain.aspects import Aspect, reviews_say
from matjip_ai.domain.embedding import Vectors, stack
from matjip_ai.domain.language import Language
from matjip_ai.domain.menu import MenuItem

# Chosen on the even-numbered simulated customers (bench/ai_quality.py reports odd and even apart). Name
# similarity and review aspects as scores of their own pulled in dishes of other stores and lowered the
# hit-rate (0.69 -> 0.55 on the even customers), so aspects only boost dishes that co-occur, and a similar
# name only ranks a dish after every co-occurring one (before the merely popular ones).
CO_OCCURRENCE_WEIGHT = 1.0
ASPECT_BOOST = 0.5
ASPECT_MENTION = 0.15  # an aspect match this strong is named in the reason
CONTENT_WEIGHT = 0.05
# Cosine similarity of dish names (multilingual-e5-small, both embedded as queries) under which names are
# taken as unrelated; only the part above it counts. Measured: "떡볶이"/"치즈떡볶이" 0.93,
# "후라이드치킨"/"양념치킨" 0.92, "짜장면"/"간짜장" 0.91, "콜라"/"사이다" 0.89, "김밥"/"떡볶이" 0.86,
# "아메리카노"/"떡볶이" 0.80: e5 puts every pair of short Korean nouns high, hence the high floor.
CONTENT_FLOOR = 0.88
NEUTRAL_RATING = 3.75  # a dish without reviews is taken as middling, neither boosted nor buried
MAX_LIMIT = 50


class Basis(StrEnum):
    CO_OCCURRENCE = "co_occurrence"
    REVIEWS = "reviews"
    SIMILAR_NAME = "similar_name"
    POPULAR = "popular"


@dataclass(frozen=True)
class DishReviews:
    """What the reviews tagging a dish say: how many there are, their average rating, and how many of
    them mention each aspect."""

    reviews: int
    average_rating: float
    aspects: Mapping[Aspect, int] = field(default_factory=dict)

    def share(self, aspect: Aspect) -> float:
        return self.aspects.get(aspect, 0) / self.reviews if self.reviews else 0.0


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
    """Counts over every customer's completed orders, and what reviews say of each dish."""

    orders_with: Mapping[UUID, int]  # dish -> completed orders containing it
    together: Mapping[tuple[UUID, UUID], int]  # (dish ordered by the customer, other dish) -> orders with both
    reviews: Mapping[UUID, DishReviews] = field(default_factory=dict)


def recommend(
    history: Sequence[OrderedDish],
    candidates: Sequence[Dish],
    statistics: OrderStatistics,
    limit: int,
    language: Language = Language.KOREAN,
) -> list[Recommendation]:
    """At most `limit` orderable dishes, best first, none that the customer already ordered."""
    ordered_ids = {d.menu_item_id for d in history}
    fresh = [d for d in candidates if d.item.orderable and d.item.menu_item_id not in ordered_ids]
    chosen = _from_history(history, fresh, statistics, language)[:limit]
    taken = {r.dish.item.menu_item_id for r in chosen}
    rest = [d for d in fresh if d.item.menu_item_id not in taken]
    return [*chosen, *popular_dishes(rest, statistics, bool(history), language)][:limit]


def popular_dishes(
    candidates: Sequence[Dish], statistics: OrderStatistics, has_history: bool, language: Language = Language.KOREAN
) -> list[Recommendation]:
    """Dishes by number of completed orders (ties by name); dishes nobody completed an order of are left out."""
    ranked = sorted(
        (d for d in candidates if statistics.orders_with.get(d.item.menu_item_id, 0) > 0),
        key=lambda d: (-statistics.orders_with[d.item.menu_item_id], d.item.name, str(d.item.menu_item_id)),
    )
    top = max((statistics.orders_with[d.item.menu_item_id] for d in ranked), default=1)
    return [
        Recommendation(
            dish=d,
            # Below any history-based score: popularity only fills the places left.
            score=round(0.1 * statistics.orders_with[d.item.menu_item_id] / top, 4),
            basis=Basis.POPULAR,
            reason=_popular(statistics.orders_with[d.item.menu_item_id], has_history, language),
        )
        for d in ranked
    ]


def _from_history(
    history: Sequence[OrderedDish], candidates: Sequence[Dish], statistics: OrderStatistics, language: Language
) -> list[Recommendation]:
    if not history or not candidates:
        return []
    total_orders = sum(d.orders for d in history)
    content = _name_similarities(history, candidates)
    profile = _aspect_profile(history, statistics.reviews)
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
        said = statistics.reviews.get(dish_id)
        aspect_scores = {a: weight * said.share(a) for a, weight in profile.items()} if said else {}
        best_aspect = max(aspect_scores, key=lambda a: aspect_scores[a], default=None)
        similar_row = int(np.argmax(content[:, column])) if content.size else -1
        similarity = float(content[similar_row, column]) if content.size else 0.0
        aspect_match = sum(aspect_scores.values())
        together_part = CO_OCCURRENCE_WEIGHT * co_occurrence * (1.0 + ASPECT_BOOST * aspect_match)
        content_part = CONTENT_WEIGHT * max(0.0, (similarity - CONTENT_FLOOR) / (1.0 - CONTENT_FLOOR))
        if together_part == 0.0 and content_part == 0.0:
            continue
        rating = said.average_rating if said and said.reviews else NEUTRAL_RATING
        sentiment = 0.5 + 0.5 * (rating - 1.0) / 4.0
        if together_part > 0 and best_together is not None:
            _, ordered, both = best_together
            basis, reason = Basis.CO_OCCURRENCE, _together(ordered.name, both, language)
            if best_aspect is not None and said is not None and aspect_scores[best_aspect] >= ASPECT_MENTION:
                # Reviews say it has what the customer's dishes are praised for: say so too.
                basis = Basis.REVIEWS
                aspect_reason = reviews_say(best_aspect, said.aspects.get(best_aspect, 0), said.reviews, language)
                reason = f"{reason} · {aspect_reason}"
        else:
            basis, reason = Basis.SIMILAR_NAME, _similar(_with_embedding(history)[similar_row].name, language)
        score = (together_part if together_part > 0 else content_part) * sentiment
        found.append(Recommendation(dish, round(score, 4), basis, reason))
    # Dishes that co-occur first, then those with a similar name only.
    return sorted(
        found,
        key=lambda r: (r.basis is Basis.SIMILAR_NAME, -r.score, r.dish.item.name, str(r.dish.item.menu_item_id)),
    )


def _aspect_profile(history: Sequence[OrderedDish], reviews: Mapping[UUID, DishReviews]) -> dict[Aspect, float]:
    """How much each aspect describes the dishes the customer orders (weighted by how often), summing to 1;
    empty when reviews say nothing about them."""
    weights: dict[Aspect, float] = {}
    for ordered in history:
        said = reviews.get(ordered.menu_item_id)
        if said is None:
            continue
        for aspect in Aspect:
            share = said.share(aspect)
            if share:
                weights[aspect] = weights.get(aspect, 0.0) + share * ordered.orders
    total = sum(weights.values())
    return {a: w / total for a, w in weights.items()} if total else {}


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


def _together(name: str, both: int, language: Language) -> str:
    if language is Language.KOREAN:
        return f"주문하신 {name} 주문과 자주 함께 주문해요 (함께 주문 {both}건)"
    return f"Often ordered with {name}, which you ordered: together in {_orders(both)}."


def _similar(name: str, language: Language) -> str:
    if language is Language.KOREAN:
        return f"주문하신 메뉴와 비슷해요: {name}"
    return f"Similar to {name}, which you ordered."


def _popular(count: int, has_history: bool, language: Language) -> str:
    if language is Language.KOREAN:
        who = "다른 고객" if has_history else "고객"
        return f"{who}에게 인기 있는 메뉴예요 (완료된 주문 {count}건)"
    who = "other customers" if has_history else "customers"
    return f"Popular with {who}: in {_orders(count)}."


def _orders(count: int) -> str:
    return f"{count} completed order" + ("" if count == 1 else "s")
