"""What a benchmark runs against: a running platform's addresses and the processes it is made of."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from matjip_bench.machine import listener_pid
from matjip_bench.result import Stack
from matjip_devstack.infra import Infra
from matjip_devstack.isolated import IsolatedPlatform
from matjip_devstack.kafka import Kafka
from matjip_devstack.paths import RUN
from matjip_devstack.postgres import Postgres
from matjip_devstack.processes import read_pidfile
from matjip_devstack.redis_server import Redis
from matjip_devstack.services import PROCESSES
from matjip_devstack.stack import ServiceStack

INFRASTRUCTURE = ("postgres", "kafka", "redis", "prometheus", "zipkin")


@dataclass(frozen=True)
class Target:
    edge_url: str
    database_url: str
    """SQLAlchemy asyncpg URL of the platform's database (each service's tables in its own schema)."""
    kafka_bootstrap: str
    topic_prefix: str = ""
    processes: dict[str, int] = field(default_factory=dict)
    """Name -> pid of every process of the platform (services, edge, infrastructure)."""

    @property
    def dsn(self) -> str:
        return Infra.dsn(self.database_url)

    @property
    def admin_dsn(self) -> str:
        """The `postgres` maintenance database of the same server (to create scratch databases)."""
        return Infra.dsn(self.database_url.rsplit("/", 1)[0] + "/postgres")


def infrastructure_processes() -> dict[str, int]:
    """The local infrastructure's processes (shared by the dev stack and test platforms of a checkout)."""
    found: dict[str, int] = {}
    postmaster = Postgres().postmaster_pid()
    if postmaster is not None:
        found["postgres"] = postmaster
    for name in ("kafka", "redis", "prometheus", "zipkin"):
        handle = read_pidfile(RUN / f"{name}.pid")
        if handle is not None:
            found[name] = handle.pid
    if "kafka" not in found and (pid := listener_pid(Kafka.port)) is not None:
        found["kafka"] = pid
    if "redis" not in found and (pid := listener_pid(Redis.port)) is not None:
        found["redis"] = pid
    return found


def platform_processes(stack: ServiceStack, edge_port: int) -> dict[str, int]:
    """Every service of `stack` that runs, the process listening on the edge's port, the infrastructure."""
    found: dict[str, int] = {}
    for svc in PROCESSES:  # the sandbox PG too: the local stack pays through it
        handle = stack.handle(svc.name)
        if handle is not None:
            found[svc.name] = handle.pid
    # Whatever serves the edge (a Python proxy, nginx): the process that listens on its port.
    edge = listener_pid(edge_port)
    if edge is not None:
        found["edge"] = edge
    return found | infrastructure_processes()


def isolated_target(platform: IsolatedPlatform) -> Target:
    """A platform of its own (matjip_devstack.isolated, as end-to-end tests run one) as a target."""
    return Target(
        edge_url=platform.edge_url,
        database_url=platform.database_url,
        kafka_bootstrap=platform.infra.kafka_bootstrap,
        topic_prefix=platform.topic_prefix,
        processes=platform_processes(platform.stack, urlsplit(platform.edge_url).port or 80),
    )


# The settings that change what the figures mean, recorded with them.
REPORTED_SETTINGS = ("MATJIP_LOG_LEVEL", "MATJIP_ZIPKIN_ENDPOINT", "MATJIP_OTLP_ENDPOINT",
                     "MATJIP_RATE_LIMIT_PER_IP", "MATJIP_RATE_LIMIT_PER_USER")


def process_environment(pid: int) -> dict[str, str]:
    try:
        raw = Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:
        return {}
    pairs = (item.decode(errors="replace").partition("=") for item in raw.split(b"\0") if item)
    return {key: value for key, _, value in pairs}


def stack_settings(pid: int) -> dict[str, str]:
    """What a service of the stack runs with (read from its environment; unset means the default)."""
    env = process_environment(pid)
    return {key: env.get(key, "(default)") for key in REPORTED_SETTINGS}


def describe(target: Target, *, started_by_bench: bool, ready_seconds: float | None = None) -> Stack:
    order = target.processes.get("order")
    return Stack(
        edge_url=target.edge_url, started_by_bench=started_by_bench, ready_seconds=ready_seconds,
        processes=sorted(target.processes), settings=stack_settings(order) if order else {},
    )
