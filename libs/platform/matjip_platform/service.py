"""A service's runtime: wires settings, database, Redis, Kafka, outbox relay, consumers and HTTP, and
runs them with a graceful shutdown.

A service supplies its domain as a `ServiceDefinition[S, C]`: its settings class `S` and a function that
builds its typed components `C` (its collaborators: the unit-of-work factory, a gateway, a model, a hub)
from what the platform provides. Routes receive `C` through a FastAPI dependency
(`matjip_platform.http.components_of`), event handlers through their `HandlerContext`, background tasks
as their first argument: one composition root, no string-keyed registry.
"""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

import structlog
import uvicorn
import uvloop
from aiokafka import AIOKafkaProducer
from fastapi import APIRouter, FastAPI
from redis.asyncio import Redis
from redis.exceptions import RedisError

from matjip_platform.auth import KeySet, RemoteKeySet, TokenVerifier, revoked_access_key
from matjip_platform.consumer import EventConsumer
from matjip_platform.db import Database
from matjip_platform.handlers import EventHandlers
from matjip_platform.http import create_app
from matjip_platform.kafka_connection import kafka_connection_options
from matjip_platform.logging import setup_logging
from matjip_platform.migrations import assert_schema_runnable
from matjip_platform.outbox import Outbox
from matjip_platform.ratelimit import RateLimiter
from matjip_platform.relay import OutboxRelay
from matjip_platform.settings import ServiceSettings
from matjip_platform.telemetry import setup_tracing, shutdown_tracing
from matjip_platform.unit_of_work import UnitOfWorkFactory

log = structlog.get_logger(__name__)

S = TypeVar("S", bound=ServiceSettings)
C = TypeVar("C")

BackgroundTask = Callable[[C, asyncio.Event], Awaitable[None]]


@dataclass(frozen=True)
class Platform(Generic[S]):
    """What the platform gives a service to build its components from."""

    settings: S
    db: Database
    redis: Redis
    unit_of_work: UnitOfWorkFactory
    # Set once the service's consumers have read every assigned partition to its end since start (at once
    # for a service that consumes nothing): decisions about the absence of an event wait for it.
    consumer_caught_up: asyncio.Event


@dataclass
class ServiceDefinition(Generic[S, C]):
    name: str
    title: str
    description: str
    migrations_dir: Path
    schema: str  # the service's own PostgreSQL schema (MATJIP_DB_SCHEMA overrides it)
    settings_class: type[S]
    components: Callable[[Platform[S]], Awaitable[C]]  # builds the service's collaborators at start
    routers: Sequence[APIRouter] = ()
    handlers: EventHandlers[C] = field(default_factory=EventHandlers)
    background: Sequence[BackgroundTask[C]] = ()
    close: Callable[[C], Awaitable[None]] | None = None  # releases what `components` opened
    key_set: Callable[[C], KeySet] | None = None  # auth verifies with its own keys
    # Paths the per-client rate limits do not apply to (a dev-only endpoint the service calls itself).
    rate_limit_exempt_prefixes: Sequence[str] = ()


class Runtime(Generic[S, C]):
    """The live resources of one service process."""

    def __init__(self, definition: ServiceDefinition[S, C], settings: S) -> None:
        self.definition = definition
        self.settings = settings
        self.db = Database.from_settings(settings)
        self.redis: Redis = Redis.from_url(settings.redis_url, decode_responses=True)
        self.producer = AIOKafkaProducer(
            **kafka_connection_options(settings),
            client_id=f"matjip-{settings.service_name}",
            enable_idempotence=True,  # implies acks=all: no event is lost or duplicated by retries
            acks="all",
            linger_ms=5,
        )
        self.outbox = Outbox(settings.service_name, settings.kafka_topic_prefix)
        self.relay = OutboxRelay(self.db, self.producer, source=settings.service_name)
        self.unit_of_work = UnitOfWorkFactory(self.db, self.outbox, on_events_committed=self.relay.wake)
        self.consumer: EventConsumer[C] | None = None
        self.consumer_caught_up = asyncio.Event()
        self.verifier = TokenVerifier(
            RemoteKeySet(settings.jwks_url),
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            is_revoked=self._is_revoked,
        )
        self.rate_limiter = RateLimiter(
            self.redis,
            service=settings.service_name,
            per_ip=settings.rate_limit_per_ip,
            per_user=settings.rate_limit_per_user,
        )
        self.rate_limit_exempt = tuple(definition.rate_limit_exempt_prefixes)
        self.draining = False
        self.crashed_task: str | None = None
        self._components: C | None = None
        self._built = False
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    @property
    def components(self) -> C:
        if not self._built:
            raise RuntimeError(f"{self.definition.name} is not started: its components are built by start()")
        return self._components  # type: ignore[return-value]  # C itself may be None

    def platform(self) -> Platform[S]:
        return Platform(self.settings, self.db, self.redis, self.unit_of_work, self.consumer_caught_up)

    async def _is_revoked(self, jti: str) -> bool:
        try:
            return bool(await self.redis.exists(revoked_access_key(jti)))
        except RedisError:
            log.warning("revocation_check_unavailable")  # short-lived tokens bound the exposure
            return False

    async def start(self) -> None:
        await self.db.ping()
        # An older image (a rollback) runs on a newer schema only if every migration since is
        # backward compatible; it says so. A schema older than the image refuses: migrate first.
        schema = await asyncio.to_thread(assert_schema_runnable, self.settings, self.definition.migrations_dir)
        if schema.warning:
            log.warning("schema_newer_than_image", detail=schema.warning)
        await self.producer.start()
        components = await self.definition.components(self.platform())
        self._components, self._built = components, True
        if self.definition.key_set is not None:
            self.verifier.keys = self.definition.key_set(components)
        self._spawn("outbox-relay", self.relay.run(self._stop))
        if self.definition.handlers:
            self.consumer = EventConsumer(
                self.settings, self.unit_of_work, self.definition.handlers, components, self.producer
            )
            await self.consumer.start()
            self._spawn("consumer", self.consumer.run(self._stop))
            self._spawn("consumer-caught-up", self._follow_caught_up(self.consumer))
        else:
            self.consumer_caught_up.set()
        for task in self.definition.background:
            self._spawn(getattr(task, "__name__", "background"), task(components, self._stop))
        log.info("service_started", port=self.settings.http_port)

    async def _follow_caught_up(self, consumer: EventConsumer[C]) -> None:
        await consumer.caught_up.wait()
        self.consumer_caught_up.set()

    def _spawn(self, name: str, coro: Awaitable[None]) -> None:
        async def guarded() -> None:
            try:
                await coro
            except asyncio.CancelledError:
                raise
            except Exception:
                # A dead loop would silently stop the service's work: fail liveness so it is restarted.
                log.exception("background_task_crashed", task=name)
                self.crashed_task = name

        self._tasks.append(asyncio.create_task(guarded(), name=name))

    async def stop(self) -> None:
        """Stop consuming (the batch in hand finishes), flush the outbox, then close connections."""
        self.draining = True
        self._stop.set()
        timeout = self.settings.shutdown_timeout_seconds
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.gather(*self._tasks, return_exceptions=True), timeout / 2)
        for task in self._tasks:
            task.cancel()
        if self.consumer is not None:
            await self.consumer.stop()
        if self.definition.close is not None and self._built:
            await self.definition.close(self.components)
        try:
            flushed = await self.relay.flush(timeout / 4)
            log.info("outbox_flushed", events=flushed)
        except Exception:
            log.exception("outbox_flush_failed")
        await self.producer.stop()
        await self.redis.aclose()
        await self.db.close()
        shutdown_tracing()
        log.info("service_stopped")

    async def readiness(self) -> dict[str, bool]:
        """Every dependency's state; which of them gate readiness is matjip_platform.http.READINESS_GATES."""
        checks: dict[str, bool] = {"accepting": not self.draining}

        async def probe(name: str, check: Callable[[], Awaitable[Any]]) -> None:
            try:
                await asyncio.wait_for(check(), 2.0)
                checks[name] = True
            except Exception:
                checks[name] = False

        await asyncio.gather(
            probe("database", self.db.ping),
            probe("redis", self.redis.ping),
            probe("kafka", self.producer.client.fetch_all_metadata),
        )
        return checks


def build_app(
    definition: ServiceDefinition[S, C],
    settings: S,
    on_runtime: Callable[[Runtime[S, C]], None] | None = None,
) -> FastAPI:
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime = Runtime(definition, settings)
        app.state.runtime = runtime
        if on_runtime is not None:
            on_runtime(runtime)
        await runtime.start()
        app.state.components = runtime.components
        try:
            yield
        finally:
            await runtime.stop()

    return create_app(
        name=definition.name,
        title=definition.title,
        description=definition.description,
        routers=definition.routers,
        lifespan=lifespan,
    )


def load_settings(definition: ServiceDefinition[S, C]) -> S:
    settings = definition.settings_class()
    if settings.service_name == "service":
        settings.service_name = definition.name
    if not settings.db_schema:
        settings.db_schema = definition.schema
    return settings


def uvicorn_config(app: FastAPI, settings: ServiceSettings, **overrides: Any) -> uvicorn.Config:
    """How a service's HTTP server runs: forwarded headers believed from the trusted proxies only."""
    options: dict[str, Any] = {
        "host": settings.http_host,
        "port": settings.http_port,
        "log_config": None,
        "lifespan": "on",
        "timeout_graceful_shutdown": int(settings.shutdown_timeout_seconds / 2),
        # Longer than any proxy's pooled idle connection (the dev edge's 60 s, ALB's 60 s), so the proxy
        # always closes first and never sends a request into a connection we are closing.
        "timeout_keep_alive": 75,
        "proxy_headers": True,
        "forwarded_allow_ips": settings.trusted_proxies,
    }
    return uvicorn.Config(app, **(options | overrides))


def serve(definition: ServiceDefinition[S, C]) -> None:
    settings = load_settings(definition)
    setup_logging(settings.service_name, settings.log_level)
    setup_tracing(settings)
    from matjip_platform import instrumentation

    def on_runtime(runtime: Runtime[S, C]) -> None:
        if settings.trace_sql_statements:
            instrumentation.instrument_engine(runtime.db.engine)

    app = build_app(definition, settings, on_runtime=on_runtime)
    instrumentation.instrument(app)
    server = uvicorn.Server(uvicorn_config(app, settings))
    uvloop.run(server.serve())  # libuv's event loop: a fraction of asyncio's per-callback cost
