"""A whole platform of its own, beside any dev stack: for end-to-end tests and benchmarks.

Its own database, Kafka topic prefix, ports, signing keys and admin account; every service and the
sandbox payment gateway (with a merchant key of its own) as real processes behind the dev edge; spans to
the local Zipkin. Everything it made is removed on exit.

With `replicas` ({"order": 2, ...}), services run several processes behind the edge (each on a port of its
own), and `supervise` adds the edge's active health checks (matjip_devstack.supervisor), as `./matjip up
--replicas` does."""

from __future__ import annotations

import secrets
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from matjip_devstack.edge import spawn_edge, web_root_default
from matjip_devstack.infra import Infra, ensure_infra
from matjip_devstack.processes import Handle, StackError, spawn
from matjip_devstack.services import PROCESSES
from matjip_devstack.stack import ServiceStack, free_ports, instance_name
from matjip_devstack.testing import create_test_database, create_topic_prefix, delete_topic_prefix, drop_test_database
from matjip_devstack.zipkin import Zipkin


@dataclass
class IsolatedPlatform:
    infra: Infra
    stack: ServiceStack
    edge_url: str
    database_url: str
    topic_prefix: str
    zipkin_url: str
    admin_email: str
    admin_password: str
    log_dir: Path
    key_dir: Path
    edge_state_dir: Path
    """The edge's state (matjip_devstack.edge_control.EdgeControl drains and adds replicas through it)."""


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1.0).status_code == 200
    except httpx.HTTPError:
        return False


@contextmanager
def isolated_platform(
    work_dir: Path, env: Mapping[str, str] | None = None, *, replicas: Mapping[str, int] | None = None,
    supervise: bool = False,
) -> Iterator[IsolatedPlatform]:
    """Start every service, the sandbox PG and the edge against fresh resources; stop and clean up on exit."""
    names = [s.name for s in PROCESSES]
    counts = dict.fromkeys(names, 1) | dict(replicas or {})
    instances = [instance_name(n, k) for n in names for k in range(1, counts[n] + 1)]
    infra = ensure_infra()
    zipkin = Zipkin()
    started_zipkin = zipkin.launch()
    database_url = create_test_database(infra, "platform")
    prefix = create_topic_prefix(infra, "platform")
    log_dir, key_dir = work_dir / "logs", work_dir / "keys"
    log_dir.mkdir(parents=True, exist_ok=True)
    key_dir.mkdir(parents=True, exist_ok=True)
    ports = free_ports([*instances, "edge"])
    admin_email, admin_password = "admin@matjip.dev", secrets.token_urlsafe(18)
    stack = ServiceStack(
        {
            "MATJIP_DATABASE_URL": database_url,
            "MATJIP_KAFKA_TOPIC_PREFIX": prefix,
            "MATJIP_ZIPKIN_ENDPOINT": f"{zipkin.url()}/api/v2/spans",
            "MATJIP_ADMIN_EMAIL": admin_email,
            "MATJIP_ADMIN_PASSWORD": admin_password,
            "MATJIP_AUTH_KEY_DIR": str(key_dir),
            **(env or {}),
        },
        log_dir=log_dir,
        ports={name: ports[name] for name in instances},
        replicas=counts,
    )
    edge: Handle | None = None
    supervisor: Handle | None = None
    edge_state_dir = work_dir / "edge"
    try:
        stack.migrate_and_start(names, timeout=180)
        edge = spawn_edge(
            port=ports["edge"],
            upstreams=stack.upstreams(names),
            state_dir=edge_state_dir,
            log_path=log_dir / "edge.log",
            web_root=web_root_default(),
        )
        edge_url = f"http://127.0.0.1:{ports['edge']}"
        deadline = time.monotonic() + 30
        while not _answers(f"{edge_url}/health/live"):
            if time.monotonic() > deadline:
                raise StackError(f"the edge did not start; see {log_dir / 'edge.log'}")
            time.sleep(0.2)
        if supervise:
            supervisor = spawn("supervisor", [sys.executable, "-m", "matjip_devstack.supervisor", "--state-dir",
                                              str(edge_state_dir)], log_path=log_dir / "supervisor.log")
        zipkin.wait_healthy()
        yield IsolatedPlatform(
            infra, stack, edge_url, database_url, prefix, zipkin.url(), admin_email, admin_password, log_dir, key_dir,
            edge_state_dir,
        )
    finally:
        if supervisor is not None:
            supervisor.stop(5.0)
        if edge is not None:
            edge.stop(5.0)
        stack.stop_all()
        drop_test_database(infra, database_url)
        delete_topic_prefix(infra, prefix)
        if started_zipkin:
            zipkin.stop()
