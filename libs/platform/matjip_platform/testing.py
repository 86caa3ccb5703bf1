"""Helpers for services' tests: signing keys made at test time, a service running in-process against the
real infrastructure, and a reader for what landed on a Kafka topic. Never used in production code."""

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
from aiokafka import AIOKafkaConsumer
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI
from jwt.algorithms import RSAAlgorithm

from matjip_contracts.events.common import Role
from matjip_platform.auth import StaticKeySet
from matjip_platform.envelope import Envelope
from matjip_platform.migrations import upgrade_to_head
from matjip_platform.service import Runtime, ServiceDefinition, build_app


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
    runtime: Runtime
    client: httpx.AsyncClient


@asynccontextmanager
async def running_service(
    definition: ServiceDefinition,
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
        runtime: Runtime = app.state.runtime
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
