"""Events published by store, and the commands order sends to it."""

from datetime import datetime, time
from typing import ClassVar, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from matjip_contracts import topics
from matjip_contracts.events.base import Event
from matjip_contracts.events.common import OrderLine, StockLine


class OpeningHours(BaseModel):
    """One opening window; `weekday` 0 is Monday. A window may end after midnight (closes < opens)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    weekday: int = Field(ge=0, le=6)
    opens: time
    closes: time


class StoreUpdated(Event):
    """The full current state of a store's ordering-relevant facts (a snapshot, so replays converge)."""

    event_type: ClassVar[str] = "store.store-updated"
    topic: ClassVar[str] = topics.STORE_EVENTS

    store_id: UUID
    owner_id: UUID
    name: str
    timezone: str
    opening_hours: tuple[OpeningHours, ...]
    accepting_orders: bool
    revision: int = Field(ge=0, description="increases with every change; consumers keep the newest")

    def key(self) -> str:
        return str(self.store_id)


class MenuItemOption(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    option_id: UUID
    name: str
    extra_price: int = Field(ge=0)


class MenuItemUpdated(Event):
    """The full current state of a menu item (snapshot); `removed` marks a deleted item."""

    event_type: ClassVar[str] = "store.menu-item-updated"
    topic: ClassVar[str] = topics.STORE_EVENTS

    menu_item_id: UUID
    store_id: UUID
    name: str
    price: int = Field(ge=0)
    options: tuple[MenuItemOption, ...] = ()
    sold_out: bool
    removed: bool = False
    revision: int = Field(ge=0)

    def key(self) -> str:
        return str(self.store_id)


class ReserveStock(Event):
    """Command from the order saga: hold stock for an order (all lines or none)."""

    event_type: ClassVar[str] = "store.reserve-stock"
    topic: ClassVar[str] = topics.STORE_COMMANDS

    order_id: UUID
    store_id: UUID
    lines: tuple[StockLine, ...] = Field(min_length=1)

    def key(self) -> str:
        return str(self.order_id)


class ReleaseStock(Event):
    """Command from the order saga: the order is cancelled; give its stock back and withdraw it."""

    event_type: ClassVar[str] = "store.release-stock"
    topic: ClassVar[str] = topics.STORE_COMMANDS

    order_id: UUID
    store_id: UUID
    reason: str

    def key(self) -> str:
        return str(self.order_id)


class RequestStoreAcceptance(Event):
    """Command from the order saga: a paid order awaits the owner's decision in the store inbox."""

    event_type: ClassVar[str] = "store.request-acceptance"
    topic: ClassVar[str] = topics.STORE_COMMANDS

    order_id: UUID
    store_id: UUID
    customer_id: UUID
    lines: tuple[OrderLine, ...]
    total_amount: int
    accept_by: datetime

    def key(self) -> str:
        return str(self.order_id)


class StockReserved(Event):
    event_type: ClassVar[str] = "store.stock-reserved"
    topic: ClassVar[str] = topics.STORE_EVENTS

    order_id: UUID
    store_id: UUID

    def key(self) -> str:
        return str(self.order_id)


class StockReservationRejected(Event):
    event_type: ClassVar[str] = "store.stock-reservation-rejected"
    topic: ClassVar[str] = topics.STORE_EVENTS

    order_id: UUID
    store_id: UUID
    reason: Literal["sold_out", "store_closed", "unknown_item"]
    detail: str = ""

    def key(self) -> str:
        return str(self.order_id)


class OrderAcceptedByStore(Event):
    event_type: ClassVar[str] = "store.order-accepted"
    topic: ClassVar[str] = topics.STORE_EVENTS

    order_id: UUID
    store_id: UUID
    prep_minutes: int = Field(gt=0, le=240)

    def key(self) -> str:
        return str(self.order_id)


class OrderRejectedByStore(Event):
    """The store will not prepare the order: its owner said no (`reason` in their words), or nobody answered
    by the order's deadline (`timed_out`, decided by store under the inbox entry's lock, so that an owner's
    acceptance and the expiry never both happen)."""

    event_type: ClassVar[str] = "store.order-rejected"
    topic: ClassVar[str] = topics.STORE_EVENTS

    order_id: UUID
    store_id: UUID
    reason: str
    timed_out: bool = False  # added in v1 with a default: earlier messages read as an owner's refusal

    def key(self) -> str:
        return str(self.order_id)


class OrderProgressedAtStore(Event):
    """The owner moved an accepted order along: preparing, ready, then picked up (or delivered)."""

    event_type: ClassVar[str] = "store.order-progressed"
    topic: ClassVar[str] = topics.STORE_EVENTS

    order_id: UUID
    store_id: UUID
    stage: Literal["PREPARING", "READY", "PICKED_UP", "DELIVERED"]

    def key(self) -> str:
        return str(self.order_id)


class ReviewPosted(Event):
    """A customer reviewed a completed order's store; ai builds its menu Q&A from these."""

    event_type: ClassVar[str] = "store.review-posted"
    topic: ClassVar[str] = topics.STORE_EVENTS

    review_id: UUID
    store_id: UUID
    order_id: UUID
    customer_id: UUID
    rating: int = Field(ge=1, le=5)
    text: str = Field(max_length=2000)
    menu_item_ids: tuple[UUID, ...] = ()
    posted_at: datetime

    def key(self) -> str:
        return str(self.store_id)
