"""The notification service's collaborators, built at start from what the platform provides."""

from dataclasses import dataclass

from matjip_notification.hub import NotificationHub
from matjip_notification.settings import NotificationSettings
from matjip_platform.service import Platform
from matjip_platform.unit_of_work import UnitOfWorkFactory


@dataclass(frozen=True)
class NotificationComponents:
    settings: NotificationSettings
    unit_of_work: UnitOfWorkFactory
    hub: NotificationHub


async def build_components(platform: Platform[NotificationSettings]) -> NotificationComponents:
    return NotificationComponents(platform.settings, platform.unit_of_work, NotificationHub(platform.redis))
