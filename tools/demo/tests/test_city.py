"""The demo city's data: big and varied enough to show the platform, consistent, and accepted by the
services' own request schemas (so seeding never meets a 422)."""

from __future__ import annotations

import math
from collections import Counter
from datetime import UTC, datetime, time, timedelta

import pytest

from matjip_auth.api.schemas import SignUpRequest
from matjip_demo.accounts import DemoCredentials
from matjip_demo.city import City, Store, load_city, parse_hours
from matjip_demo.city.model import Place, Window
from matjip_demo.seed.stores import dish_body, hours_json, store_details
from matjip_store.api.schemas import MenuItemCreate, ReviewCreate, StoreCreate
from matjip_store.domain.hours import OpeningWindow, is_open_at
from matjip_user.api.schemas import NewAddress, ProfileChanges


@pytest.fixture(scope="module")
def city() -> City:
    return load_city()


def metres(a: Place, b: Place) -> float:
    dlat = math.radians(b.lat - a.lat)
    dlng = math.radians(b.lng - a.lng) * math.cos(math.radians(a.lat))
    return 6_371_000 * math.hypot(dlat, dlng)


def open_at(store: Store, instant: datetime) -> bool:
    windows = [OpeningWindow(w.weekday, w.opens, w.closes) for w in store.windows()]
    return is_open_at(windows, "Asia/Seoul", instant)


def test_a_few_dozen_stores_of_every_kind_with_a_few_hundred_reviews(city: City) -> None:
    assert len(city.stores) >= 30
    assert {"분식", "치킨", "카페", "중식", "한식", "피자"} <= {s.kind for s in city.stores}
    reviews = [r for s in city.stores for r in s.reviews]
    assert len(reviews) >= 250
    languages = Counter(r.language for r in reviews)
    assert languages["ko"] > 0.7 * len(reviews)  # mostly Korean
    assert languages["en"] >= 0.1 * len(reviews)  # some English
    assert all(len(s.reviews) >= 3 for s in city.stores), "ai answers from reviews: every store needs a few"
    assert all(len(s.dishes()) >= 5 for s in city.stores)


def test_everything_is_in_the_neighbourhood_and_every_customer_has_stores_delivering_home(city: City) -> None:
    for store in city.stores:
        assert metres(city.centre, store.at) < 2_000, store.key
    for customer in city.customers:
        delivering = [s for s in city.stores if metres(s.at, customer.at) <= s.radius_m]
        assert len(delivering) >= 15, customer.key
    demo_store, demo_customer = city.store(city.demo.store), city.customer(city.demo.customer)
    assert metres(demo_store.at, demo_customer.at) <= demo_store.radius_m


def test_the_demo_store_never_closes_and_some_store_is_open_at_every_hour(city: City) -> None:
    monday = datetime(2026, 1, 5, tzinfo=UTC) - timedelta(hours=9)  # Monday 00:00 in Seoul
    for hour in range(7 * 24):
        instant = monday + timedelta(hours=hour, minutes=30)
        assert open_at(city.store(city.demo.store), instant)
        assert sum(open_at(s, instant) for s in city.stores) >= 3, instant
    lunch_on_wednesday = monday + timedelta(days=2, hours=12)
    assert sum(open_at(s, lunch_on_wednesday) for s in city.stores) >= 30


def test_the_services_accept_every_store_dish_and_review(city: City) -> None:
    for store in city.stores:
        hours = hours_json(store.windows())
        StoreCreate.model_validate({"name": store.name, **store_details(store), "opening_hours": hours})
        for section in store.menu:
            for position, dish in enumerate(section.dishes):
                MenuItemCreate.model_validate(
                    {**dish_body(dish, "0b9e0a7c-6c2e-4f7b-9a4e-3f1c2d5e6a7b", position), "stock_quantity": dish.stock}
                )
        for review in store.reviews:
            ReviewCreate.model_validate({
                "order_id": "0b9e0a7c-6c2e-4f7b-9a4e-3f1c2d5e6a7b", "rating": review.rating, "text": review.text,
                "menu_item_ids": ["0b9e0a7c-6c2e-4f7b-9a4e-3f1c2d5e6a7b"] * len(set(review.dishes)),
            })


def test_the_services_accept_every_person(city: City) -> None:
    credentials = DemoCredentials("a key for this test only")
    for person in [*city.owners, *city.customers]:
        email = city.email(person.key)
        SignUpRequest.model_validate({"email": email, "password": credentials.password(email),
                                      "display_name": person.name, "role": "CUSTOMER"})
        ProfileChanges.model_validate({"phone": person.phone})
    for customer in city.customers:
        NewAddress.model_validate({"label": "집", **customer.home.model_dump(exclude_none=True)})


def test_phone_numbers_are_in_a_range_no_carrier_hands_out(city: City) -> None:
    for person in [*city.owners, *city.customers]:
        assert person.phone.startswith("+82100"), person.key  # 010-0xxx-xxxx


def test_stock_outlasts_the_orders_behind_the_reviews(city: City) -> None:
    for store in city.stores:
        used = Counter(name for review in store.reviews for name in review.dishes)
        for dish in store.dishes():
            if dish.stock is not None:
                assert dish.stock - used[dish.name] >= 5, (store.key, dish.name)


def test_each_review_names_its_own_order(city: City) -> None:
    keys = [store.review_key(review) for store in city.stores for review in store.reviews]
    assert len(set(keys)) == len(keys)


def test_customers_and_reviewers_vary(city: City) -> None:
    reviewers = Counter(r.by for s in city.stores for r in s.reviews)
    assert len(reviewers) >= 0.9 * len(city.customers)
    ratings = Counter(r.rating for s in city.stores for r in s.reviews)
    assert set(ratings) == {1, 2, 3, 4, 5}


def test_opening_hours_read_as_people_write_them() -> None:
    assert parse_hours(("매일 00:00-24:00",)) == [Window(d, time(0), time(0)) for d in range(7)]
    assert parse_hours(("월-금 11:00-21:00", "토,일 12:00-20:00")) == [
        *(Window(d, time(11), time(21)) for d in range(5)),
        *(Window(d, time(12), time(20)) for d in (5, 6)),
    ]
    assert parse_hours(("월,수-일 16:00-02:00",))[0] == Window(0, time(16), time(2))  # past midnight
    for wrong in ("월-금 11-21", "금-월 11:00-21:00", "X 11:00-21:00", "월,월 11:00-21:00"):
        with pytest.raises(ValueError):
            parse_hours((wrong,))


def test_a_smaller_city_keeps_the_people_its_stores_need(city: City) -> None:
    small = city.only(["tteok-lab"])
    assert [s.key for s in small.stores] == [city.demo.store, "tteok-lab"]  # in the city's order
    assert {o.key for o in small.owners} == {city.demo.owner, city.store("tteok-lab").owner}
    reviewers = {r.by for s in small.stores for r in s.reviews}
    assert {c.key for c in small.customers} == reviewers | {city.demo.customer}
    assert len(small.customers) < len(city.customers)
    City.model_validate(small.model_dump())  # still a consistent city
    with pytest.raises(KeyError):
        city.only(["no-such-store"])
