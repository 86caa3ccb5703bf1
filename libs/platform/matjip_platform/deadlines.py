"""Acting when deadlines pass, without polling: sleep until the earliest one, or until told of a new one.

A service keeps its deadlines in its own table (an order's `accept_by`, an inbox entry's); this loop asks
for the earliest, sleeps until then (or until `changed` is set by this process committing a new one), acts
on everything due, and asks again. It looks at least every `longest` seconds, for deadlines other replicas
set. At idle it costs one query per `longest`, not a transaction per second.
"""

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import structlog

log = structlog.get_logger(__name__)

RETRY_SECONDS = 1.0  # after a failed pass (the database restarting): nothing was committed, look again soon
SHORTEST_SECONDS = 0.05  # a due deadline another replica holds locked: don't spin on it


async def act_at_deadlines(
    *,
    act: Callable[[datetime], Awaitable[int]],
    next_deadline: Callable[[], Awaitable[datetime | None]],
    batch: int,
    changed: asyncio.Event,
    stop: asyncio.Event,
    longest: float,
    name: str,
) -> None:
    """Until `stop`: `act(now)` handles up to `batch` due items and returns how many; `next_deadline()` is
    the earliest deadline still ahead (None: none)."""
    while not stop.is_set():
        changed.clear()  # before looking: a deadline set meanwhile is not missed
        try:
            while await act(datetime.now(UTC)) == batch:
                pass  # a backlog (after an outage): drain it before sleeping
            deadline = await next_deadline()
            wait = longest if deadline is None else (deadline - datetime.now(UTC)).total_seconds()
        except Exception:
            log.exception("deadline_pass_failed", task=name)
            wait = RETRY_SECONDS
        await _sleep(changed, stop, min(max(wait, SHORTEST_SECONDS), longest))


async def _sleep(changed: asyncio.Event, stop: asyncio.Event, seconds: float) -> None:
    waits = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(changed.wait())]
    try:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait(waits, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for w in waits:
            w.cancel()
