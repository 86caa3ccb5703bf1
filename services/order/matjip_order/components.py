"""The order service's collaborators, built at start from what the platform provides."""

import asyncio
from dataclasses import dataclass, field

from matjip_order.application.menus import MenuReads
from matjip_order.repository.carts import CartStore
from matjip_order.settings import OrderSettings
from matjip_platform.service import Platform
from matjip_platform.unit_of_work import UnitOfWorkFactory


@dataclass(frozen=True)
class OrderComponents:
    settings: OrderSettings
    unit_of_work: UnitOfWorkFactory
    carts: CartStore
    menus: MenuReads
    # Set once the consumer has read its backlog: a store's silence means something only after that.
    consumer_caught_up: asyncio.Event
    # Set when this process committed an order into AWAITING_STORE: the timeout task looks again at the
    # earliest deadline instead of sleeping through it.
    deadlines_changed: asyncio.Event = field(default_factory=asyncio.Event)


async def build_components(platform: Platform[OrderSettings]) -> OrderComponents:
    settings = platform.settings
    return OrderComponents(
        settings=settings,
        unit_of_work=platform.unit_of_work,
        carts=CartStore(platform.redis, settings.cart_ttl_seconds),
        menus=MenuReads(platform.unit_of_work, fresh_seconds=settings.menu_cache_seconds),
        consumer_caught_up=platform.consumer_caught_up,
    )
