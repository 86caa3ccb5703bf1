"""A simulated owner at the counter: glances at the inbox every few seconds and takes each new order
through its steps at a human pace: accept (or reject, or leave it unanswered), start cooking, call it
ready when the food is done (kitchen minutes pass as seconds), hand it to the rider."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from functools import partial

from matjip_demo.client import Person
from matjip_demo.rush.plan import REJECT_REASONS, Answer, human_pause
from matjip_demo.rush.shared import RushState

OPEN_STATUSES = ("PENDING", "ACCEPTED", "PREPARING", "READY")


@dataclass
class Desk:
    """One store's owner at work."""

    owner: Person
    store_id: str
    store_name: str
    prep_minutes: int
    delivers_itself: bool  # hands orders over as delivered, not picked up by a rider


async def _take_through(rush: RushState, desk: Desk, order_id: str, status: str) -> None:
    owner, rng, path = desk.owner, rush.rng, f"/api/store/stores/{desk.store_id}/orders/{order_id}"
    if status == "PENDING":
        answer = rush.answer_for(order_id)
        if answer is Answer.NO_ANSWER:
            return
        await rush.human(2.0, 10.0)
        if answer is Answer.REJECT:
            await owner.post(f"{path}/reject", {"reason": rng.choice(REJECT_REASONS)})
            return
        prep = max(5, desk.prep_minutes + rng.choice((-5, 0, 0, 5, 10)))
        await owner.post(f"{path}/accept", {"prep_minutes": prep})
        status = "ACCEPTED"
    if status == "ACCEPTED":
        await rush.human(1.0, 4.0)
        await owner.post(f"{path}/preparing")
        status = "PREPARING"
    if status == "PREPARING":
        kitchen = desk.prep_minutes * rush.plan.kitchen_seconds_per_minute
        await asyncio.sleep(kitchen * rng.uniform(0.7, 1.3))
        await owner.post(f"{path}/ready")
        status = "READY"
    if status == "READY":
        await rush.human(2.0, 10.0)  # the rider (or the owner's own) is on the way
        await owner.post(f"{path}/delivered" if desk.delivers_itself else f"{path}/picked-up")


async def work_the_desk(rush: RushState, desk: Desk, stop: asyncio.Event) -> None:
    """Until `stop`: look at the inbox, start handling each order not handled yet."""
    handling: set[str] = set()
    tasks: set[asyncio.Task[None]] = set()
    params = [("status", s) for s in OPEN_STATUSES] + [("limit", "100")]
    try:
        while not stop.is_set():
            page = await rush.guarded(
                desk.owner.email,
                lambda: desk.owner.get(f"/api/store/stores/{desk.store_id}/orders", params=params),
            )
            for entry in (page or {}).get("items", []):
                order_id = str(entry["order_id"])
                if order_id not in handling:
                    handling.add(order_id)
                    step = partial(_take_through, rush, desk, order_id, str(entry["status"]))
                    task = asyncio.create_task(rush.guarded(desk.owner.email, step))
                    tasks.add(task)
                    task.add_done_callback(tasks.discard)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=human_pause(rush.rng, 1.5, 5.0) * rush.plan.pace)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        rush.stats.rate_limited += desk.owner.rate_limited
