"""Browsing and changing stores: open-now and delivery filters, pagination, hours, validation."""

import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from matjip_store.domain.store import Store
from matjip_store.repository import stores as repo

from .harness import ALWAYS_OPEN, SEOUL_CITY_HALL, Caller, StoreUnderTest, problem

NAMSAN = (37.5512, 126.9882)  # ~1.9 km from City Hall
GANGNAM = (37.4979, 127.0276)  # ~8.8 km from City Hall


async def listed(store: StoreUnderTest, query: str) -> dict[str, Any]:
    response = await store.client.get(f"/api/store/stores?{query}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_open_now_lists_exactly_the_stores_taking_orders(store: StoreUnderTest, owner: Caller) -> None:
    always = await store.create_store(owner, name="Always")
    no_hours = await store.create_store(owner, name="No hours", opening_hours=[])
    paused = await store.create_store(owner, name="Paused", accepting_orders=False)
    assert always["open_now"] and not no_hours["open_now"] and not paused["open_now"]

    everything = await listed(store, f"owner_id={owner.user_id}")
    assert everything["total"] == 3
    open_now = await listed(store, f"owner_id={owner.user_id}&open_now=true")
    assert [s["name"] for s in open_now["items"]] == ["Always"]
    assert open_now["total"] == 1


async def test_the_database_filter_agrees_with_the_domain_at_every_moment(store: StoreUnderTest, owner: Caller) -> None:
    """The open-now filter runs in SQL (to paginate); the domain decides reservations. They must agree,
    on windows past midnight, in timezones east and west of UTC, with half-hour offsets and DST."""
    shapes: list[tuple[str, list[dict[str, Any]]]] = [
        (
            "Asia/Seoul",
            [{"weekday": 4, "opens": "22:00", "closes": "02:00"}, {"weekday": 0, "opens": "11:00", "closes": "15:00"}],
        ),
        ("America/Los_Angeles", [{"weekday": 6, "opens": "20:00", "closes": "03:00"}]),
        (
            "Europe/Berlin",
            [{"weekday": 1, "opens": "00:00", "closes": "00:00"}, {"weekday": 2, "opens": "09:30", "closes": "09:45"}],
        ),
        ("Asia/Kolkata", [{"weekday": d, "opens": "23:30", "closes": "00:30"} for d in range(7)]),
        ("Pacific/Auckland", [{"weekday": 0, "opens": "06:00", "closes": "05:59"}]),
    ]
    for zone, hours in shapes:
        await store.create_store(owner, timezone=zone, opening_hours=hours)
    async with store.service.runtime.db.transaction() as conn:
        mine, _ = await repo.list_stores(conn, repo.StoreFilter(owner_id=owner.user_id), limit=100, offset=0)
        # Every 41 minutes for a week (with Berlin's change to summer time), plus the exact minutes around
        # every window's edges.
        start = datetime(2025, 3, 26, 0, 0, tzinfo=UTC)
        instants = [start + timedelta(minutes=41 * n) for n in range(7 * 24 * 60 // 41)]
        instants += edges(mine, datetime(2025, 6, 2, tzinfo=UTC))
        disagreements = []
        for instant in instants:
            found, _ = await repo.list_stores(
                conn, repo.StoreFilter(owner_id=owner.user_id, open_at=instant), limit=100, offset=0
            )
            expected = {s.store_id for s in mine if s.takes_orders_at(instant)}
            if {s.store_id for s in found} != expected:
                disagreements.append(instant)
    assert not disagreements
    assert any(s.takes_orders_at(i) for s in mine for i in instants)  # the grid did see open stores


def edges(stores: list[Store], week_start: datetime) -> list[datetime]:
    """For each window: a minute before opening, opening, a minute before closing, closing."""
    from zoneinfo import ZoneInfo

    found = []
    for s in stores:
        zone = ZoneInfo(s.timezone)
        for w in s.opening_hours:
            day = week_start.astimezone(zone).date() + timedelta(days=(w.weekday - week_start.weekday()) % 7)
            for at, shift in ((w.opens, 0), (w.closes, 1 if w.passes_midnight else 0)):
                moment = datetime.combine(day + timedelta(days=shift), at, tzinfo=zone)
                found += [moment - timedelta(minutes=1), moment]
    return found


async def test_delivers_to_filters_by_the_delivery_circle(store: StoreUnderTest, owner: Caller) -> None:
    await store.create_store(owner, name="City Hall")
    near = await listed(store, f"owner_id={owner.user_id}&lat={NAMSAN[0]}&lng={NAMSAN[1]}")
    assert [s["name"] for s in near["items"]] == ["City Hall"]
    far = await listed(store, f"owner_id={owner.user_id}&lat={GANGNAM[0]}&lng={GANGNAM[1]}")
    assert far["items"] == []
    half = await store.client.get(f"/api/store/stores?lat={NAMSAN[0]}")
    assert problem(half, 422, "validation_failed")["errors"][0]["field"] == "lng"


async def test_search_by_name_matches_any_part_of_it_ignoring_case(store: StoreUnderTest, owner: Caller) -> None:
    for name in ("Hongdae Tteokbokki", "Tteok 100%", "Sinchon Kimbap", "엽기떡볶이 홍대점"):
        await store.create_store(owner, name=name)
    tteok = await listed(store, f"owner_id={owner.user_id}&q=TTEOK")
    assert [s["name"] for s in tteok["items"]] == ["Hongdae Tteokbokki", "Tteok 100%"]
    assert tteok["total"] == 2
    korean = await listed(store, f"owner_id={owner.user_id}&q=%EB%96%A1%EB%B3%B6%EC%9D%B4")  # 떡볶이
    assert [s["name"] for s in korean["items"]] == ["엽기떡볶이 홍대점"]
    # LIKE's wildcards are matched as themselves, not as patterns.
    percent = await listed(store, f"owner_id={owner.user_id}&q=%25")
    assert [s["name"] for s in percent["items"]] == ["Tteok 100%"]
    problem(await store.client.get("/api/store/stores?q="), 422, "validation_failed")


async def test_stores_are_paginated(store: StoreUnderTest, owner: Caller) -> None:
    names = [f"Branch {n}" for n in range(5)]
    for name in names:
        await store.create_store(owner, name=name)
    pages = [await listed(store, f"owner_id={owner.user_id}&limit=2&offset={offset}") for offset in (0, 2, 4)]
    assert [p["total"] for p in pages] == [5, 5, 5]
    assert [s["name"] for p in pages for s in p["items"]] == names
    problem(await store.client.get("/api/store/stores?limit=0"), 422, "validation_failed")
    problem(await store.client.get("/api/store/stores?limit=101"), 422, "validation_failed")
    problem(await store.client.get(f"/api/store/stores/{uuid.uuid4()}"), 404, "store_not_found")


async def test_new_hours_publish_a_new_revision(store: StoreUnderTest, owner: Caller) -> None:
    shop = await store.create_store(owner)
    hours = {"opening_hours": [{"weekday": 4, "opens": "22:00", "closes": "02:00"}]}
    response = await store.client.put(
        f"/api/store/stores/{shop['id']}/opening-hours", json=hours, headers=owner.headers
    )
    assert response.status_code == 200, response.text
    assert response.json()["opening_hours"] == [{"weekday": 4, "opens": "22:00:00", "closes": "02:00:00"}]
    [snapshot] = await store.events.wait_for("store.store-updated", store_id=shop["id"], revision=2)
    assert snapshot.payload["opening_hours"] == [{"weekday": 4, "opens": "22:00:00", "closes": "02:00:00"}]

    # The same hours again, or a PATCH that changes nothing: no new revision, no event.
    again = await store.client.put(f"/api/store/stores/{shop['id']}/opening-hours", json=hours, headers=owner.headers)
    same = await store.client.patch(
        f"/api/store/stores/{shop['id']}", json={"name": shop["name"]}, headers=owner.headers
    )
    assert again.json()["revision"] == 2 and same.json()["revision"] == 2
    assert await store.outbox_count(shop["id"], ["store.store-updated"]) == 2


async def test_bad_input_is_a_422_naming_the_field_and_writes_nothing(store: StoreUnderTest, owner: Caller) -> None:
    area = {"lat": 37.5, "lng": 127.0, "radius_m": 1000}

    async def refused(body: dict[str, Any]) -> list[str]:
        response = await store.client.post("/api/store/stores", json=body, headers=owner.headers)
        return [e["field"] for e in problem(response, 422, "validation_failed")["errors"]]

    assert await refused({"name": "x", "delivery_area": area, "timezone": "Asia/Busan"}) == ["timezone"]
    assert await refused({"name": "", "delivery_area": area}) == ["name"]
    assert await refused({"name": "x"}) == ["delivery_area"]
    assert await refused({"name": "x", "delivery_area": {**area, "radius_m": 0}}) == ["delivery_area.radius_m"]
    assert await refused({"name": "x", "delivery_area": area, "owner": "me"}) == ["owner"]
    assert await refused(
        {"name": "x", "delivery_area": area, "opening_hours": [{"weekday": 7, "opens": "09:00", "closes": "10:00"}]}
    ) == ["opening_hours[0].weekday"]
    duplicate = [
        {"weekday": 1, "opens": "09:00", "closes": "10:00"},
        {"weekday": 1, "opens": "09:00", "closes": "11:00"},
    ]
    assert await refused({"name": "x", "delivery_area": area, "opening_hours": duplicate}) == ["opening_hours"]
    # A name reading differently from what it holds (a right-to-left override, a zero-width space) is refused,
    # and so is a NUL, which PostgreSQL cannot store.
    assert await refused({"name": "Kimbap \u202eyrots", "delivery_area": area}) == ["name"]
    assert await refused({"name": "Kim\u200bbap", "delivery_area": area}) == ["name"]
    assert await refused({"name": "Kim\x00bap", "delivery_area": area}) == ["name"]
    assert (await listed(store, f"owner_id={owner.user_id}"))["total"] == 0
    chef = "Chef \U0001f469\u200d\U0001f373"  # a joiner between two emoji is how 👩‍🍳 is written: no trick
    assert (await store.create_store(owner, name=chef))["name"] == chef

    shop = await store.create_store(owner)
    path = f"/api/store/stores/{shop['id']}"
    for body, field in [
        ({"name": None}, "name"),
        ({"timezone": "Seoul"}, "timezone"),
        ({"accepting_orders": "maybe"}, "accepting_orders"),
        ({"revision": 99}, "revision"),
        ({"auto_accept_prep_minutes": 0}, "auto_accept_prep_minutes"),
    ]:
        response = await store.client.patch(path, json=body, headers=owner.headers)
        assert [e["field"] for e in problem(response, 422, "validation_failed")["errors"]] == [field], body
    assert (await store.client.get(path)).json()["revision"] == 1


async def test_switching_orders_off_and_on(store: StoreUnderTest, owner: Caller) -> None:
    shop = await store.create_store(owner, opening_hours=ALWAYS_OPEN)
    off = await store.client.patch(
        f"/api/store/stores/{shop['id']}", json={"accepting_orders": False}, headers=owner.headers
    )
    assert off.json()["open_now"] is False
    on = await store.client.patch(
        f"/api/store/stores/{shop['id']}", json={"accepting_orders": True}, headers=owner.headers
    )
    assert on.json()["open_now"] is True
    snapshots = await store.events.wait_for("store.store-updated", count=3, store_id=shop["id"])
    assert [(s.payload["revision"], s.payload["accepting_orders"]) for s in snapshots] == [
        (1, True),
        (2, False),
        (3, True),
    ]


async def test_opening_hours_are_documented_as_the_local_times_they_are_answered_as(
    store: StoreUnderTest, owner: Caller
) -> None:
    """Hours are wall-clock times of the store's timezone, answered without an offset ("11:00:00"): the
    document says so with a pattern, not with the `time` format (RFC 3339's full-time needs an offset)."""
    created = await store.create_store(owner, opening_hours=[{"weekday": 0, "opens": "11:00", "closes": "22:30:15"}])
    answered = (await store.client.get(f"/api/store/stores/{created['id']}")).json()["opening_hours"][0]
    assert (answered["opens"], answered["closes"]) == ("11:00:00", "22:30:15")

    document = (await store.client.get("/api/store/openapi.json")).json()
    window = document["components"]["schemas"]["OpeningWindowBody"]["properties"]
    for field in ("opens", "closes"):
        assert "format" not in window[field], window[field]
        assert re.fullmatch(window[field]["pattern"], answered[field])
        assert re.fullmatch(window[field]["pattern"], "11:00")  # what a client may send
        assert not re.fullmatch(window[field]["pattern"], "11:00:00+09:00")  # refused: the store's zone applies
    offset = await store.client.post("/api/store/stores", headers=owner.headers, json={
        "name": "Offset", "timezone": "Asia/Seoul", "delivery_area": SEOUL_CITY_HALL,
        "opening_hours": [{"weekday": 0, "opens": "11:00:00+09:00", "closes": "22:00"}],
    })
    assert offset.status_code == 422, offset.text
    assert [e["field"] for e in offset.json()["errors"]] == ["opening_hours[0].opens"], offset.text
