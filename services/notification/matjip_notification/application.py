"""notification's use cases: what a recipient has been told, read in order after a position."""

from uuid import UUID

from matjip_notification.components import NotificationComponents
from matjip_notification.repository import notifications as repo
from matjip_notification.repository.notifications import StoredNotification


async def notifications_after(
    components: NotificationComponents, recipient_id: UUID, after: int, limit: int
) -> list[StoredNotification]:
    async with components.unit_of_work() as uow:
        return await repo.after(uow.conn, recipient_id, after, limit)
