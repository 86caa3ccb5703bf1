"""Menu rules: option ids survive edits, what counts as news for other services, delivery areas, access."""

import uuid
from dataclasses import replace

import pytest

from matjip_contracts.events.common import Role
from matjip_platform.auth import Principal
from matjip_store.domain.access import NotStoreOwner, ensure_can_manage
from matjip_store.domain.area import DeliveryArea, distance_m
from matjip_store.domain.menu import MenuItem, MenuOption, OptionDraft, UnknownOption, merge_options, visible_change
from matjip_store.domain.reviews import AlreadyReviewed, CompletedOrder, ReviewNotAllowed, ensure_may_review
from matjip_store.domain.stock import ItemStock

ITEM = MenuItem(
    item_id=uuid.uuid4(),
    store_id=uuid.uuid4(),
    category_id=None,
    name="Bibimbap",
    description="",
    price=11000,
    options=(),
    stock=ItemStock(5),
    position=0,
    revision=1,
)


def test_editing_options_keeps_the_ids_it_names_and_numbers_new_ones() -> None:
    egg = MenuOption(uuid.uuid4(), "Egg", 500)
    merged = merge_options([egg], [OptionDraft("Fried egg", 700, egg.option_id), OptionDraft("Tofu", 1000)])
    assert merged[0] == MenuOption(egg.option_id, "Fried egg", 700)
    assert merged[1].name == "Tofu" and merged[1].option_id != egg.option_id


def test_an_option_id_the_item_does_not_have_is_refused() -> None:
    with pytest.raises(UnknownOption) as refused:
        merge_options([], [OptionDraft("Egg", 500, uuid.uuid4())])
    assert refused.value.status == 422
    assert refused.value.extra["errors"][0]["field"] == "options[0].option_id"


def test_sold_out_is_the_switch_or_an_empty_count() -> None:
    assert not ITEM.sold_out
    assert replace(ITEM, stock=ItemStock(0)).sold_out
    assert replace(ITEM, stock=ItemStock(None, sold_out=True)).sold_out
    assert not replace(ITEM, stock=ItemStock(None)).sold_out


@pytest.mark.parametrize(
    ("after", "news"),
    [
        (replace(ITEM, stock=ItemStock(4)), False),  # a count change that keeps it available
        (replace(ITEM, stock=ItemStock(None)), False),
        (replace(ITEM, stock=ItemStock(0)), True),  # now sold out
        (replace(ITEM, stock=ItemStock(5, sold_out=True)), True),
        (replace(ITEM, price=12000), True),
        (replace(ITEM, name="Dolsot bibimbap"), True),
        (replace(ITEM, options=(MenuOption(uuid.uuid4(), "Egg", 500),)), True),
        (replace(ITEM, removed=True), True),
        (replace(ITEM, revision=9), False),
    ],
)
def test_what_other_services_hear_about(after: MenuItem, news: bool) -> None:
    assert visible_change(ITEM, after) is news


def test_restocking_a_sold_out_item_is_news() -> None:
    empty = replace(ITEM, stock=ItemStock(0))
    assert visible_change(empty, replace(empty, stock=ItemStock(3)))
    assert not visible_change(empty, replace(empty, stock=ItemStock(0, sold_out=True)))  # still sold out


def test_delivery_area_is_a_circle_in_metres() -> None:
    city_hall = DeliveryArea(37.5663, 126.9779, 3000)
    assert city_hall.covers(37.5663, 126.9779)
    assert city_hall.covers(37.5512, 126.9882)  # Namsan, ~1.9 km
    assert not city_hall.covers(37.4979, 127.0276)  # Gangnam station, ~8.8 km
    assert 8_000 < distance_m(37.5663, 126.9779, 37.4979, 127.0276) < 9_500


def test_only_the_owner_or_an_admin_manages_a_store() -> None:
    owner_id = uuid.uuid4()
    ensure_can_manage(owner_id, Principal(owner_id, Role.OWNER, "t"))
    ensure_can_manage(owner_id, Principal(uuid.uuid4(), Role.ADMIN, "t"))
    for intruder in (Principal(uuid.uuid4(), Role.OWNER, "t"), Principal(owner_id, Role.CUSTOMER, "t")):
        with pytest.raises(NotStoreOwner):
            ensure_can_manage(owner_id, intruder)


def test_review_needs_a_completed_order_of_the_customer_at_that_store_and_only_once() -> None:
    customer, store = uuid.uuid4(), uuid.uuid4()
    completed = CompletedOrder(uuid.uuid4(), customer, store)
    ensure_may_review(completed, customer_id=customer, store_id=store, already_reviewed=False)
    with pytest.raises(AlreadyReviewed):
        ensure_may_review(completed, customer_id=customer, store_id=store, already_reviewed=True)
    for who, where, order in [
        (customer, store, None),
        (uuid.uuid4(), store, completed),
        (customer, uuid.uuid4(), completed),
    ]:
        with pytest.raises(ReviewNotAllowed):
            ensure_may_review(order, customer_id=who, store_id=where, already_reviewed=False)
