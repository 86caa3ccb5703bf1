"""order's HTTP API under /api/order: the menu it sells, the cart, checkout and orders."""

import hashlib
from datetime import UTC, date, datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Header, Query, Response, status
from pydantic import AfterValidator

from matjip_contracts.events import OrderStatus, Role
from matjip_order.api.schemas import (
    CartItemRequest,
    CartOut,
    CheckoutRequest,
    DaySalesOut,
    MenuOut,
    OrderOut,
    OrderPageOut,
)
from matjip_order.application import cart, checkout, orders
from matjip_order.components import OrderComponents
from matjip_order.domain import sales
from matjip_order.domain.idempotency import KEY_PATTERN
from matjip_order.domain.menu import RequestedLine
from matjip_platform.auth import Principal
from matjip_platform.http import CurrentPrincipal, components_of, require_role

router = APIRouter(prefix="/api/order")

Components = Annotated[OrderComponents, Depends(components_of(OrderComponents))]
Customer = Annotated[Principal, Depends(require_role(Role.CUSTOMER))]
OwnerOrAdmin = Annotated[Principal, Depends(require_role(Role.OWNER, Role.ADMIN))]
IdempotencyKey = Annotated[
    str,
    Header(
        alias="Idempotency-Key",
        pattern=KEY_PATTERN,
        description="8-128 characters of A-Z a-z 0-9 _ -; the same key replays the same checkout",
    ),
]
Cursor = Annotated[str | None, Query(max_length=200, description="next_cursor of the previous page")]
Limit = Annotated[int, Query(ge=1, le=100)]


@router.get(
    "/stores/{store_id}/menu",
    tags=["menu"],
    response_model=MenuOut,
    responses={304: {"description": "unchanged since the ETag given in If-None-Match"}},
)
async def store_menu(
    components: Components,
    store_id: UUID,
    if_none_match: Annotated[str | None, Header(alias="If-None-Match", max_length=200)] = None,
) -> Response:
    """What order believes the store sells now: prices, sold-out items, and whether it takes orders.
    The same for everyone, so shared caches (the edge, a CDN) may keep it as long as order itself does
    (`menu_cache_seconds`); revalidate with If-None-Match: an unchanged menu answers 304 without a body."""
    menus = components.menus
    found = await menus.menu(store_id)
    body = MenuOut.of(found.store, found.items, datetime.now(UTC)).model_dump_json().encode()
    etag = f'"{hashlib.blake2b(body, digest_size=12).hexdigest()}"'
    max_age = int(menus.fresh_seconds)
    headers = {"ETag": etag, "Cache-Control": f"public, max-age={max_age}" if max_age > 0 else "no-cache"}
    if if_none_match is not None and etag in (tag.strip() for tag in if_none_match.split(",")):
        return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers=headers)
    return Response(body, media_type="application/json", headers=headers)


# --- cart ---------------------------------------------------------------------------------------------


@router.get("/cart", tags=["cart"])
async def get_cart(components: Components, customer: Customer) -> CartOut:
    return CartOut.of(await cart.view_cart(components, customer.user_id))


@router.put("/cart/items/{menu_item_id}", tags=["cart"])
async def put_cart_item(
    components: Components,
    customer: Customer,
    menu_item_id: UUID,
    body: CartItemRequest,
    replace: Annotated[bool, Query(description="start a new cart if it holds another store's items")] = False,
) -> CartOut:
    line = RequestedLine(menu_item_id, body.quantity, tuple(body.option_ids))
    return CartOut.of(await cart.put_cart_item(components, customer.user_id, line, replace=replace))


@router.delete("/cart/items/{menu_item_id}", tags=["cart"])
async def remove_cart_item(components: Components, customer: Customer, menu_item_id: UUID) -> CartOut:
    return CartOut.of(await cart.remove_cart_item(components, customer.user_id, menu_item_id))


@router.delete("/cart", status_code=status.HTTP_204_NO_CONTENT, tags=["cart"])
async def clear_cart(components: Components, customer: Customer) -> None:
    await cart.clear_cart(components, customer.user_id)


# --- orders -------------------------------------------------------------------------------------------


@router.post("/orders", status_code=status.HTTP_201_CREATED, tags=["orders"])
async def place_order(
    components: Components,
    response: Response,
    customer: Customer,
    idempotency_key: IdempotencyKey,
    body: CheckoutRequest | None = None,
) -> OrderOut:
    """Check out the cart (no body) or the given lines. 201 with the new order; 200 with the same order
    when the request is replayed with its Idempotency-Key."""
    explicit = None
    if body is not None:
        lines = tuple(line.requested() for line in body.lines)
        explicit = checkout.ExplicitOrder(body.store_id, lines, body.model_dump(mode="json"))
    placed = await checkout.place_order(components, customer.user_id, idempotency_key, explicit)
    if not placed.created:
        response.status_code = status.HTTP_200_OK
    response.headers["Location"] = f"/api/order/orders/{placed.order.order_id}"
    return OrderOut.of(placed.order)


@router.get("/orders", tags=["orders"])
async def my_orders(
    components: Components, principal: CurrentPrincipal, cursor: Cursor = None, limit: Limit = 20
) -> OrderPageOut:
    """The caller's own orders, newest first."""
    page = await orders.customer_history(components, principal.user_id, cursor, limit)
    return OrderPageOut.of(page)


@router.get("/orders/{order_id}", tags=["orders"])
async def get_order(components: Components, principal: CurrentPrincipal, order_id: UUID) -> OrderOut:
    """For the order's customer, its store's owner, or an admin (404 for anyone else)."""
    return OrderOut.of(await orders.get_order(components, principal, order_id))


@router.post("/orders/{order_id}/cancel", tags=["orders"])
async def cancel_order(components: Components, principal: CurrentPrincipal, order_id: UUID) -> OrderOut:
    """The customer cancels before the store accepts; 409 order_not_cancellable from ACCEPTED on."""
    return OrderOut.of(await orders.cancel_order(components, principal.user_id, order_id))


@router.get("/stores/{store_id}/orders", tags=["orders"])
async def store_orders(
    components: Components,
    principal: OwnerOrAdmin,
    store_id: UUID,
    status_: Annotated[list[OrderStatus], Query(alias="status")] = [],  # noqa: B006 - FastAPI copies defaults
    cursor: Cursor = None,
    limit: Limit = 20,
) -> OrderPageOut:
    """The store's orders, newest first, optionally only in the given statuses (repeat ?status=)."""
    page = await orders.store_inbox(components, principal, store_id, status_, cursor, limit)
    return OrderPageOut.of(page)


@router.get("/stores/{store_id}/sales", tags=["orders"])
async def store_day_sales(
    components: Components,
    principal: OwnerOrAdmin,
    store_id: UUID,
    day: Annotated[
        date | None,
        Query(description="the store's calendar day; today when left out"),
        AfterValidator(sales.askable_day),
    ] = None,
) -> DaySalesOut:
    """How many orders the store took on one of its days and what they sold for (the owner's "today")."""
    found = await orders.store_day_sales(components, principal, store_id, day)
    return DaySalesOut.of(store_id, found)
