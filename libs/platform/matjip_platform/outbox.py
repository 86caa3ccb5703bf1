"""Transactional outbox: events are rows written in the same transaction as the state they describe."""

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from matjip_contracts.events.base import Event
from matjip_platform.envelope import Envelope
from matjip_platform.messaging_tables import outbox_events
from matjip_platform.telemetry import current_trace_headers


class Outbox:
    """Adds events to the service's outbox table; the relay publishes them after commit."""

    def __init__(self, source: str, topic_prefix: str = "") -> None:
        self.source = source
        self.topic_prefix = topic_prefix

    async def add(self, session: AsyncSession, *events: Event) -> list[Envelope]:
        envelopes = [
            Envelope.wrap(event, source=self.source, trace_headers=current_trace_headers())
            for event in events
        ]
        if envelopes:
            await session.execute(
                insert(outbox_events),
                [
                    {
                        "event_id": env.event_id,
                        "topic": self.topic_prefix + event.topic,
                        "key": env.key,
                        "event_type": env.event_type,
                        "event_version": env.event_version,
                        "payload": env.payload,
                        "headers": {"occurred_at": env.occurred_at.isoformat(), **env.trace_headers},
                    }
                    for env, event in zip(envelopes, events, strict=True)
                ],
            )
        return envelopes
