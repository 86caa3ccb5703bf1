"""The base of every event payload."""

from typing import ClassVar

from pydantic import BaseModel, ConfigDict


class Event(BaseModel):
    """A versioned event payload. Subclasses set the type, version and topic they travel on.

    Unknown fields are rejected so a producer's typo is caught by the first consumer (and dead-lettered)
    instead of being silently ignored.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    event_type: ClassVar[str]
    event_version: ClassVar[int] = 1
    topic: ClassVar[str]

    def key(self) -> str:
        """The Kafka key: the id of the aggregate this event is about."""
        raise NotImplementedError
