"""The demo city as data: its people, its stores with menus and opening hours, and the reviews people wrote.

Everything here is plain data checked on load (who reviews what, which dishes exist); the seed turns it
into API calls. Names are the identity: a store is found again by its owner and name, a dish by its
name in the store, a review by its text, so seeding twice finds everything in place.
"""

from __future__ import annotations

import hashlib
import re
from datetime import time
from typing import Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

WEEKDAYS = "월화수목금토일"  # 0 = Monday, as the store API counts
KINDS = ("분식", "치킨", "카페", "베이커리", "중식", "한식", "피자", "일식", "양식", "아시안", "야식")


class Window(NamedTuple):
    """One opening window as the store API takes it: local wall-clock times, `closes <= opens` = past midnight."""

    weekday: int
    opens: time
    closes: time

    def as_json(self) -> dict[str, object]:
        return {"weekday": self.weekday, "opens": self.opens.strftime("%H:%M"), "closes": self.closes.strftime("%H:%M")}


_HOURS = re.compile(r"^(?P<days>\S+) (?P<opens>\d\d:\d\d)-(?P<closes>\d\d:\d\d)$")


def _days(spec: str) -> list[int]:
    """`매일`, `월-금`, `토,일`, `화-일` -> weekday numbers."""
    if spec == "매일":
        return list(range(7))
    days: list[int] = []
    for part in spec.split(","):
        first, _, last = part.partition("-")
        if first not in WEEKDAYS or (last and last not in WEEKDAYS):
            raise ValueError(f"unknown day in {spec!r}; use 매일 or days of {WEEKDAYS}")
        start, end = WEEKDAYS.index(first), WEEKDAYS.index(last or first)
        if end < start:
            raise ValueError(f"{part!r} runs backwards")
        days.extend(range(start, end + 1))
    if len(set(days)) != len(days):
        raise ValueError(f"a day appears twice in {spec!r}")
    return days


def _clock(value: str) -> time:
    hours, minutes = (int(v) for v in value.split(":"))
    if hours == 24 and minutes == 0:
        return time(0, 0)  # "until midnight": a window whose close is at or before its opening ends the next day
    return time(hours, minutes)


def parse_hours(lines: tuple[str, ...]) -> list[Window]:
    """Opening hours as a person writes them (`월-금 11:00-21:00`, `매일 00:00-24:00`) -> API windows."""
    windows: list[Window] = []
    for line in lines:
        match = _HOURS.match(line)
        if match is None:
            raise ValueError(f"opening hours {line!r}: expected like '월-금 11:00-21:00'")
        opens, closes = _clock(match["opens"]), _clock(match["closes"])
        windows.extend(Window(day, opens, closes) for day in _days(match["days"]))
    starts = [(w.weekday, w.opens) for w in windows]
    if len(set(starts)) != len(starts):
        raise ValueError(f"two windows open on the same day at the same time in {lines}")
    return sorted(windows)


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Key = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,40}$")


class Place(_Data):
    lat: float = Field(ge=-90, le=90)
    lng: float = Field(ge=-180, le=180)


class Address(_Data):
    line1: str = Field(min_length=1, max_length=200)
    line2: str | None = Field(default=None, max_length=200)
    postal_code: str = Field(pattern=r"^\d{5}$")


class Owner(_Data):
    key: str = Key
    name: str = Field(min_length=1, max_length=100)
    phone: str


class Customer(_Data):
    key: str = Key
    name: str = Field(min_length=1, max_length=100)
    phone: str
    language: Literal["ko", "en"] = "ko"
    home: Address
    at: Place


class Option(_Data):
    name: str = Field(min_length=1, max_length=100)
    extra_price: int = Field(default=0, ge=0)


class Dish(_Data):
    name: str = Field(min_length=1, max_length=200)
    price: int = Field(gt=0)
    description: str = Field(default="", max_length=2000)
    options: tuple[Option, ...] = ()
    stock: int | None = Field(default=None, ge=0, description="units at opening; none = made to order")

    @field_validator("price")
    @classmethod
    def _won(cls, value: int) -> int:
        if value % 100:
            raise ValueError("prices in won end in 00")
        return value


class Section(_Data):
    category: str = Field(min_length=1, max_length=100)
    dishes: tuple[Dish, ...] = Field(min_length=1)


class Review(_Data):
    by: str
    rating: int = Field(ge=1, le=5)
    dishes: tuple[str, ...] = Field(min_length=1)
    text: str = Field(min_length=1, max_length=2000)

    @property
    def language(self) -> Literal["ko", "en"]:
        return "ko" if re.search(r"[가-힣]", self.text) else "en"


class Store(_Data):
    key: str = Key
    name: str = Field(min_length=1, max_length=200)
    kind: str
    owner: str
    description: str = Field(max_length=2000)
    address: str = Field(max_length=500)
    at: Place
    radius_m: int = Field(gt=0, le=10_000)
    hours: tuple[str, ...] = Field(min_length=1)
    prep_minutes: int = Field(default=15, ge=1, le=240, description="what the owner usually answers")
    menu: tuple[Section, ...] = Field(min_length=1)
    reviews: tuple[Review, ...] = ()

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, value: str) -> str:
        if value not in KINDS:
            raise ValueError(f"kind {value!r} is none of {', '.join(KINDS)}")
        return value

    @field_validator("hours")
    @classmethod
    def _readable_hours(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        parse_hours(value)
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Store:
        names = [d.name for d in self.dishes()]
        if len(set(names)) != len(names):
            raise ValueError(f"{self.key}: a dish name appears twice")
        categories = [s.category for s in self.menu]
        if len(set(categories)) != len(categories):
            raise ValueError(f"{self.key}: a category appears twice")
        texts = [r.text for r in self.reviews]
        if len(set(texts)) != len(texts):
            raise ValueError(f"{self.key}: two reviews have the same text")
        for review in self.reviews:
            unknown = set(review.dishes) - set(names)
            if unknown:
                raise ValueError(f"{self.key}: a review names dishes not on the menu: {sorted(unknown)}")
        return self

    def windows(self) -> list[Window]:
        return parse_hours(self.hours)

    def dishes(self) -> list[Dish]:
        return [dish for section in self.menu for dish in section.dishes]

    def dish(self, name: str) -> Dish:
        return next(d for d in self.dishes() if d.name == name)

    def review_key(self, review: Review) -> str:
        """A stable name for the order behind a review (its Idempotency-Key stem), from the review's text."""
        return hashlib.sha256(f"{self.key}\n{review.text}".encode()).hexdigest()[:24]


class Demo(_Data):
    customer: str
    owner: str
    store: str


class City(_Data):
    name: str
    email_domain: str = Field(pattern=r"^[a-z0-9.-]+\.test$", description="RFC 2606: .test is never delivered")
    centre: Place
    demo: Demo
    owners: tuple[Owner, ...]
    customers: tuple[Customer, ...]
    stores: tuple[Store, ...]

    @model_validator(mode="after")
    def _references(self) -> City:
        owners = {o.key for o in self.owners}
        customers = {c.key for c in self.customers}
        for label, keys in (("owner", [o.key for o in self.owners]), ("customer", [c.key for c in self.customers]),
                            ("store", [s.key for s in self.stores])):
            if len(set(keys)) != len(keys):
                raise ValueError(f"a {label} key appears twice")
        if owners & customers:
            raise ValueError(f"keys used by an owner and a customer: {sorted(owners & customers)}")
        names = [(s.owner, s.name) for s in self.stores]
        if len(set(names)) != len(names):
            raise ValueError("an owner has two stores of the same name")
        for store in self.stores:
            if store.owner not in owners:
                raise ValueError(f"{store.key}: unknown owner {store.owner!r}")
            for review in store.reviews:
                if review.by not in customers:
                    raise ValueError(f"{store.key}: review by unknown customer {review.by!r}")
        if self.demo.customer not in customers or self.demo.owner not in owners:
            raise ValueError("the demo customer and owner must be people of the city")
        if self.store(self.demo.store).owner != self.demo.owner:
            raise ValueError("the demo store must belong to the demo owner")
        return self

    def email(self, key: str) -> str:
        return f"{key}@{self.email_domain}"

    def store(self, key: str) -> Store:
        for store in self.stores:
            if store.key == key:
                return store
        raise KeyError(f"no store {key!r} in {self.name}")

    def customer(self, key: str) -> Customer:
        for customer in self.customers:
            if customer.key == key:
                return customer
        raise KeyError(f"no customer {key!r} in {self.name}")

    def owner(self, key: str) -> Owner:
        for owner in self.owners:
            if owner.key == key:
                return owner
        raise KeyError(f"no owner {key!r} in {self.name}")

    def only(self, store_keys: list[str]) -> City:
        """A smaller city: these stores (and the demo store), their owners and reviewers and the demo people.

        The tests' short version, and `./matjip demo seed --only`.
        """
        unknown = set(store_keys) - {s.key for s in self.stores}
        if unknown:
            raise KeyError(f"no stores {sorted(unknown)} in {self.name}")
        keep = {self.demo.store, *store_keys}
        stores = tuple(s for s in self.stores if s.key in keep)
        owners = {self.demo.owner, *(s.owner for s in stores)}
        customers = {self.demo.customer, *(r.by for s in stores for r in s.reviews)}
        return self.model_copy(update={
            "stores": stores,
            "owners": tuple(o for o in self.owners if o.key in owners),
            "customers": tuple(c for c in self.customers if c.key in customers),
        })
