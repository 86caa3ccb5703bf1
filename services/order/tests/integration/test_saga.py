"""The saga against the real stack: the test plays store and payment by producing their events, and reads
what order sends back."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any

from prometheus_client import REGISTRY

from matjip_contracts.events import (
    OrderAcceptedByStore,
    OrderProgressedAtStore,
    OrderRejectedByStore,
    PaymentAuthorized,
    PaymentFailed,
    PaymentRefunded,
    StockReservationRejected,
    StockReserved,
)
from matjip_order.application.timeouts import cancel_overdue_orders
from matjip_order.components import OrderComponents
from matjip_order.repository import orders
from matjip_platform.envelope import Envelope

from .harness import Customer, OrderHarness, StoreFixture, commands, statuses


async def placed_order(app: OrderHarness) -> tuple[StoreFixture, Customer, dict[str, Any], uuid.UUID]:
    store = await app.open_store()
    customer = app.customer()
    order = await app.place(customer, store)
    return store, customer, order, uuid.UUID(order["order_id"])


async def to_awaiting_store(app: OrderHarness) -> tuple[StoreFixture, Customer, uuid.UUID]:
    store, customer, _, order_id = await placed_order(app)
    await app.send(StockReserved(order_id=order_id, store_id=store.store_id))
    await app.published(order_id, "payment.authorize")
    await app.send(PaymentAuthorized(order_id=order_id, payment_id=uuid.uuid4(), amount=9000))
    await app.status_becomes(order_id, customer.headers, "AWAITING_STORE")
    return store, customer, order_id


@asynccontextmanager
async def acceptance_timeout(app: OrderHarness, seconds: float) -> AsyncIterator[None]:
    """Orders placed inside the block give their store `seconds` to answer (the window is fixed at checkout)."""
    components: OrderComponents = app.service.components
    settings = components.settings
    before = settings.store_accept_timeout_seconds
    settings.store_accept_timeout_seconds = seconds
    try:
        yield
    finally:
        settings.store_accept_timeout_seconds = before


def published_so_far(app: OrderHarness, order_id: uuid.UUID, event_type: str) -> list[Any]:
    """What the collector holds so far (no waiting): for asserting that something was not sent."""
    return [p for p in app.collector.about(order_id) if p.event_type == event_type]


def metric(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_happy_path_to_completed(order_service: OrderHarness) -> None:
    app = order_service
    completed_before, revenue_before = metric("orders_completed_total"), metric("order_revenue_won_total")
    store, customer, order, order_id = await placed_order(app)
    assert order["total_amount"] == 9000

    await app.send(StockReserved(order_id=order_id, store_id=store.store_id))
    (authorize,) = await app.published(order_id, "payment.authorize")
    assert authorize.topic == "payment.commands"
    assert authorize.payload["amount"] == 9000 and authorize.payload["customer_id"] == str(customer.user_id)

    await app.send(PaymentAuthorized(order_id=order_id, payment_id=uuid.uuid4(), amount=9000))
    (request,) = await app.published(order_id, "store.request-acceptance")
    assert request.topic == "store.commands"
    awaiting = await app.status_becomes(order_id, customer.headers, "AWAITING_STORE")
    assert datetime.fromisoformat(request.payload["accept_by"]) == datetime.fromisoformat(awaiting["accept_by"])
    assert request.payload["total_amount"] == 9000 and request.payload["lines"][0]["unit_price"] == 4500

    await app.send(OrderAcceptedByStore(order_id=order_id, store_id=store.store_id, prep_minutes=20))
    accepted = await app.status_becomes(order_id, customer.headers, "ACCEPTED")
    assert accepted["prep_minutes"] == 20
    for stage in ("PREPARING", "READY"):
        await app.send(OrderProgressedAtStore(order_id=order_id, store_id=store.store_id, stage=stage))
        await app.status_becomes(order_id, customer.headers, stage)
    last = await app.send(OrderProgressedAtStore(order_id=order_id, store_id=store.store_id, stage="PICKED_UP"))
    completed = await app.status_becomes(order_id, store.owner_headers, "COMPLETED")
    assert completed["payment_status"] == "authorized" and completed["cancel_reason"] is None

    published = await app.settled(order_id, last)
    assert statuses(published) == [
        "STOCK_RESERVED",
        "AWAITING_STORE",
        "ACCEPTED",
        "PREPARING",
        "READY",
        "PICKED_UP",
        "COMPLETED",
    ]
    assert commands(published) == ["payment.authorize", "store.request-acceptance", "store.reserve-stock"]
    changes = [p.payload for p in published if p.event_type == "order.status-changed"]
    assert [c["previous_status"] for c in changes] == [
        "PLACED",
        "STOCK_RESERVED",
        "AWAITING_STORE",
        "ACCEPTED",
        "PREPARING",
        "READY",
        "PICKED_UP",
    ]
    assert all(c["reason"] for c in changes)
    # PICKED_UP and COMPLETED were committed together.
    assert changes[-1]["changed_at"] == changes[-2]["changed_at"]

    assert metric("orders_completed_total") == completed_before + 1
    assert metric("order_revenue_won_total") == revenue_before + 9000
    assert metric("saga_step_duration_seconds_count", step="store_acceptance", outcome="succeeded") >= 1
    exposed = (await app.client.get("/metrics")).text
    for name in (
        "orders_placed_total",
        "orders_accepted_total",
        "orders_completed_total",
        "order_revenue_won_total",
        'saga_step_duration_seconds_bucket{le="0.05",outcome="succeeded",step="reserve_stock"}',
    ):
        assert name in exposed


async def test_payment_declined_releases_stock_and_cancels(order_service: OrderHarness) -> None:
    app = order_service
    store, customer, _, order_id = await placed_order(app)
    await app.send(StockReserved(order_id=order_id, store_id=store.store_id))
    await app.published(order_id, "payment.authorize")

    failed = await app.send(PaymentFailed(order_id=order_id, reason="card_declined"))

    order = await app.status_becomes(order_id, customer.headers, "CANCELLED")
    assert (order["cancel_reason"], order["cancel_detail"], order["payment_status"]) == (
        "payment_failed",
        "card_declined",
        "failed",
    )
    published = await app.settled(order_id, failed)
    assert statuses(published) == ["STOCK_RESERVED", "CANCELLED"]
    assert commands(published) == ["payment.authorize", "store.release-stock", "store.reserve-stock"]
    (release,) = [p for p in published if p.event_type == "store.release-stock"]
    assert release.payload["reason"] == "payment_failed"


async def test_stock_rejected_cancels_without_asking_for_payment(order_service: OrderHarness) -> None:
    app = order_service
    cancelled_before = metric("orders_cancelled_total", reason="sold_out")
    store, customer, _, order_id = await placed_order(app)

    rejected = await app.send(
        StockReservationRejected(order_id=order_id, store_id=store.store_id, reason="sold_out", detail="Tuna gimbap")
    )

    order = await app.status_becomes(order_id, customer.headers, "CANCELLED")
    assert order["cancel_reason"] == "sold_out"
    published = await app.settled(order_id, rejected)
    assert statuses(published) == ["CANCELLED"]
    assert commands(published) == ["store.reserve-stock"]
    assert metric("orders_cancelled_total", reason="sold_out") == cancelled_before + 1


async def test_store_rejection_releases_stock_and_refunds(order_service: OrderHarness) -> None:
    app = order_service
    store, customer, order_id = await to_awaiting_store(app)

    await app.send(OrderRejectedByStore(order_id=order_id, store_id=store.store_id, reason="out of rice"))

    order = await app.status_becomes(order_id, customer.headers, "CANCELLED")
    assert (order["cancel_reason"], order["cancel_detail"], order["payment_status"]) == (
        "store_rejected",
        "out of rice",
        "refund_requested",
    )
    (refund,) = await app.published(order_id, "payment.refund")
    assert refund.payload["reason"] == "store_rejected"
    await app.published(order_id, "store.release-stock")

    refunded = await app.send(PaymentRefunded(order_id=order_id, payment_id=uuid.uuid4(), amount=9000))
    published = await app.settled(order_id, refunded)
    assert (await app.order(order_id, customer.headers))["payment_status"] == "refunded"
    assert statuses(published)[-1] == "CANCELLED"
    assert commands(published).count("payment.refund") == 1


async def test_store_that_does_not_answer_in_time_is_timed_out(order_service: OrderHarness) -> None:
    app = order_service
    async with acceptance_timeout(app, 1.0):
        store, customer, order_id = await to_awaiting_store(app)

    order = await app.status_becomes(order_id, customer.headers, "CANCELLED")

    assert order["cancel_reason"] == "store_timeout" and order["payment_status"] == "refund_requested"
    (release,) = await app.published(order_id, "store.release-stock")
    (refund,) = await app.published(order_id, "payment.refund")
    assert release.payload["reason"] == refund.payload["reason"] == "store_timeout"
    (change,) = [p for p in app.collector.about(order_id) if p.payload.get("status") == "CANCELLED"]
    assert change.payload["reason"] == "store_timeout" and change.payload["previous_status"] == "AWAITING_STORE"

    # The owner answers too late: order ignores it (store withdrew the order on ReleaseStock).
    late = await app.send(OrderAcceptedByStore(order_id=order_id, store_id=store.store_id, prep_minutes=10))
    published = await app.settled(order_id, late)
    assert statuses(published) == ["STOCK_RESERVED", "AWAITING_STORE", "CANCELLED"]
    assert (await app.order(order_id, customer.headers))["status"] == "CANCELLED"


async def test_replicas_running_the_timeout_task_cancel_an_order_once(order_service: OrderHarness) -> None:
    app = order_service
    runtime = app.service.runtime
    components: OrderComponents = app.service.components
    _, customer, order_id = await to_awaiting_store(app)  # the default 10-minute window: the real task waits
    accept_by = datetime.fromisoformat((await app.order(order_id, customer.headers))["accept_by"])
    past_deadline = accept_by + timedelta(seconds=1)

    async with runtime.db.transaction() as other_replica:
        await orders.lock_order(other_replica, order_id)  # another replica is handling this order
        await cancel_overdue_orders(components, past_deadline)
        assert (await app.order(order_id, customer.headers))["status"] == "AWAITING_STORE"

    await asyncio.gather(*(cancel_overdue_orders(components, past_deadline) for _ in range(3)))

    published = await app.settled(order_id)
    assert statuses(published) == ["STOCK_RESERVED", "AWAITING_STORE", "CANCELLED"]
    assert commands(published).count("store.release-stock") == commands(published).count("payment.refund") == 1
    assert (await app.order(order_id, customer.headers))["cancel_reason"] == "store_timeout"


async def test_customer_cancels_before_acceptance_and_is_refunded(order_service: OrderHarness) -> None:
    app = order_service
    store, customer, order_id = await to_awaiting_store(app)

    response = await app.client.post(f"/api/order/orders/{order_id}/cancel", headers=customer.headers)

    assert response.status_code == 200, response.text
    assert response.json()["status"] == "CANCELLED" and response.json()["cancel_reason"] == "customer_cancelled"
    (refund,) = await app.published(order_id, "payment.refund")
    (release,) = await app.published(order_id, "store.release-stock")
    assert refund.payload["reason"] == release.payload["reason"] == "customer_cancelled"
    again = await app.client.post(f"/api/order/orders/{order_id}/cancel", headers=customer.headers)
    assert again.status_code == 409 and again.json()["code"] == "order_not_cancellable"

    # The owner's rejection crosses the cancellation: ignored, nothing is released or refunded twice.
    late = await app.send(OrderRejectedByStore(order_id=order_id, store_id=store.store_id, reason="busy"))
    published = await app.settled(order_id, late)
    assert commands(published) == [
        "payment.authorize",
        "payment.refund",
        "store.release-stock",
        "store.request-acceptance",
        "store.reserve-stock",
    ]
    assert (await app.order(order_id, customer.headers))["cancel_reason"] == "customer_cancelled"


async def test_customer_cannot_cancel_after_acceptance(order_service: OrderHarness) -> None:
    app = order_service
    store, customer, order_id = await to_awaiting_store(app)
    await app.send(OrderAcceptedByStore(order_id=order_id, store_id=store.store_id, prep_minutes=15))
    await app.status_becomes(order_id, customer.headers, "ACCEPTED")

    response = await app.client.post(f"/api/order/orders/{order_id}/cancel", headers=customer.headers)

    assert response.status_code == 409
    problem = response.json()
    assert problem["code"] == "order_not_cancellable" and "accepted" in problem["detail"]
    assert (await app.order(order_id, customer.headers))["status"] == "ACCEPTED"
    assert not published_so_far(app, order_id, "payment.refund")


async def test_only_the_orders_customer_can_cancel_it(order_service: OrderHarness) -> None:
    app = order_service
    store, customer, _, order_id = await placed_order(app)
    for headers in (app.customer().headers, store.owner_headers):
        response = await app.client.post(f"/api/order/orders/{order_id}/cancel", headers=headers)
        assert response.status_code == 404
    assert (await app.order(order_id, customer.headers))["status"] == "PLACED"


async def test_payment_authorized_after_cancellation_is_refunded(order_service: OrderHarness) -> None:
    app = order_service
    store, customer, _, order_id = await placed_order(app)
    await app.send(StockReserved(order_id=order_id, store_id=store.store_id))
    await app.status_becomes(order_id, customer.headers, "STOCK_RESERVED")
    cancelled = await app.client.post(f"/api/order/orders/{order_id}/cancel", headers=customer.headers)
    assert cancelled.status_code == 200
    (release,) = await app.published(order_id, "store.release-stock")
    assert release.payload["reason"] == "customer_cancelled"
    assert not published_so_far(app, order_id, "payment.refund")  # nothing was paid yet

    late = await app.send(PaymentAuthorized(order_id=order_id, payment_id=uuid.uuid4(), amount=9000))

    (refund,) = await app.published(order_id, "payment.refund")
    assert refund.payload["reason"] == "customer_cancelled"
    published = await app.settled(order_id, late)
    assert statuses(published) == ["STOCK_RESERVED", "CANCELLED"]
    assert "store.request-acceptance" not in commands(published)
    order = await app.order(order_id, customer.headers)
    assert (order["status"], order["payment_status"]) == ("CANCELLED", "refund_requested")


async def test_redelivered_and_stale_events_change_nothing_twice(order_service: OrderHarness) -> None:
    app = order_service
    store, customer, _, order_id = await placed_order(app)
    sent: list[Envelope] = []

    async def twice(event: Any) -> None:
        envelope = await app.send(event)
        await app.redeliver(envelope)  # the very same message again (a redelivery)
        sent.append(envelope)

    await twice(StockReserved(order_id=order_id, store_id=store.store_id))
    await app.published(order_id, "payment.authorize")
    await twice(PaymentAuthorized(order_id=order_id, payment_id=uuid.uuid4(), amount=9000))
    await app.published(order_id, "store.request-acceptance")
    # A stale reply with a new id (e.g. store retried after a crash): the status guard absorbs it.
    sent.append(await app.send(StockReserved(order_id=order_id, store_id=store.store_id)))
    await twice(OrderAcceptedByStore(order_id=order_id, store_id=store.store_id, prep_minutes=10))
    await app.status_becomes(order_id, customer.headers, "ACCEPTED")
    await twice(OrderProgressedAtStore(order_id=order_id, store_id=store.store_id, stage="PREPARING"))
    await twice(OrderProgressedAtStore(order_id=order_id, store_id=store.store_id, stage="READY"))
    await app.status_becomes(order_id, customer.headers, "READY")
    sent.append(await app.send(OrderProgressedAtStore(order_id=order_id, store_id=store.store_id, stage="PREPARING")))
    sent.append(await app.send(PaymentAuthorized(order_id=order_id, payment_id=uuid.uuid4(), amount=9000)))
    await twice(OrderProgressedAtStore(order_id=order_id, store_id=store.store_id, stage="DELIVERED"))
    await app.status_becomes(order_id, customer.headers, "COMPLETED")
    # Last, on each topic, a message with a new id: once handled, every copy before it was too.
    sent.append(await app.send(OrderProgressedAtStore(order_id=order_id, store_id=store.store_id, stage="DELIVERED")))
    sent.append(await app.send(PaymentAuthorized(order_id=order_id, payment_id=uuid.uuid4(), amount=9000)))

    published = await app.settled(order_id, *sent)

    assert statuses(published) == [
        "STOCK_RESERVED",
        "AWAITING_STORE",
        "ACCEPTED",
        "PREPARING",
        "READY",
        "DELIVERED",
        "COMPLETED",
    ]
    assert commands(published) == ["payment.authorize", "store.request-acceptance", "store.reserve-stock"]
    order = await app.order(order_id, customer.headers)
    assert (order["status"], order["payment_status"]) == ("COMPLETED", "authorized")
