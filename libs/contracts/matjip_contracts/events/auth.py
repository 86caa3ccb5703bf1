"""Events published by auth."""

from datetime import datetime
from typing import ClassVar
from uuid import UUID

from matjip_contracts import topics
from matjip_contracts.events.base import Event
from matjip_contracts.events.common import Role


class UserRegistered(Event):
    event_type: ClassVar[str] = "auth.user-registered"
    topic: ClassVar[str] = topics.AUTH_EVENTS

    user_id: UUID
    email: str
    role: Role
    display_name: str
    registered_at: datetime

    def key(self) -> str:
        return str(self.user_id)
