"""The background task that cancels orders whose store did not answer in time.

It sleeps until the earliest deadline it knows of, or until this process commits a new one (an order
entering AWAITING_STORE), and looks at least every `timeout_scan_interval_seconds` for deadlines other
replicas set: at idle it costs a query per interval, not a transaction per second.
"""

import asyncio
import contextlib
from datetime import UTC, datetime

import structlog

from matjip_order.application.timeouts import BATCH, cancel_overdue_orders, next_acceptance_deadline
from matjip_order.components import OrderComponents

log = structlog.get_logger(__name__)

RETRY_SECONDS = 1.0  # after a failed scan (database restarting): nothing was committed, look again soon


async def store_acceptance_timeouts(components: OrderComponents, stop: asyncio.Event) -> None:
    # After a restart, a store's acceptance may still wait in Kafka: read the backlog before deciding that
    # a store did not answer.
    caught_up = asyncio.ensure_future(components.consumer_caught_up.wait())
    stopping = asyncio.ensure_future(stop.wait())
    await asyncio.wait([caught_up, stopping], return_when=asyncio.FIRST_COMPLETED)
    caught_up.cancel()
    stopping.cancel()
    longest = components.settings.timeout_scan_interval_seconds
    while not stop.is_set():
        components.deadlines_changed.clear()  # before scanning: a deadline set meanwhile is not missed
        try:
            while await cancel_overdue_orders(components, datetime.now(UTC)) == BATCH:
                pass  # a backlog (after an outage): drain it before sleeping
            deadline = await next_acceptance_deadline(components)
            wait = longest if deadline is None else (deadline - datetime.now(UTC)).total_seconds()
        except Exception:
            log.exception("store_timeout_scan_failed")  # the next scan retries; nothing was committed
            wait = RETRY_SECONDS
        await _sleep(components, stop, min(max(wait, 0.05), longest))


async def _sleep(components: OrderComponents, stop: asyncio.Event, seconds: float) -> None:
    waits = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(components.deadlines_changed.wait())]
    try:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait(waits, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for w in waits:
            w.cancel()
