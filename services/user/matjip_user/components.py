"""The user service's collaborators, built at start from what the platform provides."""

from dataclasses import dataclass

from matjip_platform.service import Platform
from matjip_platform.settings import ServiceSettings
from matjip_user.application import UserProfiles


@dataclass(frozen=True)
class UserComponents:
    profiles: UserProfiles


async def build_components(platform: Platform[ServiceSettings]) -> UserComponents:
    return UserComponents(UserProfiles(platform.unit_of_work))
