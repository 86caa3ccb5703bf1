"""Recommendations: co-occurrence across completed orders, review aspects and sentiment, name similarity,
popular fallback, exclusions, reasons in Korean and English."""

import itertools
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from uuid import UUID, uuid4

import pytest

from matjip_ai.domain import recommendations
from matjip_ai.domain.aspects import Aspect, aspects_of
from matjip_ai.domain.embedding import Embedder
from matjip_ai.domain.language import Language
from matjip_ai.domain.menu import MenuItem
from matjip_ai.domain.recommendations import (
    Basis,
    Dish,
    DishReviews,
    OrderedDish,
    OrderStatistics,
    Recommendation,
    recommend,
)

STORE_A, STORE_B = uuid4(), uuid4()


class Menu:
    """Dishes by name, with their fake name embeddings."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder
        self.dishes: dict[str, Dish] = {}

    def add(self, name: str, *, store: UUID = STORE_A, sold_out: bool = False, removed: bool = False) -> Dish:
        item = MenuItem(uuid4(), store, name, 10000, sold_out, removed)
        dish = Dish(item, "Store A" if store == STORE_A else "Store B", self.embedder.embed_queries([name])[0])
        self.dishes[name] = dish
        return dish

    def id(self, name: str) -> UUID:
        return self.dishes[name].item.menu_item_id

    def history(self, *orders: Sequence[str]) -> list[OrderedDish]:
        counts = Counter(name for order in orders for name in set(order))
        return [
            OrderedDish(self.id(name), name, count, self.dishes[name].name_embedding) for name, count in counts.items()
        ]

    def statistics(self, orders: Sequence[Sequence[str]]) -> OrderStatistics:
        """What the repository counts over completed orders, computed from the baskets directly."""
        baskets = [{self.id(name) for name in order} for order in orders]
        orders_with = Counter(item for basket in baskets for item in basket)
        together = Counter(pair for basket in baskets for pair in itertools.permutations(basket, 2))
        return OrderStatistics(orders_with=dict(orders_with), together=dict(together))


def recommend_en(
    history: Sequence[OrderedDish], candidates: Sequence[Dish], statistics: OrderStatistics, limit: int
) -> list[Recommendation]:
    return recommend(history, candidates, statistics, limit, Language.ENGLISH)


@pytest.fixture
def menu(fake_embedder: Embedder) -> Menu:
    return Menu(fake_embedder)


def names(recommendations: Sequence[object]) -> list[str]:
    return [r.dish.item.name for r in recommendations]  # type: ignore[attr-defined]


def test_a_new_customer_gets_the_most_ordered_dishes(menu: Menu) -> None:
    for name in ("Kimbap", "Tteokbokki", "Coke", "Sundae"):
        menu.add(name)
    everyone = [["Kimbap"], ["Kimbap", "Coke"], ["Kimbap", "Tteokbokki"], ["Tteokbokki"]]

    found = recommend_en([], list(menu.dishes.values()), menu.statistics(everyone), limit=10)

    assert names(found) == ["Kimbap", "Tteokbokki", "Coke"]  # Sundae: nobody completed an order of it
    assert {r.basis for r in found} == {Basis.POPULAR}
    assert found[0].reason == "Popular with customers: in 3 completed orders."
    assert found[2].reason == "Popular with customers: in 1 completed order."
    assert found[0].score > found[1].score > found[2].score


def test_dishes_ordered_together_with_the_customers_dishes_come_first(menu: Menu) -> None:
    for name in ("Tteokbokki", "Fish cake soup", "Coke", "Kimbap"):
        menu.add(name)
    mine = [["Tteokbokki"]]
    everyone = [
        *mine,
        ["Tteokbokki", "Fish cake soup"],
        ["Tteokbokki", "Fish cake soup"],
        ["Tteokbokki", "Fish cake soup", "Coke"],
        *[["Kimbap"]] * 5,  # the most popular dish overall, never with tteokbokki
    ]

    found = recommend_en(menu.history(*mine), list(menu.dishes.values()), menu.statistics(everyone), limit=10)

    assert names(found) == ["Fish cake soup", "Coke", "Kimbap"]
    assert [r.basis for r in found] == [Basis.CO_OCCURRENCE, Basis.CO_OCCURRENCE, Basis.POPULAR]
    assert found[0].reason == "Often ordered with Tteokbokki, which you ordered: together in 3 completed orders."
    assert found[2].reason == "Popular with other customers: in 5 completed orders."
    assert "Tteokbokki" not in names(found)  # the customer knows it already


def test_a_dish_with_a_similar_name_is_recommended_for_its_name(menu: Menu, monkeypatch: pytest.MonkeyPatch) -> None:
    # The floor is set for multilingual-e5 (which scores every pair of dish names high); the fake embedder
    # gives "Tteokbokki"/"Cheese Tteokbokki" 0.71.
    monkeypatch.setattr(recommendations, "CONTENT_FLOOR", 0.4)
    menu.add("Tteokbokki")
    menu.add("Cheese Tteokbokki", store=STORE_B)
    menu.add("Coke", store=STORE_B)
    mine = [["Tteokbokki"]]

    found = recommend_en(menu.history(*mine), list(menu.dishes.values()), menu.statistics(mine), limit=10)

    assert names(found) == ["Cheese Tteokbokki"]  # Coke: neither ordered with it nor alike, nor popular
    assert found[0].basis is Basis.SIMILAR_NAME
    assert found[0].reason == "Similar to Tteokbokki, which you ordered."
    assert found[0].dish.store_name == "Store B"


def test_co_occurrence_weighs_more_than_a_similar_name(menu: Menu) -> None:
    for name in ("Tteokbokki", "Cheese Tteokbokki", "Fish cake soup"):
        menu.add(name)
    mine = [["Tteokbokki"]]
    everyone = [*mine, ["Tteokbokki", "Fish cake soup"], ["Cheese Tteokbokki"]]

    found = recommend_en(menu.history(*mine), list(menu.dishes.values()), menu.statistics(everyone), limit=10)

    assert names(found) == ["Fish cake soup", "Cheese Tteokbokki"]


def test_the_dishes_the_customer_orders_most_weigh_most(menu: Menu) -> None:
    for name in ("Tteokbokki", "Jjajangmyeon", "Fish cake soup", "Dumplings"):
        menu.add(name)
    mine = [["Tteokbokki"], ["Tteokbokki"], ["Tteokbokki"], ["Jjajangmyeon"]]
    everyone = [*mine, ["Tteokbokki", "Fish cake soup"], ["Jjajangmyeon", "Dumplings"]]

    found = recommend_en(menu.history(*mine), list(menu.dishes.values()), menu.statistics(everyone), limit=10)

    assert names(found) == ["Fish cake soup", "Dumplings"]
    assert found[1].reason == "Often ordered with Jjajangmyeon, which you ordered: together in 1 completed order."


def test_sold_out_and_removed_dishes_are_never_recommended(menu: Menu) -> None:
    menu.add("Tteokbokki")
    menu.add("Fish cake soup", sold_out=True)
    menu.add("Cheese Tteokbokki", removed=True)
    menu.add("Kimbap")
    mine = [["Tteokbokki"]]
    everyone = [*mine, ["Tteokbokki", "Fish cake soup", "Cheese Tteokbokki", "Kimbap"]]

    found = recommend_en(menu.history(*mine), list(menu.dishes.values()), menu.statistics(everyone), limit=10)

    assert names(found) == ["Kimbap"]


def test_the_limit_caps_history_and_popular_recommendations_together(menu: Menu) -> None:
    menu.add("Tteokbokki")
    for n in range(5):
        menu.add(f"Side {n}")
    mine = [["Tteokbokki"]]
    everyone = [*mine, ["Tteokbokki", "Side 0"], ["Tteokbokki", "Side 1"], *[[f"Side {n}"] for n in range(2, 5)]]

    found = recommend_en(menu.history(*mine), list(menu.dishes.values()), menu.statistics(everyone), limit=3)

    assert len(found) == 3
    assert names(found)[:2] == ["Side 0", "Side 1"]
    assert found[2].basis is Basis.POPULAR


def test_a_dish_unknown_to_the_menu_still_drives_co_occurrence(menu: Menu) -> None:
    menu.add("Tteokbokki")
    menu.add("Fish cake soup")
    gone = uuid4()  # a dish whose MenuItemUpdated ai never received: no embedding, name from the order line
    history = [OrderedDish(gone, "Old special", 2, None)]
    statistics = OrderStatistics(
        orders_with={gone: 2, menu.id("Fish cake soup"): 2}, together={(gone, menu.id("Fish cake soup")): 2}
    )

    found = recommend_en(history, list(menu.dishes.values()), statistics, limit=10)

    assert names(found) == ["Fish cake soup"]
    assert found[0].reason.startswith("Often ordered with Old special")


def test_nothing_to_recommend_when_nothing_was_ever_completed(menu: Menu) -> None:
    menu.add("Tteokbokki")
    assert recommend_en([], list(menu.dishes.values()), OrderStatistics({}, {}), limit=5) == []


def test_reviews_saying_a_dish_has_what_the_customer_likes_lift_it_and_say_so(menu: Menu) -> None:
    for name in ("Buldak", "Spicy ramen", "Mild ramen", "Rose pasta"):
        menu.add(name)
    mine = [["Buldak"], ["Buldak"]]
    # Both ramens were ordered with buldak equally often; reviews call one of them spicy, like buldak.
    everyone = [*mine, ["Buldak", "Spicy ramen"], ["Buldak", "Mild ramen"]]
    said = {
        menu.id("Buldak"): DishReviews(4, 4.5, {Aspect.SPICY: 4}),
        menu.id("Spicy ramen"): DishReviews(5, 4.0, {Aspect.SPICY: 3}),
        menu.id("Mild ramen"): DishReviews(5, 4.0, {Aspect.RICH: 2}),
    }
    statistics = replace(menu.statistics(everyone), reviews=said)

    english = recommend_en(menu.history(*mine), list(menu.dishes.values()), statistics, limit=2)
    korean = recommend(menu.history(*mine), list(menu.dishes.values()), statistics, 2, Language.KOREAN)

    assert names(english) == ["Spicy ramen", "Mild ramen"]
    assert english[0].basis is Basis.REVIEWS
    assert english[0].reason == (
        "Often ordered with Buldak, which you ordered: together in 1 completed order. · "
        "Reviews say it is spicy (3 of 5 reviews), like the dishes you order."
    )
    assert (
        korean[0].reason
        == "주문하신 Buldak 주문과 자주 함께 주문해요 (함께 주문 1건) · 리뷰에서 맵다고 해요 (리뷰 5개 중 3개)"
    )
    assert english[1].basis is Basis.CO_OCCURRENCE


def test_a_badly_reviewed_dish_ranks_below_an_equally_co_ordered_well_reviewed_one(menu: Menu) -> None:
    for name in ("Kimbap", "Good soup", "Bad soup"):
        menu.add(name)
    mine = [["Kimbap"]]
    everyone = [*mine, ["Kimbap", "Good soup"], ["Kimbap", "Bad soup"]]
    said = {menu.id("Good soup"): DishReviews(3, 5.0), menu.id("Bad soup"): DishReviews(3, 1.0)}
    statistics = replace(menu.statistics(everyone), reviews=said)

    found = recommend_en(menu.history(*mine), list(menu.dishes.values()), statistics, limit=2)

    assert names(found) == ["Good soup", "Bad soup"]
    assert found[0].score == pytest.approx(2 * found[1].score)  # sentiment 1.0 against 0.5


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("떡볶이가 진짜 매워요. 혀가 얼얼해요.", {Aspect.SPICY}),
        ("로제떡볶이는 하나도 안 맵고 크림이 고소해요.", set()),  # a negated sentence counts for nothing
        ("튀김이 바삭바삭해요. 양이 엄청 많아요.", {Aspect.CRISPY, Aspect.GENEROUS}),
        ("배달이 빨랐어요.", set()),  # 배달 is not 달 (sweet)
        ("Super crunchy and spicy.", {Aspect.CRISPY, Aspect.SPICY}),
        ("The bingsu is not too sweet.", set()),
    ],
)
def test_aspects_are_read_from_review_sentences(text: str, expected: set[Aspect]) -> None:
    assert aspects_of(text) == expected
