"""Reading a stream's position (no I/O)."""

from matjip_platform.errors import DomainError

MAX_ID = 2**63 - 1
"""Notification ids are PostgreSQL bigints: a cursor beyond them names no notification."""


class InvalidLastEventId(DomainError):
    status, code, title = 422, "invalid_last_event_id", "Validation failed"


def resume_after(last_event_id: str | None, after: int | None) -> int:
    """The id after which a stream starts: the Last-Event-ID a reconnecting EventSource sends wins over
    the `after` of its (unchanged) URL; neither means from the beginning."""
    if last_event_id is not None and last_event_id.strip():
        value = last_event_id.strip()
        if not value.isdigit() or int(value) > MAX_ID:
            raise InvalidLastEventId(
                "Last-Event-ID must be the id of a notification.",
                errors=[{"field": "Last-Event-ID", "in": "header", "message": "not a notification id"}],
            )
        return int(value)
    return after or 0
