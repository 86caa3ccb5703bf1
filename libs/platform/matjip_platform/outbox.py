"""Transactional outbox: events are rows written in the same transaction as the state they describe."""

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from matjip_contracts.events.base import Event
from matjip_platform.envelope import Envelope
from matjip_platform.messaging_tables import outbox_events
from matjip_platform.telemetry import current_trace_headers

OutboxRow = dict[str, Any]

_INSERT = insert(outbox_events)


class Outbox:
    """Turns events into outbox rows; the relay publishes them after commit."""

    def __init__(self, source: str, topic_prefix: str = "") -> None:
        self.source = source
        self.topic_prefix = topic_prefix

    def rows(self, events: Iterable[Event]) -> list[OutboxRow]:
        """Envelope each event now (so it carries the trace context of the code that emitted it)."""
        trace_headers = current_trace_headers()
        rows: list[OutboxRow] = []
        for event in events:
            env = Envelope.wrap(event, source=self.source, trace_headers=trace_headers)
            rows.append(
                {
                    "event_id": env.event_id,
                    "topic": self.topic_prefix + event.topic,
                    "key": env.key,
                    "event_type": env.event_type,
                    "event_version": env.event_version,
                    "payload": env.payload,
                    "headers": {"occurred_at": env.occurred_at.isoformat(), **env.trace_headers},
                }
            )
        return rows

    @staticmethod
    async def write(conn: AsyncConnection, rows: Sequence[OutboxRow]) -> None:
        """One statement for all rows; ids follow the list's order, which is the order of publication."""
        if rows:
            await conn.execute(_INSERT, list(rows))
