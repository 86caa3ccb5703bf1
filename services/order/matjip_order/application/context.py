"""The order service's view of its runtime (its settings, its cart store), and tagging work with an order."""

from typing import TYPE_CHECKING
from uuid import UUID

import structlog

from matjip_order.repository.carts import CartStore
from matjip_order.settings import OrderSettings
from matjip_platform.telemetry import set_order_id

if TYPE_CHECKING:
    from matjip_platform.service import Runtime


def settings_of(runtime: "Runtime") -> OrderSettings:
    settings = runtime.settings
    if not isinstance(settings, OrderSettings):
        raise TypeError("the order service runs with OrderSettings (settings_class on its definition)")
    return settings


def carts_of(runtime: "Runtime") -> CartStore:
    return CartStore(runtime.redis, settings_of(runtime).cart_ttl_seconds)


def about_order(order_id: UUID) -> None:
    """Tag the current span and the request's log lines with the order they are about."""
    set_order_id(order_id)
    structlog.contextvars.bind_contextvars(order_id=str(order_id))
