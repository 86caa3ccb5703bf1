"""auth running in-process against the real PostgreSQL, Redis and Kafka of the local stack, and the
steps its API tests are made of."""

import random
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from prometheus_client import REGISTRY

from matjip_auth.app import definition
from matjip_devstack.infra import Infra
from matjip_platform.auth import StaticKeySet, TokenVerifier
from matjip_platform.envelope import Envelope
from matjip_platform.service import Platform, Runtime, ServiceDefinition
from matjip_platform.settings import ServiceSettings
from matjip_platform.testing import RunningService, read_topic, running_service

# Low enough that the per-IP test needs only a few password checks (each takes ~0.1 s of argon2).
IP_LIMIT = 8


@dataclass
class AuthUnderTest:
    service: RunningService
    admin_email: str
    admin_password: str
    topic_prefix: str
    kafka_bootstrap: str
    redis_url: str

    def client(self, ip: str | None = None) -> httpx.AsyncClient:
        """A client calling from its own IP, so throttling counters of one test never touch another's
        (Redis outlives test sessions)."""
        transport = httpx.ASGITransport(app=self.service.app, client=(ip or random_ip(), 40000))
        return httpx.AsyncClient(transport=transport, base_url="http://testserver")


def random_ip() -> str:
    return "10." + ".".join(str(random.randint(0, 255)) for _ in range(3))


@asynccontextmanager
async def start_auth(
    infra: Infra, database_url: str, topic_prefix: str, key_dir: Path, admin_email: str, admin_password: str
) -> AsyncIterator[RunningService]:
    async with running_service(
        definition,
        database_url=database_url,
        kafka_bootstrap=infra.kafka_bootstrap,
        redis_url=infra.redis_url,
        topic_prefix=topic_prefix,
        keys=None,  # auth verifies with its own keys, like in production
        auth_key_dir=key_dir,
        admin_email=admin_email,
        admin_password=admin_password,
        login_max_failures_per_ip=IP_LIMIT,
    ) as service:
        yield service


PASSWORD = "correct horse battery"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def sign_up(
    client: httpx.AsyncClient, email: str, *, role: str = "CUSTOMER", password: str = PASSWORD
) -> dict[str, Any]:
    response = await client.post(
        "/api/auth/signup", json={"email": email, "password": password, "display_name": "Kim Minji", "role": role}
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def log_in(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> dict[str, Any]:
    response = await client.post("/api/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def refresh(client: httpx.AsyncClient, refresh_token: str) -> httpx.Response:
    return await client.post("/api/auth/refresh", json={"refresh_token": refresh_token})


def problem_code(response: httpx.Response) -> str:
    assert response.headers["content-type"].startswith("application/problem+json"), response.text
    code: str = response.json()["code"]
    return code


def logins(outcome: str) -> float:
    return REGISTRY.get_sample_value("auth_logins_total", {"outcome": outcome}) or 0.0


@asynccontextmanager
async def platform_verifier(jwks: dict[str, Any], redis_url: str) -> AsyncIterator[TokenVerifier]:
    """The verifier of any other service's runtime (built by the platform), fed auth's published JWKS."""

    async def no_components(_: Platform[ServiceSettings]) -> None:
        return None

    probe: ServiceDefinition[ServiceSettings, None] = ServiceDefinition(
        name="probe",
        title="probe",
        description="",
        migrations_dir=Path("."),
        schema="probe",
        settings_class=ServiceSettings,
        components=no_components,
    )
    runtime = Runtime(probe, ServiceSettings(service_name="probe", redis_url=redis_url))
    runtime.verifier.keys = StaticKeySet(jwks)
    try:
        yield runtime.verifier
    finally:
        await runtime.producer.stop()  # created by the runtime, never started
        await runtime.redis.aclose()
        await runtime.db.close()


async def published(bootstrap: str, topic: str, *, matching: dict[str, Any], timeout: float = 20.0) -> list[Envelope]:
    """The events on `topic` whose payload has the given values, once at least one has arrived."""
    deadline = time.monotonic() + timeout
    while True:
        found = [
            envelope
            for envelope, _ in await read_topic(bootstrap, topic, expected=10**6, timeout=1.0)
            if all(envelope.payload.get(k) == v for k, v in matching.items())
        ]
        if found or time.monotonic() > deadline:
            return found
