"""The notification service's background task: the Redis wake-up hub."""

import asyncio

from matjip_notification.components import NotificationComponents


async def notification_hub(components: NotificationComponents, stop: asyncio.Event) -> None:
    await components.hub.run(stop)
