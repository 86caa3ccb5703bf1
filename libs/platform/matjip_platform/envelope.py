"""The event envelope: payload as the Kafka value, metadata and trace context as headers."""

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import orjson
from pydantic import ValidationError

from matjip_contracts.events.base import Event
from matjip_contracts.registry import event_model

TRACE_HEADERS = ("traceparent", "tracestate")
REQUIRED_HEADERS = ("event_id", "event_type", "event_version", "source", "occurred_at")


class InvalidMessage(Exception):
    """A message no consumer can ever process: it goes to the dead-letter topic at once."""


@dataclass(frozen=True)
class Envelope:
    event_id: UUID
    event_type: str
    event_version: int
    source: str
    occurred_at: datetime
    key: str
    payload: dict[str, Any]
    trace_headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def wrap(cls, event: Event, *, source: str, trace_headers: Mapping[str, str] | None = None) -> "Envelope":
        return cls(
            event_id=uuid.uuid4(),
            event_type=event.event_type,
            event_version=event.event_version,
            source=source,
            occurred_at=datetime.now(UTC),
            key=event.key(),
            payload=event.model_dump(mode="json"),
            trace_headers=dict(trace_headers or {}),
        )

    def kafka_headers(self) -> list[tuple[str, bytes]]:
        headers = {
            "event_id": str(self.event_id),
            "event_type": self.event_type,
            "event_version": str(self.event_version),
            "source": self.source,
            "occurred_at": self.occurred_at.isoformat(),
            **{k: v for k, v in self.trace_headers.items() if k in TRACE_HEADERS},
        }
        return [(name, value.encode()) for name, value in headers.items()]

    def kafka_value(self) -> bytes:
        return orjson.dumps(self.payload)

    @classmethod
    def from_kafka(cls, key: bytes | None, value: bytes | None, headers: Iterable[tuple[str, bytes]]) -> "Envelope":
        """Parse a Kafka record; raise InvalidMessage naming what is wrong."""
        try:
            found = {name: raw.decode() for name, raw in headers}
        except UnicodeDecodeError as exc:
            raise InvalidMessage(f"a header is not UTF-8: {exc}") from exc
        missing = [name for name in REQUIRED_HEADERS if not found.get(name)]
        if missing:
            raise InvalidMessage(f"missing headers: {', '.join(missing)}")
        if key is None:
            raise InvalidMessage("the message has no key")
        try:
            event_id = UUID(found["event_id"])
            version = int(found["event_version"])
            occurred_at = datetime.fromisoformat(found["occurred_at"])
        except ValueError as exc:
            raise InvalidMessage(f"malformed header: {exc}") from exc
        try:
            payload = orjson.loads(value or b"")
        except orjson.JSONDecodeError as exc:
            raise InvalidMessage(f"the value is not JSON: {exc}") from exc
        if not isinstance(payload, dict):
            raise InvalidMessage("the value is not a JSON object")
        return cls(
            event_id=event_id,
            event_type=found["event_type"],
            event_version=version,
            source=found["source"],
            occurred_at=occurred_at,
            key=key.decode(errors="replace"),
            payload=payload,
            trace_headers={k: found[k] for k in TRACE_HEADERS if k in found},
        )

    def parse(self) -> Event:
        """The typed payload; InvalidMessage for an unknown type/version or a payload that breaks it."""
        model = event_model(self.event_type, self.event_version)
        if model is None:
            raise InvalidMessage(f"unknown event type {self.event_type} v{self.event_version}")
        try:
            event = model.model_validate(self.payload)
        except ValidationError as exc:
            raise InvalidMessage(f"payload of {self.event_type} is invalid: {exc}") from exc
        if event.key() != self.key:
            raise InvalidMessage(f"key {self.key!r} does not match the payload's {event.key()!r}")
        return event
