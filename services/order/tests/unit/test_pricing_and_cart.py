"""Pricing from the read model, the checkout refusals, opening hours, and the cart's priced view."""

from datetime import UTC, datetime, time
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import pytest

from matjip_contracts.events import MenuItemOption, OpeningHours
from matjip_order.domain.cart import Cart, price_cart
from matjip_order.domain.menu import MenuItemView, RequestedLine, StoreView, is_open_at, price_order
from matjip_platform.errors import DomainError

# Wednesday 2025-01-15, 12:00 in Seoul (UTC+9).
NOON_SEOUL = datetime(2025, 1, 15, 3, 0, tzinfo=UTC)
WED, THU = 2, 3
ALL_DAY = tuple(OpeningHours(weekday=d, opens=time(0), closes=time(0)) for d in range(7))
CHEESE = MenuItemOption(option_id=uuid4(), name="Cheese", extra_price=500)
EGG = MenuItemOption(option_id=uuid4(), name="Egg", extra_price=1000)


def a_store(**changes: object) -> StoreView:
    values: dict[str, object] = dict(
        store_id=uuid4(),
        owner_id=uuid4(),
        name="Gimbap Heaven",
        timezone="Asia/Seoul",
        opening_hours=ALL_DAY,
        accepting_orders=True,
        revision=1,
    )
    values.update(changes)
    return StoreView(**values)  # type: ignore[arg-type]


def an_item(store: StoreView, **changes: object) -> MenuItemView:
    values: dict[str, object] = dict(
        menu_item_id=uuid4(),
        store_id=store.store_id,
        name="Tuna gimbap",
        price=4500,
        options=(CHEESE, EGG),
        sold_out=False,
        removed=False,
        revision=1,
    )
    values.update(changes)
    return MenuItemView(**values)  # type: ignore[arg-type]


def menu(*items: MenuItemView) -> dict[UUID, MenuItemView]:
    return {item.menu_item_id: item for item in items}


def code_of(store: StoreView | None, items: dict[UUID, MenuItemView], lines: list[RequestedLine]) -> str:
    with pytest.raises(DomainError) as refused:
        price_order(store, items, lines, NOON_SEOUL)
    return refused.value.code


# --- pricing ----------------------------------------------------------------------------------------------


def test_unit_price_is_the_items_price_plus_its_options() -> None:
    store = a_store()
    gimbap = an_item(store)
    lines = price_order(
        store,
        menu(gimbap),
        [
            RequestedLine(gimbap.menu_item_id, 2, (CHEESE.option_id, EGG.option_id)),
            RequestedLine(gimbap.menu_item_id, 1),
        ],
        NOON_SEOUL,
    )
    assert [(line.name, line.quantity, line.unit_price) for line in lines] == [
        ("Tuna gimbap", 2, 6000),
        ("Tuna gimbap", 1, 4500),
    ]
    assert lines[0].option_ids == (CHEESE.option_id, EGG.option_id)


def test_checkout_refusals_name_their_reason() -> None:
    store = a_store()
    gimbap, sold_out, removed = (
        an_item(store),
        an_item(store, sold_out=True, name="Ramyeon"),
        an_item(store, removed=True),
    )
    elsewhere = an_item(a_store())
    items = menu(gimbap, sold_out, removed, elsewhere)
    one = [RequestedLine(gimbap.menu_item_id, 1)]
    assert code_of(store, items, []) == "empty_order"
    assert code_of(None, items, one) == "unknown_store"
    assert code_of(a_store(accepting_orders=False), items, one) == "store_closed"
    assert code_of(a_store(opening_hours=()), items, one) == "store_closed"
    assert code_of(store, items, [RequestedLine(uuid4(), 1)]) == "unknown_menu_item"
    assert code_of(store, items, [RequestedLine(removed.menu_item_id, 1)]) == "unknown_menu_item"
    assert code_of(store, items, [RequestedLine(elsewhere.menu_item_id, 1)]) == "unknown_menu_item"
    assert code_of(store, items, [*one, RequestedLine(sold_out.menu_item_id, 1)]) == "item_sold_out"
    assert code_of(store, items, [RequestedLine(gimbap.menu_item_id, 1, (uuid4(),))]) == "unknown_option"
    assert code_of(store, items, [RequestedLine(gimbap.menu_item_id, 60)] * 2) == "quantity_exceeded"
    free = an_item(store, price=0)
    assert code_of(store, menu(free), [RequestedLine(free.menu_item_id, 1)]) == "order_total_zero"
    # Every amount stays within what each service stores: 100 dishes at the highest price is too much.
    dear = an_item(store, price=10_000_000)
    assert sum(line.unit_price for line in price_order(store, menu(dear), [RequestedLine(dear.menu_item_id, 1)],
                                                       NOON_SEOUL)) == 10_000_000
    assert code_of(store, menu(dear), [RequestedLine(dear.menu_item_id, 2)]) == "order_total_exceeded"


def test_sold_out_refusal_names_the_item() -> None:
    store = a_store()
    ramyeon = an_item(store, name="Ramyeon", sold_out=True)
    with pytest.raises(DomainError) as refused:
        price_order(store, menu(ramyeon), [RequestedLine(ramyeon.menu_item_id, 1)], NOON_SEOUL)
    assert "Ramyeon" in refused.value.detail
    assert refused.value.extra["menu_item_id"] == str(ramyeon.menu_item_id)


# --- opening hours ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("window", "local", "open_"),
    [
        (OpeningHours(weekday=WED, opens=time(11), closes=time(21)), datetime(2025, 1, 15, 12), True),
        (OpeningHours(weekday=WED, opens=time(11), closes=time(21)), datetime(2025, 1, 15, 21), False),
        (OpeningHours(weekday=WED, opens=time(11), closes=time(21)), datetime(2025, 1, 15, 10, 59), False),
        (OpeningHours(weekday=THU, opens=time(11), closes=time(21)), datetime(2025, 1, 15, 12), False),
        # a window past midnight: Wednesday 22:00 to Thursday 02:00
        (OpeningHours(weekday=WED, opens=time(22), closes=time(2)), datetime(2025, 1, 15, 23), True),
        (OpeningHours(weekday=WED, opens=time(22), closes=time(2)), datetime(2025, 1, 16, 1, 30), True),
        (OpeningHours(weekday=WED, opens=time(22), closes=time(2)), datetime(2025, 1, 16, 2), False),
        (OpeningHours(weekday=WED, opens=time(22), closes=time(2)), datetime(2025, 1, 15, 1), False),
        # opens == closes: the whole day
        (OpeningHours(weekday=WED, opens=time(6), closes=time(6)), datetime(2025, 1, 16, 5), True),
    ],
)
def test_opening_hours_are_read_on_the_stores_clock(window: OpeningHours, local: datetime, open_: bool) -> None:
    seoul = local.replace(tzinfo=ZoneInfo("Asia/Seoul"))
    assert is_open_at([window], "Asia/Seoul", seoul.astimezone(UTC)) is open_


def test_an_unknown_timezone_reads_as_closed() -> None:
    assert is_open_at(ALL_DAY, "Mars/Olympus", NOON_SEOUL) is False


# --- the cart's view ----------------------------------------------------------------------------------------


def test_cart_is_priced_from_the_menu_and_flags_what_checkout_would_refuse() -> None:
    store = a_store()
    gimbap = an_item(store)
    ramyeon = an_item(store, name="Ramyeon", price=5000, sold_out=True)
    gone = an_item(store, removed=True)
    cart = Cart(
        store.store_id,
        (
            RequestedLine(gimbap.menu_item_id, 2, (CHEESE.option_id,)),
            RequestedLine(ramyeon.menu_item_id, 1),
            RequestedLine(gone.menu_item_id, 1),
        ),
    )
    priced = price_cart(cart, store, menu(gimbap, ramyeon, gone), NOON_SEOUL)
    assert [(line.unit_price, line.line_total, line.problem) for line in priced.lines] == [
        (5000, 10000, None),
        (None, None, "item_sold_out"),
        (None, None, "unknown_menu_item"),
    ]
    assert priced.total_amount == 10000
    assert priced.store_open and not priced.can_check_out


def test_a_cart_of_a_closed_store_cannot_check_out() -> None:
    store = a_store(accepting_orders=False)
    gimbap = an_item(store)
    priced = price_cart(Cart(store.store_id, (RequestedLine(gimbap.menu_item_id, 1),)), store, menu(gimbap), NOON_SEOUL)
    assert priced.total_amount == 4500
    assert not priced.store_open and not priced.can_check_out
