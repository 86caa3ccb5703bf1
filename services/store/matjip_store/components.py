"""The store service's collaborators, built at start from what the platform provides."""

import asyncio
from dataclasses import dataclass, field

from matjip_platform.service import Platform
from matjip_platform.unit_of_work import UnitOfWorkFactory
from matjip_store.settings import StoreSettings


@dataclass(frozen=True)
class StoreComponents:
    settings: StoreSettings
    unit_of_work: UnitOfWorkFactory
    # Set when this process committed a new PENDING inbox entry: the expiry task looks again at the
    # earliest deadline instead of sleeping through it.
    deadlines_changed: asyncio.Event = field(default_factory=asyncio.Event)


async def build_components(platform: Platform[StoreSettings]) -> StoreComponents:
    return StoreComponents(platform.settings, platform.unit_of_work)
