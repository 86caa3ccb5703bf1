"""Reviews: only after the customer's order at the store was COMPLETED, once per order."""

import uuid
from datetime import UTC, datetime
from typing import Any

from matjip_contracts.events.common import OrderStatus, Role
from matjip_contracts.events.order import OrderStatusChanged
from matjip_contracts.topics import ORDER_EVENTS
from matjip_platform.testing import poll

from .harness import Caller, StoreUnderTest, problem


async def order_reaches(
    store: StoreUnderTest, customer: Caller, store_id: str, status: OrderStatus, order_id: uuid.UUID | None = None
) -> uuid.UUID:
    event = OrderStatusChanged(
        order_id=order_id or uuid.uuid4(),
        customer_id=customer.user_id,
        store_id=uuid.UUID(store_id),
        status=status,
        previous_status=OrderStatus.PICKED_UP if status is OrderStatus.COMPLETED else OrderStatus.ACCEPTED,
        changed_at=datetime.now(UTC),
    )
    if status is OrderStatus.COMPLETED:
        await store.processed(await store.send(event))
    else:
        # Store acts only on COMPLETED: the other statuses are skipped before any transaction (no inbox row).
        before = store.consumed(event.event_type, "ignored", ORDER_EVENTS)
        await store.send(event)
        await poll(
            lambda: _true_if(store.consumed(event.event_type, "ignored", ORDER_EVENTS) > before),
            f"store did not skip the {status} status",
        )
    return event.order_id


async def _true_if(condition: bool) -> bool:
    return condition


def review(order_id: uuid.UUID, rating: int = 5, **fields: Any) -> dict[str, Any]:
    return {"order_id": str(order_id), "rating": rating, "text": "The broth was deep and clean.", **fields}


async def test_a_completed_order_can_be_reviewed_once(store: StoreUnderTest, owner: Caller, customer: Caller) -> None:
    shop = await store.create_store(owner)
    dish = await store.create_item(owner, shop["id"], name="Seolleongtang")
    order_id = await order_reaches(store, customer, shop["id"], OrderStatus.COMPLETED)
    path = f"/api/store/stores/{shop['id']}/reviews"

    posted = await store.client.post(
        path, json=review(order_id, 4, menu_item_ids=[dish["id"]]), headers=customer.headers
    )
    assert posted.status_code == 201, posted.text
    assert posted.json()["rating"] == 4
    [event] = await store.events.wait_for("store.review-posted", order_id=str(order_id))
    assert event.key == shop["id"]
    assert event.payload["customer_id"] == str(customer.user_id)
    assert event.payload["menu_item_ids"] == [dish["id"]]
    assert event.payload["text"] == "The broth was deep and clean."

    problem(await store.client.post(path, json=review(order_id, 1), headers=customer.headers), 409, "already_reviewed")

    listed = (await store.client.get(path)).json()
    assert listed["total"] == 1 and listed["rating"] == {"average": 4.0, "count": 1}
    assert "customer_id" not in listed["items"][0]
    assert (await store.client.get(f"/api/store/stores/{shop['id']}")).json()["rating"]["count"] == 1


async def test_orders_not_completed_cannot_be_reviewed(store: StoreUnderTest, owner: Caller, customer: Caller) -> None:
    shop = await store.create_store(owner)
    path = f"/api/store/stores/{shop['id']}/reviews"
    ready = await order_reaches(store, customer, shop["id"], OrderStatus.READY)
    problem(await store.client.post(path, json=review(ready), headers=customer.headers), 403, "review_not_allowed")
    never_seen = uuid.uuid4()
    problem(await store.client.post(path, json=review(never_seen), headers=customer.headers), 403, "review_not_allowed")
    assert await store.outbox_count(shop["id"], ["store.review-posted"]) == 0


async def test_only_that_customer_at_that_store(store: StoreUnderTest, owner: Caller, customer: Caller) -> None:
    shop = await store.create_store(owner)
    elsewhere = await store.create_store(owner)
    order_id = await order_reaches(store, customer, shop["id"], OrderStatus.COMPLETED)
    someone_else = store.caller(Role.CUSTOMER)
    path = f"/api/store/stores/{shop['id']}/reviews"
    problem(
        await store.client.post(path, json=review(order_id), headers=someone_else.headers), 403, "review_not_allowed"
    )
    other_path = f"/api/store/stores/{elsewhere['id']}/reviews"
    problem(
        await store.client.post(other_path, json=review(order_id), headers=customer.headers), 403, "review_not_allowed"
    )
    problem(await store.client.post(path, json=review(order_id), headers=owner.headers), 403, "role_required")


async def test_review_input_is_validated(store: StoreUnderTest, owner: Caller, customer: Caller) -> None:
    shop = await store.create_store(owner)
    elsewhere = await store.create_store(owner)
    foreign_dish = await store.create_item(owner, elsewhere["id"])
    order_id = await order_reaches(store, customer, shop["id"], OrderStatus.COMPLETED)
    path = f"/api/store/stores/{shop['id']}/reviews"
    for rating in (0, 6):
        body = problem(
            await store.client.post(path, json=review(order_id, rating), headers=customer.headers),
            422,
            "validation_failed",
        )
        assert [e["field"] for e in body["errors"]] == ["rating"]
    too_long = problem(
        await store.client.post(path, json=review(order_id, text="맛" * 2001), headers=customer.headers),
        422,
        "validation_failed",
    )
    assert [e["field"] for e in too_long["errors"]] == ["text"]
    body = problem(
        await store.client.post(
            path, json=review(order_id, menu_item_ids=[foreign_dish["id"]]), headers=customer.headers
        ),
        422,
        "unknown_menu_item",
    )
    assert body["errors"][0]["field"] == "menu_item_ids[0]"
    # None of it was written: the order can still be reviewed.
    assert (await store.client.post(path, json=review(order_id), headers=customer.headers)).status_code == 201


async def test_replayed_status_events_are_harmless(store: StoreUnderTest, owner: Caller, customer: Caller) -> None:
    shop = await store.create_store(owner)
    order_id = await order_reaches(store, customer, shop["id"], OrderStatus.COMPLETED)
    # A second COMPLETED for the same order (replayed topic, new event id) changes nothing.
    await order_reaches(store, customer, shop["id"], OrderStatus.COMPLETED, order_id=order_id)
    path = f"/api/store/stores/{shop['id']}/reviews"
    assert (await store.client.post(path, json=review(order_id), headers=customer.headers)).status_code == 201
