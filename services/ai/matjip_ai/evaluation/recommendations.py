"""Recommendation hit-rate@5 on held-out orders, against a popularity baseline.

Every simulated customer's orders but the last are history (theirs and everyone's: the co-occurrence and
popularity counts); the last is held out. A customer counts when the held-out order has a dish they never
ordered before (the recommender, like the baseline, never suggests a dish already ordered); a hit is one
of those dishes among the first five suggestions. The baseline suggests the most ordered dishes the
customer has not ordered. The recommender's weights were chosen on the even-numbered customers; the odd
ones are reported apart."""

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import permutations
from uuid import UUID

from matjip_ai.domain.aspects import aspects_of
from matjip_ai.domain.embedding import Embedder
from matjip_ai.domain.language import Language
from matjip_ai.domain.recommendations import Dish, DishReviews, OrderedDish, OrderStatistics, popular_dishes, recommend
from matjip_ai.evaluation.dataset import LabelledStore, OrderHistories, load_orders

HIT_AT = 5


@dataclass(frozen=True)
class RecommendationFigures:
    customers: int
    counted: int  # customers whose held-out order has a dish new to them
    hit_rate: float
    baseline_hit_rate: float
    by_basis: dict[str, int]  # what the first suggestion of each counted customer was based on

    def report(self) -> str:
        return (
            f"  hit-rate@{HIT_AT} {self.hit_rate:.3f}  popularity baseline {self.baseline_hit_rate:.3f}  "
            f"(customers {self.counted} of {self.customers} with a new dish in the held-out order; "
            f"first suggestion based on {dict(sorted(self.by_basis.items()))})"
        )


def dish_reviews(stores: Sequence[LabelledStore]) -> dict[UUID, DishReviews]:
    ratings: dict[UUID, list[int]] = {}
    aspects: dict[UUID, Counter[str]] = {}
    for store in stores:
        for review in store.reviews:
            found = aspects_of(review.text)
            for item in review.menu_item_ids:
                ratings.setdefault(item, []).append(review.rating)
                aspects.setdefault(item, Counter()).update(found)
    return {
        item: DishReviews(len(values), sum(values) / len(values), dict(aspects[item]))  # type: ignore[arg-type]
        for item, values in ratings.items()
    }


def recommendation_figures(
    stores: Sequence[LabelledStore],
    embedder: Embedder,
    orders: OrderHistories | None = None,
    half: int | None = None,
) -> RecommendationFigures:
    """`half` 0 counts only even-numbered customers (the weights were chosen on them), 1 only odd ones."""
    orders = orders or load_orders()
    items = {item.menu_item_id: (store, item) for store in stores for item in store.menu.values()}
    ids = list(items)
    vectors = embedder.embed_queries([items[i][1].name for i in ids])
    dishes = [Dish(items[i][1], items[i][0].name, vectors[n]) for n, i in enumerate(ids)]
    vector_of = {i: vectors[n] for n, i in enumerate(ids)}
    orders_with: Counter[UUID] = Counter()
    together: Counter[tuple[UUID, UUID]] = Counter()
    mine: dict[str, Counter[UUID]] = {}
    for order in orders.history:
        unique = set(order.item_ids)
        orders_with.update(unique)
        together.update(permutations(unique, 2))
        mine.setdefault(order.customer, Counter()).update(unique)
    statistics = OrderStatistics(dict(orders_with), dict(together), dish_reviews(stores))
    counted = hits = baseline_hits = 0
    by_basis: Counter[str] = Counter()
    for held in orders.held_out:
        if half is not None and int(held.customer.lstrip("c")) % 2 != half:
            continue
        ordered = mine.get(held.customer, Counter())
        new = set(held.item_ids) - set(ordered)
        if not new:
            continue
        history = [OrderedDish(i, items[i][1].name, n, vector_of[i]) for i, n in ordered.items()]
        suggested = recommend(history, dishes, statistics, HIT_AT, Language.KOREAN)
        fresh = [d for d in dishes if d.item.menu_item_id not in ordered]
        baseline = popular_dishes(fresh, statistics, bool(history))[:HIT_AT]
        counted += 1
        hits += any(r.dish.item.menu_item_id in new for r in suggested)
        baseline_hits += any(r.dish.item.menu_item_id in new for r in baseline)
        if suggested:
            by_basis[suggested[0].basis.value] += 1
    return RecommendationFigures(
        customers=len(orders.held_out) if half is None else (len(orders.held_out) + 1 - half) // 2,
        counted=counted,
        hit_rate=hits / counted if counted else 0.0,
        baseline_hit_rate=baseline_hits / counted if counted else 0.0,
        by_basis=dict(by_basis),
    )
