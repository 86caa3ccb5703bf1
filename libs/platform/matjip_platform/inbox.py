"""Idempotent inbox: a consumer records each event id in the same transaction as its effect."""

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from matjip_platform.envelope import Envelope
from matjip_platform.messaging_tables import processed_events


async def claim(session: AsyncSession, consumer_group: str, envelope: Envelope) -> bool:
    """True the first time this consumer group sees the event; False for a redelivery.

    The row is part of the caller's transaction: if the effect rolls back, so does the claim.
    """
    result = await session.execute(
        insert(processed_events)
        .values(consumer_group=consumer_group, event_id=envelope.event_id, event_type=envelope.event_type)
        .on_conflict_do_nothing()
        .returning(processed_events.c.event_id)
    )
    return result.first() is not None
