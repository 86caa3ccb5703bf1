"""The order's fallback for a store that never answers.

The store decides whether an order was accepted in time (its inbox entry expires at `accept_by` and it
says so with OrderRejectedByStore(timed_out=True)): acceptance and expiry are decided in one place, under
one row lock, so a store's acceptance can never cross a cancellation. Order cancels on its own only when
the store has said nothing for `store_timeout_grace_seconds` after the deadline (store down, or its
command dead-lettered), so that the customer's money is not held forever.
"""

import asyncio
from datetime import datetime, timedelta

from matjip_order.application.timeouts import BATCH, cancel_overdue_orders, next_acceptance_deadline
from matjip_order.components import OrderComponents
from matjip_platform.deadlines import act_at_deadlines


async def store_acceptance_timeouts(components: OrderComponents, stop: asyncio.Event) -> None:
    # After a restart, a store's answer may still wait in Kafka: read the backlog before deciding that a
    # store did not answer.
    caught_up = asyncio.ensure_future(components.consumer_caught_up.wait())
    stopping = asyncio.ensure_future(stop.wait())
    await asyncio.wait([caught_up, stopping], return_when=asyncio.FIRST_COMPLETED)
    caught_up.cancel()
    stopping.cancel()
    grace = timedelta(seconds=components.settings.store_timeout_grace_seconds)

    async def cancel_due(now: datetime) -> int:
        return await cancel_overdue_orders(components, now, overdue_since=now - grace)

    async def next_due() -> datetime | None:
        deadline = await next_acceptance_deadline(components)
        return None if deadline is None else deadline + grace

    await act_at_deadlines(
        act=cancel_due,
        next_deadline=next_due,
        batch=BATCH,
        changed=components.deadlines_changed,
        stop=stop,
        longest=components.settings.timeout_scan_interval_seconds,
        name="store_acceptance_timeouts",
    )
