"""Readiness is what a pod needs to serve its HTTP traffic (accepting, its database); a Redis or Kafka
outage degrades it but never takes it out of its Service. Liveness ignores all three."""

import uuid
from pathlib import Path

import pytest

from matjip_platform.service import Platform, ServiceDefinition
from matjip_platform.settings import ServiceSettings
from matjip_platform.testing import running_service

pytestmark = pytest.mark.integration


async def no_components(_: Platform[ServiceSettings]) -> None:
    return None


SAMPLE = Path(__file__).resolve().parent / "sample_service"


def sample() -> ServiceDefinition:
    name = f"ready{uuid.uuid4().hex[:6]}"
    return ServiceDefinition(
        name=name,
        title="s",
        description="s",
        migrations_dir=SAMPLE,
        schema=name,
        settings_class=ServiceSettings,
        components=no_components,
    )


async def unreachable() -> None:
    raise ConnectionError("scripted outage")


async def test_a_redis_outage_leaves_the_pod_ready_and_live(
    infra: object, test_database_url: str, kafka_topic_prefix: str
) -> None:
    async with running_service(
        sample(),
        database_url=test_database_url,
        kafka_bootstrap=infra.kafka_bootstrap,  # type: ignore[attr-defined]
        redis_url="redis://127.0.0.1:1/0",  # nothing listens there
        topic_prefix=kafka_topic_prefix,
    ) as service:
        ready = await service.client.get("/health/ready")
        live = await service.client.get("/health/live")
    assert ready.status_code == 200, ready.text
    assert ready.json()["checks"]["redis"] is False
    assert ready.json()["degraded"] == ["redis"]
    assert live.status_code == 200


async def test_a_kafka_outage_leaves_the_pod_ready_but_a_database_outage_does_not(
    infra: object, test_database_url: str, kafka_topic_prefix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with running_service(
        sample(),
        database_url=test_database_url,
        kafka_bootstrap=infra.kafka_bootstrap,  # type: ignore[attr-defined]
        redis_url=infra.redis_url,  # type: ignore[attr-defined]
        topic_prefix=kafka_topic_prefix,
    ) as service:
        monkeypatch.setattr(service.runtime.producer.client, "fetch_all_metadata", unreachable)
        kafka_down = await service.client.get("/health/ready")
        monkeypatch.setattr(service.runtime.db, "ping", unreachable)
        database_down = await service.client.get("/health/ready")
        live = await service.client.get("/health/live")
    assert kafka_down.status_code == 200 and kafka_down.json()["degraded"] == ["kafka"]
    assert database_down.status_code == 503
    assert database_down.headers["content-type"].startswith("application/problem+json")
    assert database_down.json()["code"] == "not_ready" and "database" in database_down.json()["detail"]
    assert live.status_code == 200
