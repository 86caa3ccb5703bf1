"""Stock reservation rules: all lines or none; a closed store first, then unknown items, then stock."""

import uuid

import pytest

from matjip_store.domain.stock import ItemStock, Rejected, Reserved, requested_quantities, reserve

RICE, SOUP, KIMCHI = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()


def test_reserving_takes_every_line_from_finite_stock_and_leaves_unlimited_alone() -> None:
    stock = {RICE: ItemStock(5), SOUP: ItemStock(None)}
    decision = reserve(store_open=True, stock=stock, lines=[(RICE, 2), (SOUP, 10)])
    assert isinstance(decision, Reserved)
    assert decision.remaining == {RICE: ItemStock(3), SOUP: ItemStock(None)}


def test_the_last_unit_can_be_taken() -> None:
    decision = reserve(store_open=True, stock={RICE: ItemStock(1)}, lines=[(RICE, 1)])
    assert isinstance(decision, Reserved)
    assert decision.remaining[RICE] == ItemStock(0)
    assert not decision.remaining[RICE].available


def test_one_short_line_rejects_the_whole_order() -> None:
    decision = reserve(store_open=True, stock={RICE: ItemStock(5), SOUP: ItemStock(1)}, lines=[(RICE, 1), (SOUP, 2)])
    assert isinstance(decision, Rejected)
    assert decision.reason == "sold_out"
    assert str(SOUP) in decision.detail and str(RICE) not in decision.detail


def test_lines_of_the_same_item_add_up() -> None:
    assert requested_quantities([(RICE, 2), (SOUP, 1), (RICE, 2)]) == {RICE: 4, SOUP: 1}
    decision = reserve(store_open=True, stock={RICE: ItemStock(3)}, lines=[(RICE, 2), (RICE, 2)])
    assert isinstance(decision, Rejected) and decision.reason == "sold_out"


def test_the_owners_sold_out_switch_wins_over_any_count() -> None:
    for quantity in (None, 100):
        decision = reserve(store_open=True, stock={RICE: ItemStock(quantity, sold_out=True)}, lines=[(RICE, 1)])
        assert isinstance(decision, Rejected) and decision.reason == "sold_out"


def test_an_item_not_on_the_menu_is_unknown() -> None:
    decision = reserve(store_open=True, stock={RICE: ItemStock(5)}, lines=[(RICE, 1), (KIMCHI, 1)])
    assert isinstance(decision, Rejected)
    assert decision.reason == "unknown_item"
    assert str(KIMCHI) in decision.detail


def test_a_closed_store_is_the_first_answer() -> None:
    decision = reserve(store_open=False, stock={}, lines=[(KIMCHI, 1)])
    assert isinstance(decision, Rejected) and decision.reason == "store_closed"


def test_unknown_comes_before_sold_out() -> None:
    decision = reserve(store_open=True, stock={RICE: ItemStock(0)}, lines=[(RICE, 1), (KIMCHI, 1)])
    assert isinstance(decision, Rejected) and decision.reason == "unknown_item"


def test_stock_arithmetic() -> None:
    assert ItemStock(2).take(2) == ItemStock(0)
    assert ItemStock(0).give_back(3) == ItemStock(3)
    assert ItemStock(None).take(50) == ItemStock(None)
    assert ItemStock(None).give_back(5) == ItemStock(None)
    assert ItemStock(0, sold_out=True).give_back(1) == ItemStock(1, sold_out=True)
    with pytest.raises(ValueError):
        ItemStock(1).take(2)
    with pytest.raises(ValueError):
        ItemStock(-1)
