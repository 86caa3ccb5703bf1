"""Notifications end to end: events produced on Kafka come out of the right user's SSE stream."""

import asyncio
import contextlib
import uuid
from dataclasses import replace

import anyio
import pytest
import uvicorn
from redis.asyncio import Redis

from matjip_contracts.events.common import OrderStatus, Role
from matjip_devstack.infra import Infra
from matjip_notification.api.notifications import notification_frames
from matjip_notification.components import NotificationComponents
from matjip_notification.hub import NotificationHub
from matjip_platform.testing import listening_socket, poll

from .harness import NotificationUnderTest


def notification_components(notification: NotificationUnderTest) -> NotificationComponents:
    components: NotificationComponents = notification.service.components
    return components


pytestmark = pytest.mark.integration

S = OrderStatus


async def test_a_customer_gets_their_orders_transitions_and_nobody_elses(notification: NotificationUnderTest) -> None:
    alice, bob = notification.user(), notification.user()
    store = uuid.uuid4()
    async with notification.stream(alice) as alice_stream, notification.stream(bob) as bob_stream:
        alice_order = await notification.placed(alice, store)
        bob_order = await notification.placed(bob, store)
        await notification.moved(bob, store, bob_order, S.STOCK_RESERVED, S.PLACED)
        await notification.moved(alice, store, alice_order, S.STOCK_RESERVED, S.PLACED)
        await notification.moved(alice, store, alice_order, S.AWAITING_STORE, S.STOCK_RESERVED)

        frames = await alice_stream.events(3)
        assert [f.event for f in frames] == ["order.placed", "order.status-changed", "order.status-changed"]
        assert [f.json["status"] for f in frames] == ["PLACED", "STOCK_RESERVED", "AWAITING_STORE"]
        assert {f.json["order_id"] for f in frames} == {str(alice_order)}
        assert [int(f.id or 0) for f in frames] == [1, 2, 3]  # ids per recipient, in order
        assert frames[1].json["message"] == "The store has what you ordered; taking payment."

        bob_frames = await bob_stream.events(2)
        assert {f.json["order_id"] for f in bob_frames} == {str(bob_order)}

    # What each stream showed is all there is: nothing of Bob's was stored for Alice, or the reverse.
    assert [n["order_id"] for n in await notification.listed(alice)] == [str(alice_order)] * 3
    assert [n["order_id"] for n in await notification.listed(bob)] == [str(bob_order)] * 2


async def test_reconnecting_with_last_event_id_resumes_without_loss_or_repetition(
    notification: NotificationUnderTest,
) -> None:
    customer = notification.user()
    store = uuid.uuid4()
    order = await notification.placed(customer, store)
    await notification.moved(customer, store, order, S.STOCK_RESERVED, S.PLACED)
    async with notification.stream(customer) as first:
        seen = await first.events(2)
    last_id = seen[-1].id
    assert last_id is not None

    # While disconnected, the order moves on.
    await notification.moved(customer, store, order, S.AWAITING_STORE, S.STOCK_RESERVED)
    await notification.moved(customer, store, order, S.ACCEPTED, S.AWAITING_STORE)
    async with notification.stream(customer, last_event_id=last_id) as resumed:
        replayed = await resumed.events(2)
        assert [f.json["status"] for f in replayed] == ["AWAITING_STORE", "ACCEPTED"]
        # ... then it is live: the next transition arrives, and nothing seen before comes again.
        await notification.moved(customer, store, order, S.PREPARING, S.ACCEPTED)
        [live] = await resumed.events(1)
        assert live.json["status"] == "PREPARING"
    ids = [int(f.id or 0) for f in [*seen, *replayed, live]]
    assert ids == list(range(ids[0], ids[0] + 5))


async def test_the_owner_gets_new_orders_and_cancellations_of_their_store_only(
    notification: NotificationUnderTest,
) -> None:
    owner, other_owner, customer = notification.user(Role.OWNER), notification.user(Role.OWNER), notification.user()
    mine = await notification.store(owner)
    theirs = await notification.store(other_owner)
    order = await notification.placed(customer, mine)
    other_order = await notification.placed(customer, theirs)
    async with notification.stream(owner) as stream:
        for store, order_id in ((theirs, other_order), (mine, order)):
            await notification.moved(customer, store, order_id, S.STOCK_RESERVED, S.PLACED)
            await notification.moved(customer, store, order_id, S.AWAITING_STORE, S.STOCK_RESERVED)
        [new_order] = await stream.events(1)
        assert new_order.event == "store.order-awaiting-acceptance"
        assert new_order.json["order_id"] == str(order) and new_order.json["store_id"] == str(mine)
        assert new_order.json["total_amount"] == 9000
        assert new_order.json["lines"] == [{"name": "Tuna kimbap", "quantity": 2, "unit_price": 4500}]

        await notification.moved(customer, mine, order, S.CANCELLED, S.AWAITING_STORE, reason="store_timeout")
        [cancelled] = await stream.events(1)
        assert cancelled.event == "store.order-cancelled" and cancelled.json["reason"] == "store_timeout"

    assert [n["order_id"] for n in await notification.listed(owner)] == [str(order)] * 2
    assert [n["order_id"] for n in await notification.listed(other_owner)] == [str(other_order)]


async def test_an_owner_notification_waits_for_the_stores_owner_to_be_known(
    notification: NotificationUnderTest,
) -> None:
    owner, customer = notification.user(Role.OWNER), notification.user()
    store = uuid.uuid4()
    order = await notification.placed(customer, store)
    awaiting = await notification.moved(customer, store, order, S.AWAITING_STORE, S.STOCK_RESERVED)
    await notification.processed(awaiting)
    assert await notification.listed(owner) == []

    await notification.store(owner, store_id=store)
    async with notification.stream(owner) as stream:
        [held] = await stream.events(1)
    assert held.event == "store.order-awaiting-acceptance" and held.json["order_id"] == str(order)


async def test_a_repeated_transition_notifies_once(notification: NotificationUnderTest) -> None:
    customer = notification.user()
    store = uuid.uuid4()
    order = uuid.uuid4()
    first = await notification.moved(customer, store, order, S.READY, S.PREPARING)
    again = await notification.moved(customer, store, order, S.READY, S.PREPARING)  # a new event id
    await notification.processed(first, again)
    assert [n["status"] for n in await notification.listed(customer)] == ["READY"]
    # The repeat took no id: the next notification follows the first without a gap.
    following = await notification.moved(customer, store, order, S.PICKED_UP, S.READY)
    await notification.processed(following)
    listed = await notification.listed(customer)
    assert [n["status"] for n in listed] == ["READY", "PICKED_UP"]
    assert listed[1]["id"] == listed[0]["id"] + 1


async def test_the_token_may_come_in_the_query_for_eventsource(notification: NotificationUnderTest) -> None:
    customer = notification.user()
    await notification.placed(customer, uuid.uuid4())
    async with notification.stream(customer, token_in_query=True) as stream:
        [frame] = await stream.events(1)
    assert frame.event == "order.placed"


@pytest.mark.parametrize(
    ("params", "headers"),
    [
        ({}, {}),
        ({"access_token": "not-a-jwt"}, {}),
        ({}, {"Authorization": "Basic dXNlcjpwYXNz"}),
        ({}, {"Authorization": "Bearer not-a-jwt"}),
    ],
    ids=["nothing", "bad_query_token", "not_bearer", "bad_bearer"],
)
async def test_an_unauthenticated_stream_is_refused_with_problem_json(
    notification: NotificationUnderTest, params: dict[str, str], headers: dict[str, str]
) -> None:
    response = await notification.client.get("/api/notification/stream", params=params, headers=headers)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] in {"missing_token", "invalid_token"}
    listed = await notification.client.get("/api/notification/notifications", params=params, headers=headers)
    assert listed.status_code == 401


async def test_a_malformed_last_event_id_is_refused(notification: NotificationUnderTest) -> None:
    customer = notification.user()
    response = await notification.client.get(
        "/api/notification/stream", headers={**customer.headers, "Last-Event-ID": "yesterday"}
    )
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "Last-Event-ID"


async def test_a_cursor_beyond_a_bigint_is_refused_not_a_500(notification: NotificationUnderTest) -> None:
    customer = notification.user()
    beyond = str(2**63)  # one past the largest notification id PostgreSQL can hold
    streamed = await notification.client.get(
        "/api/notification/stream", headers={**customer.headers, "Last-Event-ID": beyond}
    )
    assert streamed.status_code == 422 and streamed.json()["errors"][0]["field"] == "Last-Event-ID"
    for path in ("/api/notification/stream", "/api/notification/notifications"):
        response = await notification.client.get(path, params={"after": beyond}, headers=customer.headers)
        assert response.status_code == 422 and response.json()["errors"][0]["field"] == "after", path
    largest = await notification.client.get(
        "/api/notification/notifications", params={"after": str(2**63 - 1)}, headers=customer.headers
    )
    assert largest.status_code == 200 and largest.json()["items"] == []


async def test_an_idle_stream_sends_heartbeats(notification: NotificationUnderTest) -> None:
    async with notification.stream(notification.user()) as stream:
        first = await stream.next_frame()
        assert first is not None and first.retry is not None  # tells EventSource how soon to reconnect
        while stream.heartbeats == 0:
            frame = await stream.next_frame()
            assert frame is not None and frame.event is None


async def test_the_list_pages_with_after(notification: NotificationUnderTest) -> None:
    customer = notification.user()
    store = uuid.uuid4()
    order = await notification.placed(customer, store)
    done = await notification.moved(customer, store, order, S.STOCK_RESERVED, S.PLACED)
    await notification.processed(done)
    everything = await notification.listed(customer)
    assert len(everything) == 2
    rest = await notification.listed(customer, after=everything[0]["id"])
    assert rest == everything[1:]


async def test_a_wake_up_reaches_every_replica_through_redis(notification: NotificationUnderTest, infra: Infra) -> None:
    """Another replica's hub (its own Redis connection) is woken when this one stores a notification."""
    customer = notification.user()
    redis = Redis.from_url(infra.redis_url, decode_responses=True)
    other_replica = NotificationHub(redis)
    stop = asyncio.Event()
    running = asyncio.create_task(other_replica.run(stop))
    try:
        await asyncio.wait_for(other_replica.subscribed.wait(), 10)
        with other_replica.listen(customer.user_id) as wake:
            wake.clear()
            await notification.placed(customer, uuid.uuid4())
            await asyncio.wait_for(wake.wait(), 20)
    finally:
        stop.set()
        await running
        await redis.aclose()
    assert other_replica.closed.is_set()


async def test_streams_end_when_the_server_shuts_down(notification: NotificationUnderTest) -> None:
    """SIGTERM (uvicorn's should_exit) ends open streams at once, so the server stops well within its
    graceful-shutdown budget instead of waiting for it and cutting them."""
    listener = listening_socket()
    server = uvicorn.Server(
        uvicorn.Config(notification.service.app, lifespan="off", log_config=None, timeout_graceful_shutdown=60)
    )
    serving = asyncio.create_task(server.serve(sockets=[listener]))
    hub = notification_components(notification).hub
    try:
        base_url = f"http://127.0.0.1:{listener.getsockname()[1]}"
        async with notification.stream(notification.user(), base_url=base_url) as stream:
            assert await stream.next_frame() is not None
            open_streams = hub.streams
            server.should_exit = True  # what SIGTERM does
            while (frame := await stream.next_frame(timeout=30)) is not None:
                assert frame.event is None  # only heartbeats until the end
        await asyncio.wait_for(serving, 30)  # far less than the 60 s after which uvicorn would cut streams
        assert hub.streams == open_streams - 1
    finally:
        server.should_exit = True
        with contextlib.suppress(Exception):
            await serving
        listener.close()


async def test_streams_end_when_the_hub_closes(notification: NotificationUnderTest, infra: Infra) -> None:
    """At the service's own shutdown (the hub's task stops), every stream of the replica finishes."""
    components = notification_components(notification)
    redis = Redis.from_url(infra.redis_url, decode_responses=True)
    closing_hub = NotificationHub(redis)
    stop = asyncio.Event()
    running = asyncio.create_task(closing_hub.run(stop))
    frames = notification_frames(replace(components, hub=closing_hub), notification.user().user_id, 0, anyio.Event())
    try:
        first = await anext(frames)
        assert first.retry is not None
        waiting = asyncio.ensure_future(anext(frames))
        await asyncio.sleep(0)
        stop.set()
        await running
        with pytest.raises(StopAsyncIteration):
            await asyncio.wait_for(waiting, 10)
        assert closing_hub.streams == 0
    finally:
        await frames.aclose()
        await redis.aclose()


async def test_the_api_is_described(notification: NotificationUnderTest) -> None:
    response = await notification.client.get("/api/notification/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert {"/api/notification/stream", "/api/notification/notifications"} <= set(paths)
    assert "text/event-stream" in paths["/api/notification/stream"]["get"]["responses"]["200"]["content"]


async def test_a_stream_the_client_left_is_let_go(notification: NotificationUnderTest) -> None:
    hub = notification_components(notification).hub
    before = hub.streams
    async with notification.stream(notification.user()) as stream:
        assert await stream.next_frame() is not None
        assert hub.streams == before + 1

    async def released() -> bool:
        return hub.streams == before

    await poll(released, "the server still holds the stream of a client that left")
