"""Idempotent inbox: a consumer records each event id in the same transaction as its effect."""

from collections.abc import Sequence
from uuid import UUID

from sqlalchemy import ARRAY, String, Uuid, bindparam, text
from sqlalchemy.ext.asyncio import AsyncConnection

from matjip_platform.envelope import Envelope

# One statement for any number of events, written as SQL so SQLAlchemy compiles it once: a
# `postgresql.insert(...).on_conflict_do_nothing()` has no cache key in SQLAlchemy 2.0 and was compiled
# on every claim (sqlalchemy#10445), and a multi-row VALUES would be a new statement per batch size.
_CLAIM = (
    text(
        "INSERT INTO processed_events (consumer_group, event_id, event_type)"
        " SELECT :consumer_group, unnest(CAST(:event_ids AS uuid[])), unnest(CAST(:event_types AS text[]))"
        " ON CONFLICT DO NOTHING RETURNING event_id"
    )
    .bindparams(
        bindparam("consumer_group", type_=String()),
        bindparam("event_ids", type_=ARRAY(Uuid())),
        bindparam("event_types", type_=ARRAY(String())),
    )
    .columns(event_id=Uuid())
)


async def claim(conn: AsyncConnection, consumer_group: str, envelopes: Sequence[Envelope]) -> set[UUID]:
    """The ids among `envelopes` this consumer group sees for the first time (one statement for all);
    the others are redeliveries. Each event id should appear once in `envelopes`.

    The rows are part of the caller's transaction: if the effects roll back, so do the claims.
    """
    if not envelopes:
        return set()
    result = await conn.execute(
        _CLAIM,
        {
            "consumer_group": consumer_group,
            "event_ids": [env.event_id for env in envelopes],
            "event_types": [env.event_type for env in envelopes],
        },
    )
    return set(result.scalars())
