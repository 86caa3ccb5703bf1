"""Recommendations: co-occurrence across completed orders, name similarity, popular fallback, exclusions."""

import itertools
from collections import Counter
from collections.abc import Sequence
from uuid import UUID, uuid4

import pytest

from matjip_ai.domain.embedding import Embedder
from matjip_ai.domain.menu import MenuItem
from matjip_ai.domain.recommendations import Basis, Dish, OrderedDish, OrderStatistics, recommend

STORE_A, STORE_B = uuid4(), uuid4()


class Menu:
    """Dishes by name, with their fake name embeddings."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder
        self.dishes: dict[str, Dish] = {}

    def add(self, name: str, *, store: UUID = STORE_A, sold_out: bool = False, removed: bool = False) -> Dish:
        item = MenuItem(uuid4(), store, name, 10000, sold_out, removed)
        dish = Dish(item, "Store A" if store == STORE_A else "Store B", self.embedder.embed([name])[0])
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


@pytest.fixture
def menu(fake_embedder: Embedder) -> Menu:
    return Menu(fake_embedder)


def names(recommendations: Sequence[object]) -> list[str]:
    return [r.dish.item.name for r in recommendations]  # type: ignore[attr-defined]


def test_a_new_customer_gets_the_most_ordered_dishes(menu: Menu) -> None:
    for name in ("Kimbap", "Tteokbokki", "Coke", "Sundae"):
        menu.add(name)
    everyone = [["Kimbap"], ["Kimbap", "Coke"], ["Kimbap", "Tteokbokki"], ["Tteokbokki"]]

    found = recommend([], list(menu.dishes.values()), menu.statistics(everyone), limit=10)

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

    found = recommend(menu.history(*mine), list(menu.dishes.values()), menu.statistics(everyone), limit=10)

    assert names(found) == ["Fish cake soup", "Coke", "Kimbap"]
    assert [r.basis for r in found] == [Basis.CO_OCCURRENCE, Basis.CO_OCCURRENCE, Basis.POPULAR]
    assert found[0].reason == "Often ordered with Tteokbokki, which you ordered: together in 3 completed orders."
    assert found[2].reason == "Popular with other customers: in 5 completed orders."
    assert "Tteokbokki" not in names(found)  # the customer knows it already


def test_a_dish_with_a_similar_name_is_recommended_for_its_name(menu: Menu) -> None:
    menu.add("Tteokbokki")
    menu.add("Cheese Tteokbokki", store=STORE_B)
    menu.add("Coke", store=STORE_B)
    mine = [["Tteokbokki"]]

    found = recommend(menu.history(*mine), list(menu.dishes.values()), menu.statistics(mine), limit=10)

    assert names(found) == ["Cheese Tteokbokki"]  # Coke: neither ordered with it nor alike, nor popular
    assert found[0].basis is Basis.SIMILAR_NAME
    assert found[0].reason == "Similar to Tteokbokki, which you ordered."
    assert found[0].dish.store_name == "Store B"


def test_co_occurrence_weighs_more_than_a_similar_name(menu: Menu) -> None:
    for name in ("Tteokbokki", "Cheese Tteokbokki", "Fish cake soup"):
        menu.add(name)
    mine = [["Tteokbokki"]]
    everyone = [*mine, ["Tteokbokki", "Fish cake soup"], ["Cheese Tteokbokki"]]

    found = recommend(menu.history(*mine), list(menu.dishes.values()), menu.statistics(everyone), limit=10)

    assert names(found) == ["Fish cake soup", "Cheese Tteokbokki"]


def test_the_dishes_the_customer_orders_most_weigh_most(menu: Menu) -> None:
    for name in ("Tteokbokki", "Jjajangmyeon", "Fish cake soup", "Dumplings"):
        menu.add(name)
    mine = [["Tteokbokki"], ["Tteokbokki"], ["Tteokbokki"], ["Jjajangmyeon"]]
    everyone = [*mine, ["Tteokbokki", "Fish cake soup"], ["Jjajangmyeon", "Dumplings"]]

    found = recommend(menu.history(*mine), list(menu.dishes.values()), menu.statistics(everyone), limit=10)

    assert names(found) == ["Fish cake soup", "Dumplings"]
    assert found[1].reason == "Often ordered with Jjajangmyeon, which you ordered: together in 1 completed order."


def test_sold_out_and_removed_dishes_are_never_recommended(menu: Menu) -> None:
    menu.add("Tteokbokki")
    menu.add("Fish cake soup", sold_out=True)
    menu.add("Cheese Tteokbokki", removed=True)
    menu.add("Kimbap")
    mine = [["Tteokbokki"]]
    everyone = [*mine, ["Tteokbokki", "Fish cake soup", "Cheese Tteokbokki", "Kimbap"]]

    found = recommend(menu.history(*mine), list(menu.dishes.values()), menu.statistics(everyone), limit=10)

    assert names(found) == ["Kimbap"]


def test_the_limit_caps_history_and_popular_recommendations_together(menu: Menu) -> None:
    menu.add("Tteokbokki")
    for n in range(5):
        menu.add(f"Side {n}")
    mine = [["Tteokbokki"]]
    everyone = [*mine, ["Tteokbokki", "Side 0"], ["Tteokbokki", "Side 1"], *[[f"Side {n}"] for n in range(2, 5)]]

    found = recommend(menu.history(*mine), list(menu.dishes.values()), menu.statistics(everyone), limit=3)

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

    found = recommend(history, list(menu.dishes.values()), statistics, limit=10)

    assert names(found) == ["Fish cake soup"]
    assert found[0].reason.startswith("Often ordered with Old special")


def test_nothing_to_recommend_when_nothing_was_ever_completed(menu: Menu) -> None:
    menu.add("Tteokbokki")
    assert recommend([], list(menu.dishes.values()), OrderStatistics({}, {}), limit=5) == []
