"""The store service's collaborators, built at start from what the platform provides."""

from dataclasses import dataclass

from matjip_platform.service import Platform
from matjip_platform.settings import ServiceSettings
from matjip_platform.unit_of_work import UnitOfWorkFactory


@dataclass(frozen=True)
class StoreComponents:
    unit_of_work: UnitOfWorkFactory


async def build_components(platform: Platform[ServiceSettings]) -> StoreComponents:
    return StoreComponents(platform.unit_of_work)
