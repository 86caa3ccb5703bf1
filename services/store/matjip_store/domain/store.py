"""The store aggregate: its identity, hours, delivery area and ordering switches."""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from matjip_platform.errors import NotFound
from matjip_store.domain.area import DeliveryArea
from matjip_store.domain.hours import OpeningWindow, accepts_orders_at, is_open_at


class StoreNotFound(NotFound):
    code = "store_not_found"


@dataclass(frozen=True)
class Store:
    store_id: UUID
    owner_id: UUID
    name: str
    description: str
    address: str
    timezone: str
    opening_hours: tuple[OpeningWindow, ...]
    delivery_area: DeliveryArea
    accepting_orders: bool
    auto_accept: bool
    auto_accept_prep_minutes: int
    revision: int
    rating_count: int = 0
    rating_total: int = 0

    def is_open_at(self, instant: datetime) -> bool:
        return is_open_at(self.opening_hours, self.timezone, instant)

    def takes_orders_at(self, instant: datetime) -> bool:
        return accepts_orders_at(self.opening_hours, self.timezone, self.accepting_orders, instant)

    @property
    def average_rating(self) -> float | None:
        return round(self.rating_total / self.rating_count, 2) if self.rating_count else None
