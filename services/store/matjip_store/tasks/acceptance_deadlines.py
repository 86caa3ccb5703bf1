"""The background task that expires inbox entries nobody answered by their order's deadline.

Store decides this, not order: the owner's acceptance and the expiry are both decisions about one inbox
entry, made under its row lock, so exactly one of them happens (order then cancels on
OrderRejectedByStore(timed_out=True), or proceeds on the acceptance).
"""

import asyncio

from matjip_platform.deadlines import act_at_deadlines
from matjip_store.application.inbox import EXPIRY_BATCH, expire_overdue, next_acceptance_deadline
from matjip_store.components import StoreComponents


async def expire_unanswered_orders(components: StoreComponents, stop: asyncio.Event) -> None:
    await act_at_deadlines(
        act=lambda now: expire_overdue(components.unit_of_work, now),
        next_deadline=lambda: next_acceptance_deadline(components.unit_of_work),
        batch=EXPIRY_BATCH,
        changed=components.deadlines_changed,
        stop=stop,
        longest=components.settings.timeout_scan_interval_seconds,
        name="expire_unanswered_orders",
    )
