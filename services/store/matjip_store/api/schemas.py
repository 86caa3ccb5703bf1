"""Request and response bodies. Requests reject unknown fields, so a typo is a 422, not a silent no-op."""

from datetime import datetime, time
from typing import Annotated, Any, ClassVar, Generic, TypeVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, WithJsonSchema, field_validator

from matjip_contracts.events.common import OrderLine
from matjip_platform.text_input import VisibleName
from matjip_store.domain.area import DeliveryArea
from matjip_store.domain.hours import InvalidTimezone, OpeningWindow, zone
from matjip_store.domain.inbox import InboxEntry, InboxStatus
from matjip_store.domain.menu import Category, MenuItem, OptionDraft
from matjip_store.domain.reviews import Review
from matjip_store.domain.stock import ItemStock
from matjip_store.domain.store import Store

T = TypeVar("T")

MAX_PRICE = 10_000_000  # KRW; a guard against a slipped zero, not a business rule


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Patch(Request):
    """A partial update: only the fields sent change; a field sent as null is refused unless nullable."""

    nullable: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*")
    @classmethod
    def not_null(cls, value: Any, info: ValidationInfo) -> Any:
        # Runs only for fields that were sent, so an omitted field stays "unchanged".
        if value is None and info.field_name not in cls.nullable:
            raise ValueError("cannot be null; omit the field to leave it unchanged")
        return value

    def changes(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.model_fields_set}


def _check_timezone(value: str) -> str:
    try:
        zone(value)
    except InvalidTimezone as exc:
        raise ValueError(exc.detail) from exc
    return value


# --- stores -----------------------------------------------------------------------------------------


# A local wall-clock time, taken as HH:MM[:SS] and answered as HH:MM:SS, without an offset (the store's
# timezone applies): not the OpenAPI `time` format, which is RFC 3339's full-time and requires one.
WALL_CLOCK_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?$"
WallClock = Annotated[time, WithJsonSchema({"type": "string", "pattern": WALL_CLOCK_PATTERN})]


class OpeningWindowBody(Request):
    weekday: int = Field(ge=0, le=6, description="0 = Monday ... 6 = Sunday")
    opens: WallClock = Field(description="local wall-clock time, e.g. 11:00")
    closes: WallClock = Field(description="local time; at or before `opens` means the window ends after midnight")

    @field_validator("opens", "closes")
    @classmethod
    def _wall_clock(cls, value: time) -> time:
        if value.tzinfo is not None:
            raise ValueError("give a local time without an offset; the store's timezone applies")
        return value

    def to_domain(self) -> OpeningWindow:
        return OpeningWindow(self.weekday, self.opens, self.closes)

    @classmethod
    def of(cls, window: OpeningWindow) -> "OpeningWindowBody":
        return cls(weekday=window.weekday, opens=window.opens, closes=window.closes)


def _windows(windows: list[OpeningWindowBody]) -> list[OpeningWindowBody]:
    starts = [(w.weekday, w.opens) for w in windows]
    if len(set(starts)) != len(starts):
        raise ValueError("two windows open on the same day at the same time")
    return windows


class DeliveryAreaBody(Request):
    lat: float = Field(ge=-90, le=90)
    lng: float = Field(ge=-180, le=180)
    radius_m: int = Field(gt=0, le=100_000, description="delivery radius in metres")

    def to_domain(self) -> DeliveryArea:
        return DeliveryArea(self.lat, self.lng, self.radius_m)


class StoreCreate(Request):
    name: VisibleName = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=2000)
    address: str = Field(default="", max_length=500)
    timezone: str = Field(default="Asia/Seoul", description="IANA timezone of the opening hours")
    opening_hours: list[OpeningWindowBody] = Field(default_factory=list, max_length=50)
    delivery_area: DeliveryAreaBody
    accepting_orders: bool = True
    auto_accept: bool = Field(default=False, description="accept every order at once (local walking skeleton)")
    auto_accept_prep_minutes: int = Field(strict=True, default=15, ge=1, le=240)
    owner_id: UUID | None = Field(default=None, description="admins only: who owns the new store")

    check_timezone = field_validator("timezone")(_check_timezone)
    check_hours = field_validator("opening_hours")(_windows)


class StorePatch(Patch):
    name: VisibleName | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=2000)
    address: str | None = Field(default=None, max_length=500)
    timezone: str | None = None
    delivery_area: DeliveryAreaBody | None = None
    accepting_orders: bool | None = None
    auto_accept: bool | None = None
    auto_accept_prep_minutes: int | None = Field(strict=True, default=None, ge=1, le=240)

    @field_validator("timezone")
    @classmethod
    def check_timezone(cls, value: str | None) -> str | None:
        return None if value is None else _check_timezone(value)

    def changes(self) -> dict[str, Any]:
        changes = super().changes()
        if self.delivery_area is not None:
            changes["delivery_area"] = self.delivery_area.to_domain()
        return changes


class OpeningHoursBody(Request):
    opening_hours: list[OpeningWindowBody] = Field(max_length=50)

    check_hours = field_validator("opening_hours")(_windows)


class Rating(BaseModel):
    average: float | None
    count: int


class StoreOut(BaseModel):
    id: UUID
    owner_id: UUID
    name: str
    description: str
    address: str
    timezone: str
    opening_hours: list[OpeningWindowBody]
    delivery_area: DeliveryAreaBody
    accepting_orders: bool
    open_now: bool = Field(description="taking orders right now: accepting and within opening hours")
    auto_accept: bool
    auto_accept_prep_minutes: int
    rating: Rating
    revision: int

    @classmethod
    def of(cls, store: Store, now: datetime) -> "StoreOut":
        area = store.delivery_area
        return cls(
            id=store.store_id,
            owner_id=store.owner_id,
            name=store.name,
            description=store.description,
            address=store.address,
            timezone=store.timezone,
            opening_hours=[OpeningWindowBody.of(w) for w in store.opening_hours],
            delivery_area=DeliveryAreaBody(lat=area.lat, lng=area.lng, radius_m=area.radius_m),
            accepting_orders=store.accepting_orders,
            open_now=store.takes_orders_at(now),
            auto_accept=store.auto_accept,
            auto_accept_prep_minutes=store.auto_accept_prep_minutes,
            rating=Rating(average=store.average_rating, count=store.rating_count),
            revision=store.revision,
        )


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


# --- menu -------------------------------------------------------------------------------------------


class CategoryCreate(Request):
    name: VisibleName = Field(min_length=1, max_length=100)
    position: int = Field(strict=True, default=0, ge=0, le=10_000)


class CategoryPatch(Patch):
    name: VisibleName | None = Field(default=None, min_length=1, max_length=100)
    position: int | None = Field(strict=True, default=None, ge=0, le=10_000)


class CategoryOut(BaseModel):
    id: UUID
    name: str
    position: int

    @classmethod
    def of(cls, category: Category) -> "CategoryOut":
        return cls(id=category.category_id, name=category.name, position=category.position)


class OptionBody(Request):
    option_id: UUID | None = Field(default=None, description="keep an existing option's id; omit for a new one")
    name: VisibleName = Field(min_length=1, max_length=100)
    extra_price: int = Field(strict=True, default=0, ge=0, le=MAX_PRICE, description="KRW added to the item's price")

    def to_domain(self) -> OptionDraft:
        return OptionDraft(name=self.name, extra_price=self.extra_price, option_id=self.option_id)


def _options(options: list[OptionBody]) -> list[OptionBody]:
    ids = [o.option_id for o in options if o.option_id is not None]
    if len(set(ids)) != len(ids):
        raise ValueError("an option id appears twice")
    names = [o.name.casefold() for o in options]
    if len(set(names)) != len(names):
        raise ValueError("two options have the same name")
    return options


class MenuItemCreate(Request):
    name: VisibleName = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=2000)
    price: int = Field(strict=True, ge=0, le=MAX_PRICE, description="KRW (won), a whole number")
    options: list[OptionBody] = Field(default_factory=list, max_length=50)
    category_id: UUID | None = None
    position: int = Field(strict=True, default=0, ge=0, le=10_000)
    stock_quantity: int | None = Field(strict=True, default=None, ge=0, le=1_000_000, description="null = unlimited")
    sold_out: bool = False

    check_options = field_validator("options")(_options)


class MenuItemPatch(Patch):
    nullable: ClassVar[frozenset[str]] = frozenset({"category_id"})

    name: VisibleName | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=2000)
    price: int | None = Field(strict=True, default=None, ge=0, le=MAX_PRICE)
    options: list[OptionBody] | None = Field(default=None, max_length=50)
    category_id: UUID | None = None
    position: int | None = Field(strict=True, default=None, ge=0, le=10_000)

    @field_validator("options")
    @classmethod
    def check_options(cls, value: list[OptionBody] | None) -> list[OptionBody] | None:
        return None if value is None else _options(value)

    def changes(self) -> dict[str, Any]:
        changes = super().changes()
        if self.options is not None:
            changes["options"] = tuple(o.to_domain() for o in self.options)
        return changes


class StockBody(Request):
    quantity: int | None = Field(strict=True, ge=0, le=1_000_000, description="units left; null = unlimited")
    sold_out: bool = Field(default=False, description="the owner's switch, whatever the count")

    def to_domain(self) -> ItemStock:
        return ItemStock(self.quantity, self.sold_out)


class OptionOut(BaseModel):
    option_id: UUID
    name: str
    extra_price: int


class MenuItemOut(BaseModel):
    id: UUID
    store_id: UUID
    category_id: UUID | None
    name: str
    description: str
    price: int
    options: list[OptionOut]
    position: int
    sold_out: bool = Field(description="sold out by the owner's switch or because no stock is left")
    stock_quantity: int | None = Field(description="units left; null = unlimited")
    revision: int

    @classmethod
    def of(cls, item: MenuItem) -> "MenuItemOut":
        return cls(
            id=item.item_id,
            store_id=item.store_id,
            category_id=item.category_id,
            name=item.name,
            description=item.description,
            price=item.price,
            options=[OptionOut(option_id=o.option_id, name=o.name, extra_price=o.extra_price) for o in item.options],
            position=item.position,
            sold_out=item.sold_out,
            stock_quantity=item.stock.quantity,
            revision=item.revision,
        )


class MenuSection(CategoryOut):
    items: list[MenuItemOut]


class MenuOut(BaseModel):
    store_id: UUID
    categories: list[MenuSection]
    uncategorized: list[MenuItemOut]


# --- inbox ------------------------------------------------------------------------------------------


class AcceptBody(Request):
    prep_minutes: int = Field(strict=True, gt=0, le=240, description="estimated preparation time")


class RejectBody(Request):
    reason: str = Field(min_length=1, max_length=500)


class InboxEntryOut(BaseModel):
    order_id: UUID
    store_id: UUID
    customer_id: UUID
    status: InboxStatus
    lines: list[OrderLine]
    total_amount: int
    accept_by: datetime
    prep_minutes: int | None
    reject_reason: str | None
    received_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, entry: InboxEntry) -> "InboxEntryOut":
        return cls(
            order_id=entry.order_id,
            store_id=entry.store_id,
            customer_id=entry.customer_id,
            status=entry.status,
            lines=list(entry.lines),
            total_amount=entry.total_amount,
            accept_by=entry.accept_by,
            prep_minutes=entry.prep_minutes,
            reject_reason=entry.reject_reason,
            received_at=entry.received_at,
            updated_at=entry.updated_at,
        )


# --- reviews ----------------------------------------------------------------------------------------


class ReviewCreate(Request):
    order_id: UUID
    rating: int = Field(strict=True, ge=1, le=5)
    text: str = Field(default="", max_length=2000)
    menu_item_ids: list[UUID] = Field(default_factory=list, max_length=20)


class ReviewOut(BaseModel):
    """Public: which customer wrote it is not shown."""

    id: UUID
    store_id: UUID
    order_id: UUID
    rating: int
    text: str
    menu_item_ids: list[UUID]
    posted_at: datetime

    @classmethod
    def of(cls, review: Review) -> "ReviewOut":
        return cls(
            id=review.review_id,
            store_id=review.store_id,
            order_id=review.order_id,
            rating=review.rating,
            text=review.text,
            menu_item_ids=list(review.menu_item_ids),
            posted_at=review.posted_at,
        )


class ReviewPage(Page[ReviewOut]):
    rating: Rating
