"""The city's stores through store's API: each found by its owner and name, created or brought back to the
data (details, opening hours, categories, dishes); then order's read model is awaited until it sells them.

Stock is set when a dish is created and never again: orders have sold some of it since, and a second
seeding must not undo what customers did.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import time
from typing import Any

from matjip_demo.city import Dish, Store, Window
from matjip_demo.client import Person, eventually
from matjip_demo.seed.report import SeedReport

TIMEZONE = "Asia/Seoul"
ALWAYS_OPEN = [Window(day, time(0, 0), time(0, 0)) for day in range(7)]


@dataclass
class SeededStore:
    spec: Store
    store_id: str
    owner: Person
    dish_ids: dict[str, str]


def store_details(store: Store) -> dict[str, Any]:
    return {
        "description": store.description,
        "address": store.address,
        "timezone": TIMEZONE,
        "delivery_area": {"lat": store.at.lat, "lng": store.at.lng, "radius_m": store.radius_m},
        "accepting_orders": True,
        "auto_accept": False,
    }


def hours_json(windows: list[Window]) -> list[dict[str, object]]:
    return [w.as_json() for w in windows]


def windows_of(api_hours: list[dict[str, Any]]) -> list[Window]:
    return sorted(
        Window(int(h["weekday"]), time.fromisoformat(h["opens"]), time.fromisoformat(h["closes"])) for h in api_hours
    )


def dish_body(dish: Dish, category_id: str, position: int) -> dict[str, Any]:
    return {
        "name": dish.name,
        "description": dish.description,
        "price": dish.price,
        "options": [{"name": o.name, "extra_price": o.extra_price} for o in dish.options],
        "category_id": category_id,
        "position": position,
    }


def dish_changes(dish: Dish, category_id: str, position: int, found: dict[str, Any]) -> dict[str, Any]:
    """The PATCH that brings `found` (store's view of the item) back to the data; empty when it matches."""
    changes: dict[str, Any] = {}
    for name, want in (("description", dish.description), ("price", dish.price), ("position", position),
                       ("category_id", category_id)):
        if found[name] != want:
            changes[name] = want
    have = [(o["name"], o["extra_price"]) for o in found["options"]]
    if have != [(o.name, o.extra_price) for o in dish.options]:
        ids = {o["name"]: o["option_id"] for o in found["options"]}
        changes["options"] = [
            {"name": o.name, "extra_price": o.extra_price, **({"option_id": ids[o.name]} if o.name in ids else {})}
            for o in dish.options
        ]
    return changes


async def _find_store(owner: Person, store: Store) -> dict[str, Any] | None:
    page = await owner.get("/api/store/stores", params={"owner_id": owner.user_id, "limit": 100})
    return next((s for s in page["items"] if s["name"] == store.name), None)


async def _ensure_details(owner: Person, store: Store, report: SeedReport) -> dict[str, Any]:
    found = await _find_store(owner, store)
    if found is None:
        body = {"name": store.name, **store_details(store), "opening_hours": hours_json(store.windows())}
        report.change("stores")
        created: dict[str, Any] = await owner.post("/api/store/stores", body)
        return created
    wanted = store_details(store)
    changes = {name: value for name, value in wanted.items() if found[name] != value}
    if changes:
        found = await owner.patch(f"/api/store/stores/{found['id']}", changes)
        report.change("stores")
    else:
        report.found("stores")
    if windows_of(found["opening_hours"]) != store.windows():
        # Also where an interrupted seeding left its stores open all day (see reviews.opened_for_seeding).
        await set_hours(owner, found["id"], store.windows())
        report.change("opening hours")
    else:
        report.found("opening hours")
    return found


async def set_hours(owner: Person, store_id: str, windows: list[Window]) -> None:
    await owner.put(f"/api/store/stores/{store_id}/opening-hours", {"opening_hours": hours_json(windows)})


async def _ensure_categories(owner: Person, store_id: str, store: Store, report: SeedReport) -> dict[str, str]:
    found = {c["name"]: c for c in await owner.get(f"/api/store/stores/{store_id}/categories")}
    ids: dict[str, str] = {}
    for position, section in enumerate(store.menu):
        category = found.get(section.category)
        if category is None:
            body = {"name": section.category, "position": position}
            category = await owner.post(f"/api/store/stores/{store_id}/categories", body)
            report.change("categories")
        elif category["position"] != position:
            category = await owner.patch(
                f"/api/store/stores/{store_id}/categories/{category['id']}", {"position": position}
            )
            report.change("categories")
        else:
            report.found("categories")
        ids[section.category] = str(category["id"])
    return ids


async def _ensure_dishes(
    owner: Person, store_id: str, store: Store, category_ids: dict[str, str], report: SeedReport
) -> dict[str, str]:
    menu = await owner.get(f"/api/store/stores/{store_id}/menu")
    found = {i["name"]: i for section in menu["categories"] for i in section["items"]}
    found |= {i["name"]: i for i in menu["uncategorized"]}
    ids: dict[str, str] = {}
    for section in store.menu:
        category_id = category_ids[section.category]
        for position, dish in enumerate(section.dishes):
            item = found.get(dish.name)
            path = f"/api/store/stores/{store_id}/menu-items"
            if item is None:
                body = {**dish_body(dish, category_id, position), "stock_quantity": dish.stock}
                item = await owner.post(path, body)
                report.change("dishes")
            elif changes := dish_changes(dish, category_id, position, item):
                item = await owner.patch(f"{path}/{item['id']}", changes)
                report.change("dishes")
            else:
                report.found("dishes")
            ids[dish.name] = str(item["id"])
    return ids


async def seed_store(owner: Person, store: Store, report: SeedReport) -> SeededStore:
    found = await _ensure_details(owner, store, report)
    store_id = str(found["id"])
    category_ids = await _ensure_categories(owner, store_id, store, report)
    dish_ids = await _ensure_dishes(owner, store_id, store, category_ids, report)
    return SeededStore(store, store_id, owner, dish_ids)


async def order_sells(seeded: SeededStore, *, open_now: bool = False) -> bool:
    """Whether order's read model (fed by store's events) has every dish at its price (and, if asked, is open)."""
    response = await seeded.owner.call("GET", f"/api/order/stores/{seeded.store_id}/menu", ok=(200, 404), auth=False)
    if response.status_code == 404:
        return False
    menu = response.json()
    prices = {i["menu_item_id"]: i["price"] for i in menu["items"]}
    wanted = {seeded.dish_ids[d.name]: d.price for d in seeded.spec.dishes()}
    return all(prices.get(i) == p for i, p in wanted.items()) and (menu["store"]["open_now"] or not open_now)


async def wait_until_order_sells(seeded: SeededStore, *, open_now: bool = False, timeout: float = 120.0) -> None:
    async def sells() -> bool:
        return await order_sells(seeded, open_now=open_now)

    await eventually(f"order to sell the menu of {seeded.spec.name}", sells, timeout=timeout)


async def seed_stores(
    stores: list[Store], owners: dict[str, Person], report: SeedReport, *, concurrency: int = 4
) -> dict[str, SeededStore]:
    """Every store brought to the data; returns them by key once order's read model sells them."""
    gate = asyncio.Semaphore(concurrency)

    async def one(store: Store) -> SeededStore:
        async with gate:
            return await seed_store(owners[store.owner], store, report)

    seeded = await asyncio.gather(*(one(s) for s in stores))
    await asyncio.gather(*(wait_until_order_sells(s) for s in seeded))
    return {s.spec.key: s for s in seeded}
