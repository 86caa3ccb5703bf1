"""Value types shared by several events."""

from enum import StrEnum
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field


class Role(StrEnum):
    CUSTOMER = "CUSTOMER"
    OWNER = "OWNER"
    ADMIN = "ADMIN"


class OrderStatus(StrEnum):
    PLACED = "PLACED"
    STOCK_RESERVED = "STOCK_RESERVED"
    AWAITING_STORE = "AWAITING_STORE"
    ACCEPTED = "ACCEPTED"
    PREPARING = "PREPARING"
    READY = "READY"
    PICKED_UP = "PICKED_UP"
    DELIVERED = "DELIVERED"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"


class OrderLine(BaseModel):
    """One line of an order, priced by the order service from its own read model of menus."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    menu_item_id: UUID
    name: str = Field(min_length=1, max_length=200)
    quantity: int = Field(gt=0, le=100)
    unit_price: int = Field(ge=0, description="price of one unit in KRW (won), options included")
    option_ids: tuple[UUID, ...] = ()


class StockLine(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    menu_item_id: UUID
    quantity: int = Field(gt=0, le=100)
