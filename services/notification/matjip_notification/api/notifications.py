"""The notifications of the caller: a Server-Sent Events stream (resumable with Last-Event-ID) and a list.

Browsers' EventSource cannot set headers, so the stream also accepts the access token as
`?access_token=`, verified exactly like the Authorization header."""

import json
from collections.abc import AsyncGenerator
from typing import Annotated
from uuid import UUID

import anyio
from fastapi import APIRouter, Depends, Header, Query, Request
from pydantic import BaseModel
from sse_starlette import EventSourceResponse, ServerSentEvent

from matjip_notification.application import notifications_after
from matjip_notification.components import NotificationComponents
from matjip_notification.domain.stream import MAX_ID, resume_after
from matjip_platform.auth import Principal
from matjip_platform.documented_problems import needs_token
from matjip_platform.errors import Unauthorized
from matjip_platform.http import CurrentPrincipal, components_of, runtime_of

router = APIRouter(prefix="/api/notification", tags=["notifications"])

Components = Annotated[NotificationComponents, Depends(components_of(NotificationComponents))]

# What an EventSource waits before reconnecting after the stream ends (a shutdown, a lost connection).
RECONNECT_MILLISECONDS = 2000


@needs_token
async def stream_principal(
    request: Request,
    access_token: Annotated[
        str | None, Query(description="the access token, for clients that cannot set headers (EventSource)")
    ] = None,
) -> Principal:
    authorization = request.headers.get("authorization")
    if authorization:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("A bearer access token is required.", code="missing_token")
    elif access_token:
        token = access_token
    else:
        raise Unauthorized("A bearer access token is required.", code="missing_token")
    principal = await runtime_of(request).verifier.verify(token.strip())
    request.state.principal = principal
    return principal


class NotificationPage(BaseModel):
    items: list[dict[str, object]]
    next_after: int


@router.get("/notifications", response_model=NotificationPage)
async def list_notifications(
    components: Components,
    principal: CurrentPrincipal,
    after: Annotated[int, Query(ge=0, le=MAX_ID, description="the id after which to list")] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> NotificationPage:
    found = await notifications_after(components, principal.user_id, after, limit)
    return NotificationPage(items=[n.view() for n in found], next_after=found[-1].id if found else after)


@router.get(
    "/stream",
    response_class=EventSourceResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "id/event/data frames, then live"}},
)
async def stream(
    components: Components,
    principal: Annotated[Principal, Depends(stream_principal)],
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID", max_length=20)] = None,
    after: Annotated[int | None, Query(ge=0, le=MAX_ID, description="start after this id (Last-Event-ID wins)")] = None,
) -> EventSourceResponse:
    start = resume_after(last_event_id, after)
    shutting_down = anyio.Event()
    settings = components.settings
    return EventSourceResponse(
        notification_frames(components, principal.user_id, start, shutting_down),
        ping=settings.notification_heartbeat_seconds,
        send_timeout=30,  # a client that stopped reading is dropped instead of holding the stream
        shutdown_event=shutting_down,
        shutdown_grace_period=settings.notification_shutdown_grace_seconds,
    )


async def notification_frames(
    components: NotificationComponents, recipient_id: UUID, after: int, shutting_down: anyio.Event
) -> AsyncGenerator[ServerSentEvent]:
    """Everything after `after`, then live until the client leaves or the server stops."""
    hub, settings = components.hub, components.settings
    with hub.listen(recipient_id) as wake:
        yield ServerSentEvent(retry=RECONNECT_MILLISECONDS)
        last = after
        while not (hub.closed.is_set() or shutting_down.is_set()):
            wake.clear()  # before reading: a wake-up during the read is not lost
            batch = await notifications_after(components, recipient_id, last, settings.notification_replay_batch)
            for notification in batch:
                yield ServerSentEvent(
                    id=str(notification.id), event=notification.kind, data=json.dumps(notification.view())
                )
                last = notification.id
            if len(batch) < settings.notification_replay_batch:
                await hub.wait(wake, settings.notification_poll_seconds, shutting_down)
