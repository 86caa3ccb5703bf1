"""`./matjip demo rush`: customers arrive at random (a Poisson process at the planned rate) and go on
their visits while every open store's owner works the inbox; progress is printed every few seconds.
After the planned minutes no one new arrives, the owners finish what is under way, every order of
the rush is checked, and a summary is printed.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from matjip_demo.accounts import DemoCredentials
from matjip_demo.city import City
from matjip_demo.client import Person, phone_address
from matjip_demo.rush.crowd import Shopper, bring_in, crowd_of
from matjip_demo.rush.customers import visit
from matjip_demo.rush.owners import Desk, work_the_desk
from matjip_demo.rush.plan import JOURNEYS, Answer, Deck, Journey, RushPlan, arrivals
from matjip_demo.rush.shared import RushState
from matjip_demo.rush.stats import RushStats, Settled
from matjip_demo.sandbox import Card

PROGRESS_EVERY_SECONDS = 5.0
SETTLE_SECONDS = 60.0


class RushError(Exception):
    """The rush cannot start (say, the city has not been seeded)."""


@dataclass
class RushResult:
    stats: RushStats
    settled: Settled
    lines: list[str]

    @property
    def ok(self) -> bool:
        return not self.stats.errors and not self.settled.unsettled


async def _all_stores(anyone: Person) -> list[dict[str, Any]]:
    stores: list[dict[str, Any]] = []
    while True:
        page = await anyone.get("/api/store/stores", params={"limit": 100, "offset": len(stores)}, auth=False)
        stores += page["items"]
        if not page["items"] or len(stores) >= page["total"]:
            return stores


async def _desks(city: City, edge_url: str, credentials: DemoCredentials) -> list[Desk]:
    """The city's stores that are on the platform, each with its owner signed in."""
    owners = {
        spec.key: Person(edge_url, city.email(spec.key), credentials.password(city.email(spec.key)), phone_address(i))
        for i, spec in enumerate(city.owners)
    }
    names = {s.name for s in city.stores}
    listed = [s for s in await _all_stores(next(iter(owners.values()))) if s["name"] in names]
    present = [s for s in city.stores if any(found["name"] == s.name for found in listed)]
    if not present:
        raise RushError(f"none of the stores of {city.name} is on the platform: run ./matjip demo seed first")
    gate = asyncio.Semaphore(4)  # auth hashes passwords: a few at a time

    async def sign_in(owner: Person) -> None:
        async with gate:
            await owner.sign_in()

    await asyncio.gather(*(sign_in(owners[key]) for key in {s.owner for s in present}))
    desks = []
    for store in present:  # a partial city (./matjip demo seed --only ...) has fewer
        owner = owners[store.owner]
        found = next((s for s in listed if s["name"] == store.name and s["owner_id"] == owner.user_id), None)
        if found is None:  # a store of that name, but someone else's
            continue
        delivers_itself = store.kind in ("피자", "치킨")  # these send their own riders
        desks.append(Desk(owner, str(found["id"]), store.name, store.prep_minutes, delivers_itself))
    return desks


def _pick(crowd: list[Shopper], journey: Journey, rng: random.Random) -> Shopper | None:
    card = Card.DECLINED if journey is Journey.DECLINED_CARD else Card.GOOD
    free = [s for s in crowd if not s.busy and s.card is card]
    return rng.choice(free) if free else None


async def _settle(rush: RushState, *, manual_store_id: str | None) -> Settled:
    """Look at every order of the rush: final, or waiting at an owner who chose not to answer."""
    settled = Settled()
    pending = dict(rush.orders)
    deadline = time.monotonic() + SETTLE_SECONDS
    while pending:
        for order_id, person in list(pending.items()):
            order = await person.get(f"/api/order/orders/{order_id}")
            status = order["status"]
            rush.stats.saw(order_id, status)
            if status == "COMPLETED":
                settled.final["completed"] += 1
            elif status == "CANCELLED":
                settled.final[f"cancelled: {order['cancel_reason']}"] += 1
            elif status == "AWAITING_STORE" and (
                rush.answers.get(order_id) is Answer.NO_ANSWER or order["store_id"] == manual_store_id
            ):
                settled.waiting += 1
            elif time.monotonic() > deadline:
                settled.unsettled.append(f"{order_id}: still {status} {SETTLE_SECONDS:.0f}s after the rush")
            else:
                continue
            del pending[order_id]
        if pending:
            await asyncio.sleep(1.0)
    return settled


async def run_rush(
    city: City,
    edge_url: str,
    credentials: DemoCredentials,
    plan: RushPlan,
    *,
    out: Callable[[str], None] = print,
    manual_store: str | None = None,
) -> RushResult:
    """Run one rush against the platform at `edge_url`. `manual_store` (a store key) gets customers but no
    simulated owner: a person runs it in the app."""
    rng = random.Random(plan.seed)
    rush = RushState(plan, rng)
    desks = await _desks(city, edge_url, credentials)
    manual_store_id = None
    if manual_store is not None:
        manual = city.store(manual_store).name
        manual_store_id = next(d.store_id for d in desks if d.store_name == manual)
        desks = [d for d in desks if d.store_id != manual_store_id]
    crowd = crowd_of(city, edge_url, credentials, plan.crowd_size(), rng)
    out(f"bringing in {len(crowd)} customers ({sum(s.card is Card.DECLINED for s in crowd)} with a card that "
        f"will be declined) and {len(desks)} owners ...")
    await bring_in(crowd)
    stop = asyncio.Event()
    owners = [asyncio.create_task(work_the_desk(rush, desk, stop)) for desk in desks]
    visits: set[asyncio.Task[None]] = set()
    journeys = Deck(JOURNEYS, rng)
    rush.started = started = time.monotonic()

    async def report_progress() -> None:
        while True:
            await asyncio.sleep(PROGRESS_EVERY_SECONDS)
            out(rush.stats.progress_line(time.monotonic() - started, time.monotonic()))

    progress = asyncio.create_task(report_progress())
    out(f"rush: {plan.rate:g} customers/s for {plan.minutes:g} min (Ctrl-C stops it early) ...")
    try:
        for gap in arrivals(plan.rate, rng):
            await asyncio.sleep(gap)
            if time.monotonic() - started >= plan.seconds:
                break
            journey = journeys.draw()
            shopper = _pick(crowd, journey, rng)
            if shopper is None:  # everyone is busy: the rate outruns the crowd
                rush.stats.skipped += 1
                continue
            shopper.busy = True
            task = asyncio.create_task(visit(rush, shopper, journey))
            visits.add(task)
            task.add_done_callback(visits.discard)
        out(f"no new customers; waiting up to {plan.drain_seconds:.0f}s for {len(visits)} visits to end ...")
        if visits:
            _, late = await asyncio.wait(set(visits), timeout=plan.drain_seconds)
            for task in late:
                task.cancel()
        settled = await _settle(rush, manual_store_id=manual_store_id)
    finally:
        stop.set()
        progress.cancel()
        for task in visits:
            task.cancel()
        await asyncio.gather(*owners, *visits, progress, return_exceptions=True)
        for shopper in crowd:
            await shopper.person.close()
        for desk in desks:
            await desk.owner.close()
    lines = rush.stats.summary_lines(settled, minutes=plan.minutes, stores=len(desks), crowd=len(crowd))
    return RushResult(rush.stats, settled, lines)
