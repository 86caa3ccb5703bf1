"""The running platform for end-to-end tests: every service as a real process, behind the dev edge.

The stack is isolated from a dev stack that may be running: its own database, Kafka topic prefix, ports,
signing keys and admin account. Spans go to the local Zipkin so tests can look at whole traces.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import httpx
import pytest

from matjip_devstack.infra import Infra, ensure_infra
from matjip_devstack.processes import Handle, spawn
from matjip_devstack.stack import ServiceStack, free_ports
from matjip_devstack.testing import create_test_database, create_topic_prefix, delete_topic_prefix, drop_test_database
from matjip_devstack.zipkin import Zipkin

T = TypeVar("T")
SERVICES = ["auth", "user", "store", "order", "payment", "notification", "ai"]
STORE_ACCEPT_TIMEOUT_SECONDS = 8


@dataclass
class Platform:
    infra: Infra
    stack: ServiceStack
    edge_url: str
    database_url: str
    topic_prefix: str
    zipkin_url: str
    admin_email: str
    admin_password: str
    log_dir: Path

    def client(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.edge_url, headers=headers, timeout=15.0)

    def sql(self, query: str, *args: Any) -> list[asyncpg.Record]:
        """Run a query on the platform's database (each service's tables are in its own schema)."""

        async def run() -> list[asyncpg.Record]:
            conn = await asyncpg.connect(Infra.dsn(self.database_url))
            try:
                return list(await conn.fetch(query, *args))
            finally:
                await conn.close()

        return asyncio.run(run())

    def topic(self, name: str) -> str:
        return self.topic_prefix + name


def eventually(check: Callable[[], T | None], *, timeout: float = 30.0, what: str = "condition") -> T:
    """Poll until `check` returns something truthy; fail with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    last: T | None = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}; last value: {last!r}")


@pytest.fixture(scope="session")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    infra = ensure_infra()
    zipkin = Zipkin()
    zipkin.launch()
    database_url = create_test_database(infra, "e2e")
    prefix = create_topic_prefix(infra, "e2e")
    log_dir = tmp_path_factory.mktemp("e2e-logs")
    ports = free_ports([*SERVICES, "edge"])
    admin_email, admin_password = "admin@e2e.matjip.local", secrets.token_urlsafe(18)
    stack = ServiceStack(
        {
            "MATJIP_DATABASE_URL": database_url,
            "MATJIP_KAFKA_TOPIC_PREFIX": prefix,
            "MATJIP_ZIPKIN_ENDPOINT": f"{zipkin.url()}/api/v2/spans",
            "MATJIP_STORE_ACCEPT_TIMEOUT_SECONDS": str(STORE_ACCEPT_TIMEOUT_SECONDS),
            "MATJIP_ADMIN_EMAIL": admin_email,
            "MATJIP_ADMIN_PASSWORD": admin_password,
            "MATJIP_AUTH_KEY_DIR": str(tmp_path_factory.mktemp("keys")),
            "MATJIP_LOG_LEVEL": "INFO",
        },
        log_dir=log_dir,
        ports={name: ports[name] for name in SERVICES},
    )
    edge: Handle | None = None
    try:
        stack.migrate_and_start(SERVICES, timeout=180)
        upstreams = {name: stack.url(name) for name in SERVICES}
        edge = spawn(
            "edge",
            [sys.executable, "-m", "matjip_devstack.edge", "--port", str(ports["edge"])],
            log_path=log_dir / "edge.log",
            env={**stack.env_for("auth"), "MATJIP_EDGE_UPSTREAMS": json.dumps(upstreams)},
        )
        edge_url = f"http://127.0.0.1:{ports['edge']}"
        eventually(lambda: _answers(f"{edge_url}/health/live"), what="the edge")
        zipkin.wait_healthy()
        yield Platform(
            infra, stack, edge_url, database_url, prefix, zipkin.url(), admin_email, admin_password, log_dir
        )
    finally:
        if edge is not None:
            edge.stop(5.0)
        stack.stop_all()
        drop_test_database(infra, database_url)
        delete_topic_prefix(infra, prefix)


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1.0).status_code == 200
    except httpx.HTTPError:
        return False


def unique_email(role: str) -> str:
    return f"{role.lower()}-{uuid.uuid4().hex[:10]}@e2e.matjip.local"
