"""An owner builds a store and its menu through the API; the snapshots reach store.events."""

from .harness import Caller, StoreUnderTest, problem


async def test_store_and_menu_snapshots_reach_the_store_events_topic(store: StoreUnderTest, owner: Caller) -> None:
    created = await store.create_store(owner, name="Eulji Myeonok", accepting_orders=True)
    store_id = created["id"]
    assert created["owner_id"] == str(owner.user_id)
    assert created["revision"] == 1

    [snapshot] = await store.events.wait_for("store.store-updated", store_id=store_id, revision=1)
    assert snapshot.key == store_id
    assert snapshot.payload["name"] == "Eulji Myeonok"
    assert snapshot.payload["owner_id"] == str(owner.user_id)
    assert len(snapshot.payload["opening_hours"]) == 7

    response = await store.client.patch(
        f"/api/store/stores/{store_id}", json={"accepting_orders": False}, headers=owner.headers
    )
    assert response.status_code == 200, response.text
    assert response.json()["revision"] == 2
    [closed] = await store.events.wait_for("store.store-updated", store_id=store_id, revision=2)
    assert closed.payload["accepting_orders"] is False

    category = await store.client.post(
        f"/api/store/stores/{store_id}/categories", json={"name": "Noodles"}, headers=owner.headers
    )
    assert category.status_code == 201, category.text
    item = await store.create_item(
        owner,
        store_id,
        name="Pyongyang naengmyeon",
        price=16000,
        category_id=category.json()["id"],
        options=[{"name": "Extra noodles", "extra_price": 3000}],
        stock_quantity=2,
    )
    [item_snapshot] = await store.events.wait_for("store.menu-item-updated", menu_item_id=item["id"], revision=1)
    assert item_snapshot.key == store_id
    assert item_snapshot.payload["price"] == 16000
    assert item_snapshot.payload["sold_out"] is False
    assert item_snapshot.payload["options"][0]["extra_price"] == 3000

    stock = await store.client.put(
        f"/api/store/stores/{store_id}/menu-items/{item['id']}/stock",
        json={"quantity": 0},
        headers=owner.headers,
    )
    assert stock.status_code == 200, stock.text
    assert stock.json()["sold_out"] is True
    [sold_out] = await store.events.wait_for("store.menu-item-updated", menu_item_id=item["id"], revision=2)
    assert sold_out.payload["sold_out"] is True

    menu = (await store.client.get(f"/api/store/stores/{store_id}/menu")).json()
    assert [s["name"] for s in menu["categories"]] == ["Noodles"]
    assert menu["categories"][0]["items"][0]["sold_out"] is True

    removed = await store.client.delete(f"/api/store/stores/{store_id}/menu-items/{item['id']}", headers=owner.headers)
    assert removed.status_code == 204
    [gone] = await store.events.wait_for("store.menu-item-updated", menu_item_id=item["id"], revision=3)
    assert gone.payload["removed"] is True
    problem(await store.client.get(f"/api/store/stores/{store_id}/menu-items/{item['id']}"), 404, "menu_item_not_found")
