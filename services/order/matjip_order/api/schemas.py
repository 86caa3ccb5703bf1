"""The shapes of order's HTTP API. Requests forbid unknown fields: a client cannot slip a price in."""

from datetime import date, datetime, time
from typing import Annotated, Any
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from matjip_contracts.events import OrderStatus
from matjip_order.domain.cart import PricedCart
from matjip_order.domain.menu import MenuItemView, RequestedLine, StoreView
from matjip_order.domain.order import Order
from matjip_order.domain.sales import DaySales
from matjip_order.repository.orders import Page


def _distinct(option_ids: list[UUID]) -> list[UUID]:
    if len(set(option_ids)) != len(option_ids):
        raise ValueError("an option can be chosen once")
    return option_ids


OptionIds = Annotated[list[UUID], Field(max_length=20), AfterValidator(_distinct)]
Quantity = Annotated[int, Field(strict=True, ge=1, le=100)]


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CartItemRequest(Request):
    quantity: Quantity
    option_ids: OptionIds = []


class CheckoutLine(Request):
    menu_item_id: UUID
    quantity: Quantity
    option_ids: OptionIds = []

    def requested(self) -> RequestedLine:
        return RequestedLine(self.menu_item_id, self.quantity, tuple(self.option_ids))


class CheckoutRequest(Request):
    """An explicit order; send no body at all to order the cart instead."""

    store_id: UUID
    lines: list[CheckoutLine] = Field(max_length=50)


# --- responses ----------------------------------------------------------------------------------------


class OptionOut(BaseModel):
    option_id: UUID
    name: str
    extra_price: int


class MenuItemOut(BaseModel):
    menu_item_id: UUID
    name: str
    price: int
    options: list[OptionOut]
    sold_out: bool

    @classmethod
    def of(cls, item: MenuItemView) -> "MenuItemOut":
        return cls(
            menu_item_id=item.menu_item_id,
            name=item.name,
            price=item.price,
            options=[OptionOut(**o.model_dump()) for o in item.options],
            sold_out=item.sold_out,
        )


class OpeningHoursOut(BaseModel):
    weekday: int
    opens: time
    closes: time


class StoreOut(BaseModel):
    store_id: UUID
    name: str
    timezone: str
    opening_hours: list[OpeningHoursOut]
    accepting_orders: bool
    open_now: bool = Field(description="open by its hours and accepting orders: checkout would take an order")


class MenuOut(BaseModel):
    store: StoreOut
    items: list[MenuItemOut]

    @classmethod
    def of(cls, store: StoreView, items: list[MenuItemView], now: datetime) -> "MenuOut":
        return cls(
            store=StoreOut(
                store_id=store.store_id,
                name=store.name,
                timezone=store.timezone,
                opening_hours=[OpeningHoursOut(**h.model_dump()) for h in store.opening_hours],
                accepting_orders=store.accepting_orders,
                open_now=store.takes_orders_at(now),
            ),
            items=[MenuItemOut.of(item) for item in items],
        )


class CartLineOut(BaseModel):
    menu_item_id: UUID
    name: str | None
    quantity: int
    option_ids: list[UUID]
    unit_price: int | None
    line_total: int | None
    problem: str | None = Field(description="why checkout would refuse this line (item_sold_out, ...), or null")


class CartOut(BaseModel):
    store_id: UUID | None
    store_name: str | None
    store_open: bool
    lines: list[CartLineOut]
    total_amount: int
    currency: str = "KRW"
    can_check_out: bool

    @classmethod
    def of(cls, cart: PricedCart | None) -> "CartOut":
        if cart is None:
            return cls(store_id=None, store_name=None, store_open=False, lines=[], total_amount=0, can_check_out=False)
        return cls(
            store_id=cart.store_id,
            store_name=cart.store_name,
            store_open=cart.store_open,
            lines=[
                CartLineOut(
                    menu_item_id=line.menu_item_id,
                    name=line.name,
                    quantity=line.quantity,
                    option_ids=list(line.option_ids),
                    unit_price=line.unit_price,
                    line_total=line.line_total,
                    problem=line.problem,
                )
                for line in cart.lines
            ],
            total_amount=cart.total_amount,
            can_check_out=cart.can_check_out,
        )


class OrderLineOut(BaseModel):
    menu_item_id: UUID
    name: str
    quantity: int
    option_ids: list[UUID]
    unit_price: int
    line_total: int


class OrderOut(BaseModel):
    order_id: UUID
    customer_id: UUID
    store_id: UUID
    status: OrderStatus
    lines: list[OrderLineOut]
    total_amount: int
    currency: str = "KRW"
    placed_at: datetime
    status_changed_at: datetime
    accept_by: datetime | None
    prep_minutes: int | None
    cancel_reason: str | None
    cancel_detail: str | None
    payment_status: str

    @classmethod
    def of(cls, order: Order) -> "OrderOut":
        return cls(
            order_id=order.order_id,
            customer_id=order.customer_id,
            store_id=order.store_id,
            status=order.status,
            lines=[
                OrderLineOut(
                    menu_item_id=line.menu_item_id,
                    name=line.name,
                    quantity=line.quantity,
                    option_ids=list(line.option_ids),
                    unit_price=line.unit_price,
                    line_total=line.unit_price * line.quantity,
                )
                for line in order.lines
            ],
            total_amount=order.total_amount,
            placed_at=order.placed_at,
            status_changed_at=order.status_changed_at,
            accept_by=order.accept_by,
            prep_minutes=order.prep_minutes,
            cancel_reason=order.cancel_reason,
            cancel_detail=order.cancel_detail,
            payment_status=order.payment_status.value,
        )

    def as_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


class OrderPageOut(BaseModel):
    items: list[OrderOut]
    next_cursor: str | None = Field(description="pass as ?cursor= for the next (older) page; null at the end")

    @classmethod
    def of(cls, page: Page) -> "OrderPageOut":
        return cls(items=[OrderOut.of(order) for order in page.orders], next_cursor=page.next_cursor)


class DaySalesOut(BaseModel):
    """Orders placed in one of the store's calendar days, by where they are now."""

    store_id: UUID
    day: date = Field(description="the store's local calendar day")
    timezone: str
    orders_placed: int
    orders_awaiting: int = Field(description="not accepted yet: stock, payment or the store's answer pending")
    orders_sold: int = Field(description="accepted by the store, in the kitchen or handed over")
    orders_handed_over: int = Field(description="picked up, delivered or completed")
    orders_cancelled: int
    sales_amount: int = Field(description="KRW of the sold orders")
    currency: str = "KRW"

    @classmethod
    def of(cls, store_id: UUID, found: DaySales) -> "DaySalesOut":
        return cls(
            store_id=store_id,
            day=found.day,
            timezone=found.timezone,
            orders_placed=found.orders_placed,
            orders_awaiting=found.orders_awaiting,
            orders_sold=found.orders_sold,
            orders_handed_over=found.orders_handed_over,
            orders_cancelled=found.orders_cancelled,
            sales_amount=found.sales_amount,
        )
