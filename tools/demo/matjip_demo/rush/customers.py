"""A simulated customer's visit: look for an open store that delivers home, read its menu (and sometimes
its reviews, or ask the ai about it), fill a cart, check out, then watch the order until it arrives,
cancelling or tapping twice when the journey says so."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

from matjip_demo.client import ApiError, Person
from matjip_demo.rush.crowd import Shopper
from matjip_demo.rush.plan import QUESTION_SHARE, QUESTIONS, REVIEW_SHARE, SHORT_REVIEWS, Journey
from matjip_demo.rush.shared import RushState

FINAL = frozenset({"COMPLETED", "CANCELLED"})


async def _choose_store(rush: RushState, shopper: Shopper, skip: frozenset[str]) -> dict[str, Any] | None:
    params = {"open_now": "true", "lat": shopper.at.lat, "lng": shopper.at.lng, "limit": 100}
    page = await shopper.person.get("/api/store/stores", params=params, auth=False)
    stores = [s for s in page["items"] if s["id"] not in skip]
    if not stores:
        return None
    # Well-reviewed stores draw more customers, as they do in any delivery app.
    weights = [1.0 + s["rating"]["count"] / 4 for s in stores]
    return rush.rng.choices(stores, weights)[0]  # type: ignore[no-any-return]


async def _browse(rush: RushState, person: Person, store: dict[str, Any]) -> list[dict[str, Any]]:
    """Read the menu like a person (reviews now and then, a question to the ai rarely); the dishes on sale."""
    menu = await person.get(f"/api/store/stores/{store['id']}/menu", auth=False)
    if rush.rng.random() < 0.4:
        await person.get(f"/api/store/stores/{store['id']}/reviews", params={"limit": 10}, auth=False)
    if rush.rng.random() < QUESTION_SHARE:
        question = rush.rng.choice(QUESTIONS)
        await person.post(f"/api/ai/stores/{store['id']}/questions", {"question": question})
        rush.stats.questions += 1
    items = [i for section in menu["categories"] for i in section["items"]] + menu["uncategorized"]
    return [i for i in items if not i["sold_out"]]


async def _fill_cart(rush: RushState, person: Person, dishes: list[dict[str, Any]]) -> dict[str, Any]:
    chosen = rush.rng.sample(dishes, k=min(len(dishes), rush.rng.choice((1, 1, 2, 2, 3))))
    cart: dict[str, Any] = {}
    for position, dish in enumerate(chosen):
        options = [rush.rng.choice(dish["options"])["option_id"]] if dish["options"] and rush.rng.random() < 0.4 else []
        body = {"quantity": rush.rng.choice((1, 1, 1, 2)), "option_ids": options}
        # The first dish starts a new cart, whatever a previous visit left in it.
        params = {"replace": "true"} if position == 0 else None
        cart = (await person.call("PUT", f"/api/order/cart/items/{dish['id']}", json=body, params=params)).json()
        await rush.human(0.5, 3.0)
    if len(chosen) > 1 and rush.rng.random() < 0.15:  # second thoughts about one dish
        cart = (await person.call("DELETE", f"/api/order/cart/items/{chosen[-1]['id']}")).json()
    return cart


async def _check_out(rush: RushState, shopper: Shopper, journey: Journey) -> dict[str, Any]:
    person = shopper.person
    headers = {"Idempotency-Key": f"rush-{uuid.uuid4().hex}"}
    started = time.monotonic()
    if journey is not Journey.DOUBLE_TAP:
        order: dict[str, Any] = (await person.call("POST", "/api/order/orders", headers=headers)).json()
    else:
        first, second = await asyncio.gather(
            person.call("POST", "/api/order/orders", headers=headers, ok=(200, 201)),
            person.call("POST", "/api/order/orders", headers=headers, ok=(200, 201)),
        )
        order = first.json()
        rush.stats.double_taps += 1
        statuses = sorted((first.status_code, second.status_code))
        if second.json()["order_id"] != order["order_id"] or statuses != [200, 201]:
            rush.stats.error("double tap", f"{shopper.person.email}: two taps gave {first.status_code} "
                             f"{order['order_id']} and {second.status_code} {second.json()['order_id']}")
    rush.stats.placed(order["order_id"], order["status"], time.monotonic() - started, time.monotonic())
    rush.orders[order["order_id"]] = person
    return order


async def _follow(rush: RushState, person: Person, order_id: str, *, cancel: bool) -> dict[str, Any]:
    """Watch the order like an app does, until it ends or stops moving for a while (the person gives up)."""
    if cancel:
        await rush.human(1.0, 6.0)
        try:
            await person.post(f"/api/order/orders/{order_id}/cancel")
        except ApiError as exc:
            if exc.code != "order_not_cancellable":
                raise
            rush.stats.refused(exc.code)  # the owner was quicker
    last, since = "", time.monotonic()
    while True:
        order: dict[str, Any] = await person.get(f"/api/order/orders/{order_id}")
        rush.stats.saw(order_id, order["status"])
        if order["status"] in FINAL:
            return order
        if order["status"] != last:
            last, since = order["status"], time.monotonic()
        elif time.monotonic() - since > rush.plan.follow_seconds:
            return order
        await rush.human(2.0, 5.0)


async def _review(rush: RushState, person: Person, order: dict[str, Any]) -> None:
    rating, text = rush.rng.choice(SHORT_REVIEWS)
    body = {"order_id": order["order_id"], "rating": rating, "text": text,
            "menu_item_ids": [line["menu_item_id"] for line in order["lines"]][:1]}
    for _ in range(10):  # store learns of the completion from order's event, a moment later
        response = await person.call("POST", f"/api/store/stores/{order['store_id']}/reviews", json=body,
                                     ok=(201, 403))
        if response.status_code == 201:
            rush.stats.reviews += 1
            return
        await asyncio.sleep(1.0)
    raise ApiError(response)


async def visit(rush: RushState, shopper: Shopper, journey: Journey) -> None:
    """One customer's whole visit; refusals and errors are counted, never raised."""
    person = shopper.person
    rush.stats.journeys[journey] += 1

    async def go() -> None:
        store = await _choose_store(rush, shopper, frozenset())
        if store is None:
            rush.stats.refused("no_store_open")
            return
        dishes = await _browse(rush, person, store)
        if not dishes:
            rush.stats.refused("all_sold_out")
            return
        await rush.human(1.0, 6.0)
        cart = await _fill_cart(rush, person, dishes)
        if journey is Journey.ABANDON:
            rush.stats.abandoned += 1
            return
        if not cart.get("can_check_out"):
            problems = [line["problem"] for line in cart["lines"] if line["problem"]]
            rush.stats.refused(problems[0] if problems else "store_closed")
            return
        order = await _check_out(rush, shopper, journey)
        order = await _follow(rush, person, order["order_id"], cancel=journey is Journey.CANCEL)
        if order["status"] == "COMPLETED" and rush.rng.random() < REVIEW_SHARE:
            await _review(rush, person, order)

    try:
        await rush.guarded(person.email, go)
    finally:
        rush.stats.rate_limited += person.rate_limited
        person.rate_limited = 0
        shopper.busy = False
