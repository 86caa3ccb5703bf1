"""Helpers for services' tests: signing keys made at test time, a service running in-process against the
real infrastructure (optionally served over real HTTP), a producer playing the services whose events it
consumes, a live log of what lands on its topics, and bounded waits. Never used in production code."""

import asyncio
import contextlib
import socket
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Self, TypeVar

import httpx
import jwt
import uvicorn
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI
from jwt.algorithms import RSAAlgorithm
from prometheus_client import REGISTRY
from sqlalchemy import select

from matjip_contracts.events.base import Event
from matjip_contracts.events.common import Role
from matjip_contracts.registry import event_model
from matjip_platform.auth import StaticKeySet
from matjip_platform.db import Database
from matjip_platform.envelope import Envelope
from matjip_platform.messaging_tables import processed_events
from matjip_platform.migrations import upgrade_to_head
from matjip_platform.service import Runtime, ServiceDefinition, build_app

WAIT_SECONDS = 20.0  # how long a test waits for the real stack by default

T = TypeVar("T")


class TestKeys:
    """An RSA key pair generated for one test session (no key material lives in the repository)."""

    __test__ = False  # not a pytest test class

    def __init__(self, kid: str | None = None, issuer: str = "matjip-auth", audience: str = "matjip") -> None:
        self.kid = kid or f"test-{uuid.uuid4().hex[:8]}"
        self.issuer = issuer
        self.audience = audience
        self.private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def jwks(self) -> dict[str, Any]:
        jwk: dict[str, Any] = RSAAlgorithm.to_jwk(self.private_key.public_key(), as_dict=True)
        return {"keys": [{**jwk, "kid": self.kid, "use": "sig", "alg": "RS256"}]}

    def key_set(self) -> StaticKeySet:
        return StaticKeySet(self.jwks())

    def token(
        self,
        user_id: uuid.UUID | str,
        role: Role | str = Role.CUSTOMER,
        *,
        expires_in: timedelta = timedelta(minutes=5),
        **claims: Any,
    ) -> str:
        now = datetime.now(UTC)
        payload = {
            "sub": str(user_id),
            "role": str(role),
            "iss": self.issuer,
            "aud": self.audience,
            "iat": now,
            "exp": now + expires_in,
            "jti": uuid.uuid4().hex,
            "typ": "access",
            **claims,
        }
        return jwt.encode(payload, self.private_key, algorithm="RS256", headers={"kid": self.kid})

    def auth_header(self, user_id: uuid.UUID | str, role: Role | str = Role.CUSTOMER) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(user_id, role)}"}


@dataclass
class RunningService:
    app: FastAPI
    runtime: Runtime[Any, Any]
    client: httpx.AsyncClient

    @property
    def components(self) -> Any:
        """The service's typed components (its tests know their type)."""
        return self.runtime.components


@asynccontextmanager
async def running_service(
    definition: ServiceDefinition[Any, Any],
    *,
    database_url: str,
    kafka_bootstrap: str,
    redis_url: str,
    topic_prefix: str,
    keys: TestKeys | None = None,
    **settings: Any,
) -> AsyncIterator[RunningService]:
    """Migrate and start a service in this process (HTTP through ASGI, real Kafka/PostgreSQL/Redis)."""
    config = definition.settings_class(
        service_name=definition.name,
        db_schema=definition.schema,
        database_url=database_url,
        kafka_bootstrap=kafka_bootstrap,
        redis_url=redis_url,
        kafka_topic_prefix=topic_prefix,
        consumer_retry_base_seconds=0.05,
        **settings,
    )
    await asyncio.to_thread(upgrade_to_head, config, definition.migrations_dir)
    app = build_app(definition, config)
    async with app.router.lifespan_context(app):
        runtime: Runtime[Any, Any] = app.state.runtime
        if keys is not None:
            runtime.verifier.keys = keys.key_set()
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield RunningService(app, runtime, client)


async def read_topic(
    bootstrap: str,
    topic: str,
    *,
    expected: int,
    timeout: float = 20.0,
) -> list[tuple[Envelope, dict[str, str]]]:
    """Every message on `topic` from the start, waiting until at least `expected` arrived (or timeout).
    Returns each envelope with its raw headers (dead-letter headers included)."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=None,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    found: list[tuple[Envelope, dict[str, str]]] = []
    deadline = time.monotonic() + timeout
    try:
        while len(found) < expected and time.monotonic() < deadline:
            batches = await consumer.getmany(timeout_ms=200)
            for records in batches.values():
                for record in records:
                    headers = {k: v.decode(errors="replace") for k, v in record.headers}
                    try:
                        envelope = Envelope.from_kafka(record.key, record.value, record.headers)
                    except Exception:  # a deliberately broken message in a DLQ test
                        envelope = Envelope(
                            event_id=uuid.uuid4(),
                            event_type=headers.get("event_type", "?"),
                            event_version=0,
                            source="?",
                            occurred_at=datetime.now(UTC),
                            key=(record.key or b"").decode(errors="replace"),
                            payload={"raw": (record.value or b"").decode(errors="replace")},
                        )
                    found.append((envelope, headers))
    finally:
        await consumer.stop()
    return found


# --- waiting ---------------------------------------------------------------------------------------------


async def poll(condition: Callable[[], Awaitable[T | None]], message: str, timeout: float = WAIT_SECONDS) -> T:
    """Await `condition()` until it returns something truthy, and return that (a bounded poll instead of a
    guessed sleep); AssertionError(message) after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not (result := await condition()):
        if time.monotonic() > deadline:
            raise AssertionError(message)
        await asyncio.sleep(0.05)
    return result


async def wait_until_processed(
    runtime_or_db: Runtime[Any, Any] | Database, *envelopes: Envelope, timeout: float = WAIT_SECONDS
) -> None:
    """Wait until the service's inbox (`processed_events`) holds every envelope: its consumer committed their
    handling, and so that of everything before them on their partitions."""
    db = runtime_or_db.db if isinstance(runtime_or_db, Runtime) else runtime_or_db
    who = runtime_or_db.definition.name if isinstance(runtime_or_db, Runtime) else "the service"
    if isinstance(runtime_or_db, Runtime):
        # A kind of event the service's handlers skip (`EventHandlers.on(..., only=...)`) never reaches
        # its inbox: waiting for it would wait forever.
        handlers = runtime_or_db.definition.handlers
        envelopes = tuple(e for e in envelopes if handlers.find(e.event_type) is None or handlers.acts_on(e))
    wanted = {envelope.event_id for envelope in envelopes}

    async def done() -> bool:
        async with db.transaction() as conn:
            found = await conn.scalars(
                select(processed_events.c.event_id).where(processed_events.c.event_id.in_(wanted))
            )
            return set(found) == wanted

    await poll(done, f"{who} did not process {sorted(map(str, wanted))} within {timeout} s", timeout)


def messages_consumed(topic: str, event_type: str, outcome: str) -> float:
    """This process's `kafka_messages_consumed_total` for a (full) topic, event type and outcome."""
    labels = {"topic": topic, "event_type": event_type, "outcome": outcome}
    return REGISTRY.get_sample_value("kafka_messages_consumed_total", labels) or 0.0


# --- Kafka -----------------------------------------------------------------------------------------------


class EventProducer:
    """Produces to a service's prefixed topics as the owners of the events would: enveloped, keyed, with
    the envelope's headers."""

    def __init__(self, bootstrap: str, topic_prefix: str) -> None:
        self.bootstrap = bootstrap
        self.topic_prefix = topic_prefix
        self._producer: AIOKafkaProducer | None = None

    async def start(self) -> None:
        self._producer = AIOKafkaProducer(bootstrap_servers=self.bootstrap, enable_idempotence=True)
        await self._producer.start()

    async def stop(self) -> None:
        if self._producer is not None:
            await self._producer.stop()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    async def send(self, event: Event) -> Envelope:
        """Produce `event` in a new envelope to its topic; returns the envelope (to redeliver it)."""
        envelope = Envelope.wrap(event, source="test")
        await self.redeliver(envelope, event.topic)
        return envelope

    async def redeliver(self, envelope: Envelope, topic: str | None = None) -> None:
        """Produce `envelope` as it is, event id and all (what a producer retry or a replay does), to `topic`
        (unprefixed) or else the topic its event type travels on."""
        if topic is None:
            model = event_model(envelope.event_type, envelope.event_version)
            if model is None:
                raise ValueError(f"no topic is known for {envelope.event_type} v{envelope.event_version}")
            topic = model.topic
        assert self._producer is not None, "the producer is not started"
        await self._producer.send_and_wait(
            self.topic_prefix + topic,
            value=envelope.kafka_value(),
            key=envelope.key.encode(),
            headers=envelope.kafka_headers(),
        )


@dataclass(frozen=True)
class Published:
    """A message found on a topic: the topic (without the test prefix) and the envelope."""

    topic: str
    envelope: Envelope

    @property
    def event_type(self) -> str:
        return self.envelope.event_type

    @property
    def payload(self) -> dict[str, Any]:
        return self.envelope.payload


class TopicLog:
    """Every message of some (prefixed) topics from their beginning, collected in the background while
    tests run."""

    def __init__(self, bootstrap: str, *topics: str, prefix: str = "", timeout: float = WAIT_SECONDS) -> None:
        self.bootstrap = bootstrap
        self.topics = [prefix + topic for topic in topics]
        self.prefix = prefix
        self.timeout = timeout
        self.published: list[Published] = []
        self._changed = asyncio.Condition()
        self._consumer: AIOKafkaConsumer | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def envelopes(self) -> list[Envelope]:
        return [published.envelope for published in self.published]

    async def start(self) -> None:
        self._consumer = AIOKafkaConsumer(
            *self.topics,
            bootstrap_servers=self.bootstrap,
            group_id=None,
            auto_offset_reset="earliest",
            enable_auto_commit=False,
        )
        await self._consumer.start()
        self._task = asyncio.create_task(self._collect(self._consumer))

    async def _collect(self, consumer: AIOKafkaConsumer) -> None:
        while True:
            batches = await consumer.getmany(timeout_ms=100)
            records = [record for records in batches.values() for record in records]
            if records:
                async with self._changed:
                    self.published += [
                        Published(r.topic.removeprefix(self.prefix), Envelope.from_kafka(r.key, r.value, r.headers))
                        for r in records
                    ]
                    self._changed.notify_all()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._consumer is not None:
            await self._consumer.stop()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    def matching(
        self, event_type: str | tuple[str, ...] | None, *, key: object = None, **payload_fields: Any
    ) -> list[Envelope]:
        """The envelopes so far of `event_type` (any of several; None: any), with this Kafka key (compared as
        a string) if given, whose payload has `payload_fields` (JSON values)."""
        types = (event_type,) if isinstance(event_type, str) else event_type
        return [
            env
            for env in self.envelopes
            if (types is None or env.event_type in types)
            and (key is None or env.key == str(key))
            and all(env.payload.get(k) == v for k, v in payload_fields.items())
        ]

    async def wait_for(
        self, event_type: str | tuple[str, ...], count: int = 1, *, key: object = None, **payload_fields: Any
    ) -> list[Envelope]:
        """`matching(...)`, once at least `count` messages match; AssertionError if they do not arrive."""

        def enough() -> bool:
            return len(self.matching(event_type, key=key, **payload_fields)) >= count

        async with self._changed:
            try:
                await asyncio.wait_for(self._changed.wait_for(enough), self.timeout)
            except TimeoutError:
                others = [env.event_type for env in self.matching(None, key=key, **payload_fields)]
                raise AssertionError(
                    f"{count} x {event_type} (key {key}, {payload_fields}) did not arrive within {self.timeout} s; "
                    f"got {self.matching(event_type, key=key, **payload_fields)}; all alike: {others}"
                ) from None
        return self.matching(event_type, key=key, **payload_fields)


# --- a service under test --------------------------------------------------------------------------------


@dataclass
class ServiceUnderTest:
    """A service running in-process, the keys its callers' tokens are signed with, and a producer playing
    the services whose events it consumes. Each service's harness extends it with its own steps."""

    service: RunningService
    keys: TestKeys
    producer: EventProducer

    @property
    def client(self) -> httpx.AsyncClient:
        return self.service.client

    @property
    def topic_prefix(self) -> str:
        return self.producer.topic_prefix

    async def send(self, event: Event) -> Envelope:
        """Produce `event` as its owner would; returns its envelope (redeliver it to send it again)."""
        return await self.producer.send(event)

    async def redeliver(self, envelope: Envelope, topic: str | None = None) -> None:
        """Produce `envelope` again, event id and all."""
        await self.producer.redeliver(envelope, topic)

    async def processed(self, *envelopes: Envelope, timeout: float = WAIT_SECONDS) -> None:
        """Wait until the service's consumer committed the handling of these messages."""
        await wait_until_processed(self.service.runtime, *envelopes, timeout=timeout)


def listening_socket() -> socket.socket:
    """A socket listening on a free loopback port: connections queue in its backlog until it is served."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    return listener


@asynccontextmanager
async def served_over_http(app: FastAPI, listener: socket.socket) -> AsyncIterator[str]:
    """Serve an app already started (by `running_service`) with a real uvicorn on `listener`, for what needs
    real HTTP (an endless SSE stream, an adapter calling back); yields the base URL, closes the listener."""
    server = uvicorn.Server(uvicorn.Config(app, lifespan="off", log_config=None, timeout_graceful_shutdown=5))
    serving = asyncio.create_task(server.serve(sockets=[listener]))
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        server.should_exit = True
        await serving
        listener.close()
