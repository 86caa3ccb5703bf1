"""The owner's order inbox: orders arrive from the saga, the owner decides, the saga hears about it."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from matjip_contracts.events.common import OrderLine, StockLine
from matjip_contracts.events.store import ReleaseStock, RequestStoreAcceptance, ReserveStock

from .harness import Caller, StoreUnderTest, problem


def acceptance(store_id: str, item_id: str, *, accept_by: datetime | None = None) -> RequestStoreAcceptance:
    return RequestStoreAcceptance(
        order_id=uuid.uuid4(),
        store_id=uuid.UUID(store_id),
        customer_id=uuid.uuid4(),
        lines=(OrderLine(menu_item_id=uuid.UUID(item_id), name="Tteokbokki", quantity=2, unit_price=5000),),
        total_amount=10000,
        accept_by=accept_by or datetime.now(UTC) + timedelta(minutes=10),
    )


async def in_inbox(store: StoreUnderTest, owner: Caller, command: RequestStoreAcceptance) -> dict[str, Any]:
    """Send the command and return the inbox entry once it is there."""
    envelope = await store.send(command)
    await store.processed(envelope)
    response = await store.client.get(
        f"/api/store/stores/{command.store_id}/orders/{command.order_id}", headers=owner.headers
    )
    assert response.status_code == 200, response.text
    entry: dict[str, Any] = response.json()
    return entry


async def shop_with_item(store: StoreUnderTest, owner: Caller, **store_fields: Any) -> tuple[str, str]:
    shop = await store.create_store(owner, **store_fields)
    item = await store.create_item(owner, shop["id"], name="Tteokbokki", price=5000)
    return shop["id"], item["id"]


def order_path(command: RequestStoreAcceptance, action: str = "") -> str:
    path = f"/api/store/stores/{command.store_id}/orders/{command.order_id}"
    return f"{path}/{action}" if action else path


async def test_an_order_goes_from_pending_to_picked_up(store: StoreUnderTest, owner: Caller) -> None:
    store_id, item_id = await shop_with_item(store, owner)
    command = acceptance(store_id, item_id)
    entry = await in_inbox(store, owner, command)
    assert entry["status"] == "PENDING"
    assert entry["total_amount"] == 10000 and entry["lines"][0]["quantity"] == 2

    listed = await store.client.get(f"/api/store/stores/{store_id}/orders?status=PENDING", headers=owner.headers)
    assert [e["order_id"] for e in listed.json()["items"]] == [str(command.order_id)]

    accepted = await store.client.post(order_path(command, "accept"), json={"prep_minutes": 25}, headers=owner.headers)
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["status"] == "ACCEPTED" and accepted.json()["prep_minutes"] == 25
    [event] = await store.events.wait_for("store.order-accepted", order_id=str(command.order_id))
    assert event.payload == {"order_id": str(command.order_id), "store_id": store_id, "prep_minutes": 25}
    assert event.key == str(command.order_id)

    for action, stage in (("preparing", "PREPARING"), ("ready", "READY"), ("picked-up", "PICKED_UP")):
        moved = await store.client.post(order_path(command, action), headers=owner.headers)
        assert moved.status_code == 200, moved.text
        assert moved.json()["status"] == stage
    stages = await store.events.wait_for("store.order-progressed", count=3, order_id=str(command.order_id))
    assert [e.payload["stage"] for e in stages] == ["PREPARING", "READY", "PICKED_UP"]

    listed = await store.client.get(
        f"/api/store/stores/{store_id}/orders?status=PENDING&status=ACCEPTED", headers=owner.headers
    )
    assert listed.json()["total"] == 0


async def test_a_store_that_delivers_itself_marks_the_order_delivered(store: StoreUnderTest, owner: Caller) -> None:
    store_id, item_id = await shop_with_item(store, owner)
    command = acceptance(store_id, item_id)
    await in_inbox(store, owner, command)
    await store.client.post(order_path(command, "accept"), json={"prep_minutes": 10}, headers=owner.headers)
    problem(
        await store.client.post(order_path(command, "delivered"), headers=owner.headers),
        409,
        "inbox_transition_refused",
    )
    for action in ("preparing", "ready", "delivered"):
        assert (await store.client.post(order_path(command, action), headers=owner.headers)).status_code == 200
    stages = await store.events.wait_for("store.order-progressed", count=3, order_id=str(command.order_id))
    assert [e.payload["stage"] for e in stages] == ["PREPARING", "READY", "DELIVERED"]
    problem(
        await store.client.post(order_path(command, "picked-up"), headers=owner.headers),
        409,
        "inbox_transition_refused",
    )


async def test_rejecting_tells_the_saga_why(store: StoreUnderTest, owner: Caller) -> None:
    store_id, item_id = await shop_with_item(store, owner)
    command = acceptance(store_id, item_id)
    await in_inbox(store, owner, command)
    rejected = await store.client.post(
        order_path(command, "reject"), json={"reason": "Out of rice cakes"}, headers=owner.headers
    )
    assert rejected.status_code == 200, rejected.text
    assert rejected.json()["status"] == "REJECTED"
    [event] = await store.events.wait_for("store.order-rejected", order_id=str(command.order_id))
    assert event.payload["reason"] == "Out of rice cakes"
    problem(
        await store.client.post(order_path(command, "accept"), json={"prep_minutes": 5}, headers=owner.headers),
        409,
        "inbox_transition_refused",
    )


async def test_steps_out_of_order_are_refused_and_publish_nothing(store: StoreUnderTest, owner: Caller) -> None:
    store_id, item_id = await shop_with_item(store, owner)
    command = acceptance(store_id, item_id)
    await in_inbox(store, owner, command)
    for action in ("preparing", "ready", "picked-up"):
        body = problem(
            await store.client.post(order_path(command, action), headers=owner.headers), 409, "inbox_transition_refused"
        )
        assert body["current"] == "PENDING"
    await store.client.post(order_path(command, "accept"), json={"prep_minutes": 10}, headers=owner.headers)
    problem(
        await store.client.post(order_path(command, "accept"), json={"prep_minutes": 10}, headers=owner.headers),
        409,
        "inbox_transition_refused",
    )
    problem(
        await store.client.post(order_path(command, "reject"), json={"reason": "late"}, headers=owner.headers),
        409,
        "inbox_transition_refused",
    )
    assert await store.outbox_count(str(command.order_id)) == 1  # only the acceptance


async def test_a_released_order_is_withdrawn_and_decisions_on_it_are_refused(
    store: StoreUnderTest, owner: Caller
) -> None:
    store_id, item_id = await shop_with_item(store, owner)
    command = acceptance(store_id, item_id)
    await in_inbox(store, owner, command)
    released = await store.send(
        ReleaseStock(order_id=command.order_id, store_id=command.store_id, reason="store_timeout")
    )
    await store.processed(released)

    entry = (await store.client.get(order_path(command), headers=owner.headers)).json()
    assert entry["status"] == "WITHDRAWN"
    problem(
        await store.client.post(order_path(command, "accept"), json={"prep_minutes": 10}, headers=owner.headers),
        409,
        "order_withdrawn",
    )
    problem(
        await store.client.post(order_path(command, "reject"), json={"reason": "busy"}, headers=owner.headers),
        409,
        "order_withdrawn",
    )
    problem(await store.client.post(order_path(command, "ready"), headers=owner.headers), 409, "order_withdrawn")
    assert await store.outbox_count(str(command.order_id)) == 0


async def test_an_order_released_before_it_reached_the_inbox_arrives_withdrawn(
    store: StoreUnderTest, owner: Caller
) -> None:
    store_id, item_id = await shop_with_item(store, owner)
    command = acceptance(store_id, item_id)
    reserved = await store.send(
        ReserveStock(
            order_id=command.order_id,
            store_id=command.store_id,
            lines=(StockLine(menu_item_id=uuid.UUID(item_id), quantity=1),),
        )
    )
    await store.processed(reserved)
    await store.processed(
        await store.send(
            ReleaseStock(order_id=command.order_id, store_id=command.store_id, reason="customer_cancelled")
        )
    )
    entry = await in_inbox(store, owner, command)
    assert entry["status"] == "WITHDRAWN"


async def test_acceptance_requests_are_idempotent(store: StoreUnderTest, owner: Caller) -> None:
    store_id, item_id = await shop_with_item(store, owner)
    command = acceptance(store_id, item_id)
    envelope = await store.send(command)
    await store.processed(envelope)
    await store.client.post(order_path(command, "accept"), json={"prep_minutes": 10}, headers=owner.headers)

    before = store.consumed(envelope.event_type, "duplicate")
    await store.redeliver(envelope)
    await store.duplicate_skipped(envelope, before)
    await store.processed(await store.send(command))  # the saga asking again
    entry = (await store.client.get(order_path(command), headers=owner.headers)).json()
    assert entry["status"] == "ACCEPTED"
    listed = (await store.client.get(f"/api/store/stores/{store_id}/orders", headers=owner.headers)).json()
    assert listed["total"] == 1


async def test_an_auto_accepting_store_accepts_at_once(store: StoreUnderTest, owner: Caller) -> None:
    store_id, item_id = await shop_with_item(store, owner, auto_accept=True, auto_accept_prep_minutes=12)
    command = acceptance(store_id, item_id)
    await store.send(command)
    [event] = await store.events.wait_for("store.order-accepted", order_id=str(command.order_id))
    assert event.payload["prep_minutes"] == 12
    entry = await in_inbox(store, owner, command)
    assert entry["status"] == "ACCEPTED" and entry["prep_minutes"] == 12


async def test_an_order_that_arrives_after_its_deadline_expires_at_once(store: StoreUnderTest, owner: Caller) -> None:
    store_id, item_id = await shop_with_item(store, owner)
    command = acceptance(store_id, item_id, accept_by=datetime.now(UTC) - timedelta(seconds=1))
    entry = await in_inbox(store, owner, command)
    assert entry["status"] == "EXPIRED"
    [rejected] = await store.events.wait_for("store.order-rejected", order_id=str(command.order_id))
    assert rejected.payload["timed_out"] is True and rejected.payload["reason"] == "store_timeout"
    for action, body in (("accept", {"prep_minutes": 10}), ("reject", {"reason": "too late"})):
        problem(
            await store.client.post(order_path(command, action), json=body, headers=owner.headers),
            409,
            "acceptance_deadline_passed",
        )
    assert await store.outbox_count(str(command.order_id)) == 1  # the expiry, told once


async def test_an_unanswered_order_expires_at_its_deadline_once(store: StoreUnderTest, owner: Caller) -> None:
    """Store decides the timeout (order only falls back long after): the expiry task wakes at the entry's
    deadline, expires it under its lock and tells the saga; an acceptance after that is refused."""
    store_id, item_id = await shop_with_item(store, owner)
    command = acceptance(store_id, item_id, accept_by=datetime.now(UTC) + timedelta(seconds=2))
    assert (await in_inbox(store, owner, command))["status"] == "PENDING"
    [rejected] = await store.events.wait_for("store.order-rejected", order_id=str(command.order_id))
    assert rejected.payload["timed_out"] is True
    assert (await store.client.get(order_path(command), headers=owner.headers)).json()["status"] == "EXPIRED"
    problem(
        await store.client.post(order_path(command, "accept"), json={"prep_minutes": 10}, headers=owner.headers),
        409,
        "acceptance_deadline_passed",
    )
    assert await store.outbox_count(str(command.order_id)) == 1


async def test_an_acceptance_before_the_deadline_is_never_followed_by_an_expiry(
    store: StoreUnderTest, owner: Caller
) -> None:
    store_id, item_id = await shop_with_item(store, owner)
    command = acceptance(store_id, item_id, accept_by=datetime.now(UTC) + timedelta(seconds=2))
    await in_inbox(store, owner, command)
    accepted = await store.client.post(order_path(command, "accept"), json={"prep_minutes": 10}, headers=owner.headers)
    assert accepted.status_code == 200, accepted.text
    await store.events.wait_for("store.order-accepted", order_id=str(command.order_id))
    # Past the deadline, and past another order's expiry (which proves the task ran meanwhile).
    witness = acceptance(store_id, item_id, accept_by=datetime.now(UTC) + timedelta(seconds=2.5))
    await in_inbox(store, owner, witness)
    await store.events.wait_for("store.order-rejected", order_id=str(witness.order_id))
    assert await store.outbox_count(str(command.order_id)) == 1  # the acceptance only
    assert (await store.client.get(order_path(command), headers=owner.headers)).json()["status"] == "ACCEPTED"


async def test_the_inbox_pages_oldest_first(store: StoreUnderTest, owner: Caller) -> None:
    store_id, item_id = await shop_with_item(store, owner)
    commands = [acceptance(store_id, item_id) for _ in range(3)]
    for command in commands:
        await in_inbox(store, owner, command)

    async def page(offset: int) -> dict[str, Any]:
        response = await store.client.get(
            f"/api/store/stores/{store_id}/orders?limit=2&offset={offset}", headers=owner.headers
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    first, second = await page(0), await page(2)
    assert first["total"] == 3 and len(first["items"]) == 2 and len(second["items"]) == 1
    assert [e["order_id"] for e in first["items"] + second["items"]] == [str(c.order_id) for c in commands]
    bad = await store.client.get(f"/api/store/stores/{store_id}/orders?status=COOKING", headers=owner.headers)
    assert problem(bad, 422, "validation_failed")["errors"][0]["field"] == "status[0]"


async def test_an_order_for_an_unknown_store_is_rejected(store: StoreUnderTest, owner: Caller) -> None:
    command = acceptance(str(uuid.uuid4()), str(uuid.uuid4()))
    await store.send(command)
    [event] = await store.events.wait_for("store.order-rejected", order_id=str(command.order_id))
    assert event.payload["reason"] == "store_not_found"


async def test_decisions_need_the_inbox_entry(store: StoreUnderTest, owner: Caller) -> None:
    store_id, item_id = await shop_with_item(store, owner)
    other_store_id, _ = await shop_with_item(store, owner)
    command = acceptance(store_id, item_id)
    await in_inbox(store, owner, command)
    # The entry exists, but not in this store's inbox.
    wrong = f"/api/store/stores/{other_store_id}/orders/{command.order_id}/accept"
    problem(await store.client.post(wrong, json={"prep_minutes": 10}, headers=owner.headers), 404, "order_not_found")
    assert (await store.client.get(order_path(command), headers=owner.headers)).json()["status"] == "PENDING"
