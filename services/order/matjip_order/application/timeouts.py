"""The store-acceptance timeout: a background task cancelling paid orders no store answered in time."""

import asyncio
import contextlib
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import structlog

from matjip_order.application.context import settings_of
from matjip_order.application.steps import commit_step
from matjip_order.domain import saga
from matjip_order.repository import orders
from matjip_platform.telemetry import set_order_id, tracer

if TYPE_CHECKING:
    from matjip_platform.service import Runtime

log = structlog.get_logger(__name__)

BATCH = 50


async def cancel_overdue_orders(runtime: "Runtime", now: datetime) -> int:
    """Cancel one batch of orders past `accept_by`; returns how many. Rows locked by another replica are
    skipped, so any number of replicas can run this together and each order is cancelled once."""
    async with runtime.db.transaction() as session:
        overdue = await orders.lock_overdue_awaiting_store(session, now, BATCH)
        for order in overdue:
            with (
                tracer().start_as_current_span("order store-acceptance timeout"),
                structlog.contextvars.bound_contextvars(order_id=str(order.order_id)),
            ):
                set_order_id(order.order_id)
                await commit_step(session, runtime.outbox, order, saga.on_acceptance_deadline(order, now))
                log.info("order_store_timeout")
    if overdue:
        runtime.relay.wake()
    return len(overdue)


async def store_acceptance_timeouts(runtime: "Runtime", stop: asyncio.Event) -> None:
    interval = settings_of(runtime).timeout_scan_interval_seconds
    if runtime.consumer is not None:
        # After a restart, a store's acceptance may still wait in Kafka: read the backlog before deciding
        # that a store did not answer.
        caught_up = asyncio.ensure_future(runtime.consumer.caught_up.wait())
        await asyncio.wait([caught_up, asyncio.ensure_future(stop.wait())], return_when=asyncio.FIRST_COMPLETED)
    while not stop.is_set():
        try:
            while await cancel_overdue_orders(runtime, datetime.now(UTC)) == BATCH:
                pass  # a backlog (after an outage): drain it before sleeping
        except Exception:
            log.exception("store_timeout_scan_failed")  # the next tick retries; nothing was committed
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), interval)
