"""The infrastructure tests need (PostgreSQL, Redis, Kafka), started on demand and idempotently."""

from __future__ import annotations

import fcntl
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from matjip_devstack import config
from matjip_devstack.kafka import Kafka
from matjip_devstack.paths import RUN, ensure_dirs
from matjip_devstack.postgres import Postgres
from matjip_devstack.redis_server import Redis
from matjip_devstack.topics import create_topics, run_sync


@dataclass(frozen=True)
class Infra:
    """Connection settings of the running infrastructure.

    `database_url` and `admin_database_url` are SQLAlchemy asyncpg URLs (`postgresql+asyncpg://`);
    the admin one points at the `postgres` maintenance database (for CREATE/DROP DATABASE).
    Use :meth:`dsn` to turn either into a plain libpq URL for `asyncpg.connect` or psql.
    """

    database_url: str = config.DATABASE_URL
    admin_database_url: str = (
        f"postgresql+asyncpg://{config.DB_USER}@{config.HOST}:{config.POSTGRES_PORT}/postgres"
    )
    kafka_bootstrap: str = config.KAFKA_BOOTSTRAP
    redis_url: str = config.REDIS_URL
    started: tuple[str, ...] = field(default=(), compare=False)
    """Components this call started (empty when everything was already running)."""

    @staticmethod
    def dsn(url: str) -> str:
        return url.replace("postgresql+asyncpg://", "postgresql://", 1)

    def database_url_for(self, database: str) -> str:
        return self.database_url.rsplit("/", 1)[0] + "/" + database

    def create_topics(self, prefix: str = "", topics: Iterable[str] | None = None) -> list[str]:
        """Create the contract's topics (and their .dlq) under `prefix`; returns the full names."""
        return run_sync(create_topics(self.kafka_bootstrap, prefix, topics))


@contextmanager
def _lock() -> Iterator[None]:
    # pytest-xdist workers or two terminals may call this at once: one starts, the others wait.
    ensure_dirs()
    with (RUN / "infra.lock").open("w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def ensure_infra() -> Infra:
    """Start PostgreSQL, Redis and Kafka unless they already run, create the topics, return URLs.

    Idempotent and cheap when everything is up (a few health checks).
    """
    with _lock():
        kafka, postgres, redis = Kafka(), Postgres(), Redis()
        started: list[str] = []
        if kafka.launch():  # JVM start-up overlaps with PostgreSQL's
            started.append(kafka.name)
        if postgres.start():
            started.append(postgres.name)
        if redis.start():
            started.append(redis.name)
        kafka.wait_healthy()
        run_sync(create_topics())
    return Infra(started=tuple(started))


def stop_infra(names: Iterable[str] | None = None) -> None:
    """Stop the given components (default: all three), Kafka before its clients' databases."""
    wanted = set(names) if names is not None else {"kafka", "redis", "postgres"}
    for component in (Kafka(), Redis(), Postgres()):
        if component.name in wanted:
            component.stop()
