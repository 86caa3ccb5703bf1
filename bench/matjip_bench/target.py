"""What a benchmark runs against: a running platform's addresses and the processes it is made of."""

from __future__ import annotations

from dataclasses import dataclass, field

from matjip_bench.machine import listener_pid
from matjip_devstack.infra import Infra
from matjip_devstack.kafka import Kafka
from matjip_devstack.paths import RUN
from matjip_devstack.postgres import Postgres
from matjip_devstack.processes import read_pidfile
from matjip_devstack.redis_server import Redis
from matjip_devstack.services import SERVICES
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

    @property
    def consumer_group_prefix(self) -> str:
        return f"{self.topic_prefix}matjip-"


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
    for svc in SERVICES:
        handle = stack.handle(svc.name)
        if handle is not None:
            found[svc.name] = handle.pid
    # Whatever serves the edge (a Python proxy, nginx): the process that listens on its port.
    edge = listener_pid(edge_port)
    if edge is not None:
        found["edge"] = edge
    return found | infrastructure_processes()
