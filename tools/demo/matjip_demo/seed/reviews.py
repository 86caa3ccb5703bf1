"""Reviews exist only for completed orders, so each review of the city is written the way a person would:
the reviewer orders its dishes, the owner accepts, cooks and hands the order over in the inbox, the order
saga completes it, and then the review is posted.

Seeding again finds a review by its text and leaves it be. An order is placed with an Idempotency-Key
made from the review, so a run that was interrupted picks its orders up again instead of placing new ones.
A store that is closed right now is opened all day while its reviews are written, then given its hours back.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable

from matjip_demo.city import Review
from matjip_demo.client import ApiError, Person, eventually
from matjip_demo.seed.report import SeedError, SeedReport
from matjip_demo.seed.stores import ALWAYS_OPEN, SeededStore, set_hours, wait_until_order_sells

ATTEMPTS = 3  # an order can be cancelled under us (say, the acceptance window passed while interrupted)
FINAL = frozenset({"COMPLETED", "CANCELLED"})
# The owner's next step in the inbox for each state of an order there (none: wait for the saga).
NEXT_STEP = {"PENDING": "accept", "ACCEPTED": "preparing", "PREPARING": "ready", "READY": "picked-up"}


async def existing_review_texts(anyone: Person, store_id: str) -> set[str]:
    texts: set[str] = set()
    offset = 0
    while True:
        page = await anyone.get(f"/api/store/stores/{store_id}/reviews", params={"limit": 100, "offset": offset},
                                auth=False)
        texts |= {r["text"] for r in page["items"]}
        offset += len(page["items"])
        if not page["items"] or offset >= page["total"]:
            return texts


async def _owner_moves_on(owner: Person, store_id: str, order_id: str, prep_minutes: int) -> bool:
    """One step of the owner in the inbox; False when there is nothing to do yet."""
    path = f"/api/store/stores/{store_id}/orders/{order_id}"
    response = await owner.call("GET", path, ok=(200, 404))
    if response.status_code == 404:  # store has not received RequestStoreAcceptance yet
        return False
    step = NEXT_STEP.get(response.json()["status"])
    if step is None:
        return False
    body = {"prep_minutes": prep_minutes} if step == "accept" else None
    try:
        await owner.post(f"{path}/{step}", body)
    except ApiError as exc:
        if exc.code != "inbox_transition_refused":  # someone moved it meanwhile: look again
            raise
    return True


async def walk_to_the_end(customer: Person, seeded: SeededStore, order_id: str, *, timeout: float = 300.0) -> str:
    """Drive one order through the owner's inbox until the saga says it is over; returns its final status."""
    deadline = time.monotonic() + timeout
    delay = 0.3
    while time.monotonic() < deadline:
        order = await customer.get(f"/api/order/orders/{order_id}")
        if order["status"] in FINAL:
            return str(order["status"])
        moved = order["status"] not in ("PLACED", "STOCK_RESERVED") and await _owner_moves_on(
            seeded.owner, seeded.store_id, order_id, seeded.spec.prep_minutes
        )
        if moved:
            delay = 0.3
        else:
            await asyncio.sleep(delay)
            delay = min(1.5, delay * 1.5)
    raise TimeoutError(f"order {order_id} at {seeded.spec.name} did not finish within {timeout:.0f}s")


async def _completed_order(customer: Person, seeded: SeededStore, review: Review, report: SeedReport) -> str:
    lines = [{"menu_item_id": seeded.dish_ids[name], "quantity": 1} for name in review.dishes]
    body = {"store_id": seeded.store_id, "lines": lines}
    for attempt in range(1, ATTEMPTS + 1):
        key = f"seed-{seeded.spec.review_key(review)}-{attempt}"
        order = (await customer.call("POST", "/api/order/orders", json=body, headers={"Idempotency-Key": key})).json()
        status = await walk_to_the_end(customer, seeded, str(order["order_id"]))
        if status == "COMPLETED":
            report.orders_completed += 1
            return str(order["order_id"])
    raise SeedError(f"{ATTEMPTS} orders for a review of {seeded.spec.name} were cancelled; see ./matjip logs order")


async def write_review(customer: Person, seeded: SeededStore, review: Review, report: SeedReport) -> None:
    order_id = await _completed_order(customer, seeded, review, report)
    body = {
        "order_id": order_id,
        "rating": review.rating,
        "text": review.text,
        "menu_item_ids": [seeded.dish_ids[name] for name in review.dishes],
    }

    async def posted() -> bool:
        # store learns that the order completed from order's event: until then it refuses the review.
        response = await customer.call("POST", f"/api/store/stores/{seeded.store_id}/reviews", json=body,
                                       ok=(201, 403, 409))
        if response.status_code == 403 and response.json().get("code") != "review_not_allowed":
            raise ApiError(response)
        return response.status_code in (201, 409)  # 409: this order's review is already there

    await eventually(f"store to take the review of order {order_id}", posted)
    report.change("reviews")


@contextlib.asynccontextmanager
async def opened_for_seeding(stores: list[SeededStore]) -> AsyncIterator[None]:
    """Open the stores that are closed now for the length of the block, then give them their hours back."""
    closed: list[SeededStore] = []
    for seeded in stores:
        store = await seeded.owner.get(f"/api/store/stores/{seeded.store_id}", auth=False)
        if not store["open_now"]:
            closed.append(seeded)
    try:
        for seeded in closed:
            await set_hours(seeded.owner, seeded.store_id, ALWAYS_OPEN)
        await asyncio.gather(*(wait_until_order_sells(s, open_now=True) for s in stores))
        yield
    finally:
        for seeded in closed:
            await set_hours(seeded.owner, seeded.store_id, seeded.spec.windows())


async def seed_reviews(
    stores: dict[str, SeededStore],
    customers: dict[str, Person],
    report: SeedReport,
    *,
    concurrency: int = 12,
    progress: Callable[[str], None] = print,
) -> None:
    """Write every review of the data that is not on its store yet."""
    missing: list[tuple[SeededStore, Review]] = []
    for seeded in stores.values():
        texts = await existing_review_texts(seeded.owner, seeded.store_id)
        for review in seeded.spec.reviews:
            if review.text in texts:
                report.found("reviews")
            else:
                missing.append((seeded, review))
    if not missing:
        return
    # Round-robin over the stores, so owners and the saga's partitions share the work evenly.
    position: dict[str, int] = {}
    ranked = []
    for seeded, review in missing:
        position[seeded.spec.key] = position.get(seeded.spec.key, -1) + 1
        ranked.append((position[seeded.spec.key], seeded, review))
    ranked.sort(key=lambda item: item[0])
    gate = asyncio.Semaphore(concurrency)
    busy = {key: asyncio.Lock() for key in customers}  # one order at a time per reviewer, like a person
    done = 0
    started = time.monotonic()

    async def one(seeded: SeededStore, review: Review) -> None:
        nonlocal done
        async with busy[review.by], gate:
            await write_review(customers[review.by], seeded, review, report)
        done += 1
        if done % 25 == 0 or done == len(ranked):
            rate = done / max(time.monotonic() - started, 0.001)
            progress(f"  reviews: {done}/{len(ranked)} written ({rate:.1f} orders/s)")

    needing = list({id(s): s for _, s, _ in ranked}.values())
    progress(f"  writing {len(ranked)} reviews through as many completed orders ...")
    async with opened_for_seeding(needing):
        await asyncio.gather(*(one(s, r) for _, s, r in ranked))

