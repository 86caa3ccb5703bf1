"""The events user consumes."""

import structlog

from matjip_contracts.events.auth import UserRegistered
from matjip_platform.handlers import EventHandlers, HandlerContext
from matjip_user.components import UserComponents
from matjip_user.repository import profiles

log = structlog.get_logger(__name__)

handlers: EventHandlers[UserComponents] = EventHandlers()


@handlers.on(UserRegistered)
async def start_profile(ctx: HandlerContext[UserComponents], event: UserRegistered) -> None:
    """A new account gets its profile. Idempotent beyond the inbox: the same registration published
    again (a replayed topic, a re-sent event with a new id) finds the profile and leaves it — and the
    user's own edits — untouched."""
    created = await profiles.create_if_absent(
        ctx.conn,
        user_id=event.user_id,
        email=event.email,
        role=event.role,
        display_name=event.display_name,
        registered_at=event.registered_at,
    )
    log.info("profile_started" if created else "profile_already_exists", user_id=str(event.user_id))
