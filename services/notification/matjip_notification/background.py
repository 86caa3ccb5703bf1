"""The notification service's background task: the Redis wake-up hub."""

import asyncio

from matjip_notification.components import components_of
from matjip_platform.service import Runtime


async def notification_hub(runtime: Runtime, stop: asyncio.Event) -> None:
    await components_of(runtime).hub.run(stop)
