"""Idempotent inbox: a consumer records each event id in the same transaction as its effect."""

from collections.abc import Sequence
from uuid import UUID

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from matjip_platform.envelope import Envelope
from matjip_platform.messaging_tables import processed_events


async def claim(conn: AsyncConnection, consumer_group: str, envelopes: Sequence[Envelope]) -> set[UUID]:
    """The ids among `envelopes` this consumer group sees for the first time (one statement for all);
    the others are redeliveries. Each event id should appear once in `envelopes`.

    The rows are part of the caller's transaction: if the effects roll back, so do the claims.
    """
    if not envelopes:
        return set()
    result = await conn.execute(
        insert(processed_events)
        .values(
            [
                {"consumer_group": consumer_group, "event_id": env.event_id, "event_type": env.event_type}
                for env in envelopes
            ]
        )
        .on_conflict_do_nothing()
        .returning(processed_events.c.event_id)
    )
    return set(result.scalars())
