"""The owner's menu: categories, items, options, stock, and which edits are news for other services."""

import uuid
from typing import Any

from .harness import Caller, StoreUnderTest, problem


async def test_option_ids_survive_edits_so_carts_keep_pointing_at_them(store: StoreUnderTest, owner: Caller) -> None:
    shop = await store.create_store(owner)
    item = await store.create_item(
        owner, shop["id"], options=[{"name": "Cheese", "extra_price": 1000}, {"name": "Egg", "extra_price": 500}]
    )
    cheese, egg = item["options"]
    path = f"/api/store/stores/{shop['id']}/menu-items/{item['id']}"
    edited = await store.client.patch(
        path,
        json={
            "options": [
                {"option_id": cheese["option_id"], "name": "Cheese", "extra_price": 1500},
                {"name": "Ham", "extra_price": 2000},
            ]
        },
        headers=owner.headers,
    )
    assert edited.status_code == 200, edited.text
    options = edited.json()["options"]
    assert options[0] == {"option_id": cheese["option_id"], "name": "Cheese", "extra_price": 1500}
    assert options[1]["option_id"] not in (cheese["option_id"], egg["option_id"])
    [snapshot] = await store.events.wait_for("store.menu-item-updated", menu_item_id=item["id"], revision=2)
    assert [o["extra_price"] for o in snapshot.payload["options"]] == [1500, 2000]

    unknown = await store.client.patch(
        path,
        json={"options": [{"option_id": str(uuid.uuid4()), "name": "Ghost", "extra_price": 0}]},
        headers=owner.headers,
    )
    assert problem(unknown, 422, "unknown_option")["errors"][0]["field"] == "options[0].option_id"
    assert (await store.item(shop["id"], item["id"]))["revision"] == 2


async def test_stock_counts_are_news_only_when_availability_flips(store: StoreUnderTest, owner: Caller) -> None:
    shop = await store.create_store(owner)
    item = await store.create_item(owner, shop["id"], stock_quantity=5)
    path = f"/api/store/stores/{shop['id']}/menu-items/{item['id']}/stock"

    async def put(body: dict[str, Any]) -> dict[str, Any]:
        response = await store.client.put(path, json=body, headers=owner.headers)
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    assert (await put({"quantity": 3}))["revision"] == 1  # still available: nobody needs to hear
    assert (await put({"quantity": 3, "sold_out": True}))["sold_out"] is True
    assert (await put({"quantity": 0, "sold_out": True}))["revision"] == 2  # still sold out
    restocked = await put({"quantity": None})
    assert restocked["sold_out"] is False and restocked["stock_quantity"] is None and restocked["revision"] == 3
    snapshots = await store.events.wait_for("store.menu-item-updated", count=3, menu_item_id=item["id"])
    assert [s.payload["sold_out"] for s in snapshots] == [False, True, False]

    problem(await store.client.put(path, json={"quantity": -1}, headers=owner.headers), 422, "validation_failed")
    missing = await store.client.put(path, json={"sold_out": True}, headers=owner.headers)
    assert problem(missing, 422, "validation_failed")["errors"][0]["field"] == "quantity"


async def test_items_are_validated(store: StoreUnderTest, owner: Caller) -> None:
    shop = await store.create_store(owner)
    base = f"/api/store/stores/{shop['id']}/menu-items"

    async def fields(body: dict[str, Any]) -> list[str]:
        response = await store.client.post(base, json=body, headers=owner.headers)
        return [e["field"] for e in problem(response, 422, "validation_failed")["errors"]]

    assert await fields({"name": "Kimbap", "price": -100}) == ["price"]
    assert await fields({"name": "Kimbap", "price": 3500.5}) == ["price"]
    # Money and counts are whole numbers, never coerced: `true` is not a 1-won dish, "3500" is not a price.
    assert await fields({"name": "Kimbap", "price": True}) == ["price"]
    assert await fields({"name": "Kimbap", "price": "3500"}) == ["price"]
    assert await fields({"name": "Kimbap", "price": 3500, "stock_quantity": "7"}) == ["stock_quantity"]
    assert await fields({"name": "Kimbap", "price": 3500, "options": [{"name": "Tuna", "extra_price": False}]}) == [
        "options[0].extra_price"
    ]
    assert await fields({"name": "Kimbap", "price": 3500, "stock_quantity": -1}) == ["stock_quantity"]
    assert await fields({"name": "Kimbap", "price": 3500, "options": [{"name": "Tuna", "extra_price": -1}]}) == [
        "options[0].extra_price"
    ]
    twice = [{"name": "Tuna", "extra_price": 1}, {"name": "tuna", "extra_price": 2}]
    assert await fields({"name": "Kimbap", "price": 3500, "options": twice}) == ["options"]
    unknown_category = await store.client.post(
        base, json={"name": "Kimbap", "price": 3500, "category_id": str(uuid.uuid4())}, headers=owner.headers
    )
    assert problem(unknown_category, 422, "unknown_category")["errors"][0]["field"] == "category_id"
    menu = (await store.client.get(f"/api/store/stores/{shop['id']}/menu")).json()
    assert menu["uncategorized"] == [] and menu["categories"] == []
    assert await store.outbox_count(shop["id"], ["store.menu-item-updated"]) == 0


async def test_categories_group_the_menu(store: StoreUnderTest, owner: Caller) -> None:
    shop = await store.create_store(owner)
    base = f"/api/store/stores/{shop['id']}"

    async def category(name: str, position: int) -> str:
        response = await store.client.post(
            f"{base}/categories", json={"name": name, "position": position}, headers=owner.headers
        )
        assert response.status_code == 201, response.text
        category_id: str = response.json()["id"]
        return category_id

    soups, sides = await category("Soups", 2), await category("Sides", 1)
    problem(
        await store.client.post(f"{base}/categories", json={"name": "soups"}, headers=owner.headers),
        409,
        "category_name_taken",
    )
    stew = await store.create_item(owner, shop["id"], name="Kimchi jjigae", category_id=soups)
    await store.create_item(owner, shop["id"], name="Japchae", category_id=sides)
    await store.create_item(owner, shop["id"], name="Soju")

    menu = (await store.client.get(f"{base}/menu")).json()
    assert [(c["name"], [i["name"] for i in c["items"]]) for c in menu["categories"]] == [
        ("Sides", ["Japchae"]),
        ("Soups", ["Kimchi jjigae"]),
    ]
    assert [i["name"] for i in menu["uncategorized"]] == ["Soju"]

    problem(await store.client.delete(f"{base}/categories/{soups}", headers=owner.headers), 409, "category_not_empty")
    moved = await store.client.patch(
        f"{base}/menu-items/{stew['id']}", json={"category_id": None}, headers=owner.headers
    )
    assert moved.status_code == 200 and moved.json()["category_id"] is None
    assert (await store.client.delete(f"{base}/categories/{soups}", headers=owner.headers)).status_code == 204
    renamed = await store.client.patch(f"{base}/categories/{sides}", json={"name": "Banchan"}, headers=owner.headers)
    assert renamed.json()["name"] == "Banchan"
    assert [c["name"] for c in (await store.client.get(f"{base}/categories")).json()] == ["Banchan"]
    problem(
        await store.client.patch(f"{base}/categories/{soups}", json={"name": "x"}, headers=owner.headers),
        404,
        "category_not_found",
    )


async def test_a_removed_item_is_gone_for_everyone(store: StoreUnderTest, owner: Caller) -> None:
    shop = await store.create_store(owner)
    item = await store.create_item(owner, shop["id"])
    path = f"/api/store/stores/{shop['id']}/menu-items/{item['id']}"
    assert (await store.client.delete(path, headers=owner.headers)).status_code == 204
    problem(await store.client.delete(path, headers=owner.headers), 404, "menu_item_not_found")
    problem(await store.client.patch(path, json={"price": 1}, headers=owner.headers), 404, "menu_item_not_found")
    problem(
        await store.client.put(f"{path}/stock", json={"quantity": 1}, headers=owner.headers), 404, "menu_item_not_found"
    )
    assert (await store.client.get(f"/api/store/stores/{shop['id']}/menu")).json()["uncategorized"] == []
