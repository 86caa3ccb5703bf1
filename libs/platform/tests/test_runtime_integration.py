"""The service runtime on the real infrastructure: migrations, health, and a crashed loop failing liveness."""

import asyncio
import uuid
from pathlib import Path

import pytest

from matjip_platform.service import Platform, ServiceDefinition
from matjip_platform.settings import ServiceSettings
from matjip_platform.testing import running_service

pytestmark = pytest.mark.integration


async def no_components(_: Platform[ServiceSettings]) -> None:
    return None


async def crashes_after_start(components: None, stop: asyncio.Event) -> None:
    await asyncio.sleep(0.1)
    raise RuntimeError("the loop hit a bug")


def sample(name: str, **fields: object) -> ServiceDefinition[ServiceSettings, None]:
    return ServiceDefinition(
        name=name,
        title="sample",
        description="a service with no domain, for the runtime's tests",
        migrations_dir=Path(__file__).resolve().parent / "sample_service",
        schema=name,
        settings_class=ServiceSettings,
        components=no_components,
        **fields,  # type: ignore[arg-type]
    )


async def test_a_started_service_is_live_and_ready(
    infra: object, test_database_url: str, kafka_topic_prefix: str
) -> None:
    definition = sample(f"sample{uuid.uuid4().hex[:6]}")
    async with running_service(
        definition,
        database_url=test_database_url,
        kafka_bootstrap=infra.kafka_bootstrap,  # type: ignore[attr-defined]
        redis_url=infra.redis_url,  # type: ignore[attr-defined]
        topic_prefix=kafka_topic_prefix,
    ) as service:
        live = await service.client.get("/health/live")
        ready = await service.client.get("/health/ready")
        openapi = await service.client.get(f"/api/{definition.name}/openapi.json")
    assert live.status_code == 200
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"accepting": True, "database": True, "redis": True, "kafka": True}
    assert openapi.json()["info"]["title"] == "sample"


async def test_a_crashed_background_loop_fails_liveness_so_the_pod_is_restarted(
    infra: object, test_database_url: str, kafka_topic_prefix: str
) -> None:
    definition = sample(f"sample{uuid.uuid4().hex[:6]}", background=[crashes_after_start])
    async with running_service(
        definition,
        database_url=test_database_url,
        kafka_bootstrap=infra.kafka_bootstrap,  # type: ignore[attr-defined]
        redis_url=infra.redis_url,  # type: ignore[attr-defined]
        topic_prefix=kafka_topic_prefix,
    ) as service:
        await asyncio.sleep(0.3)
        live = await service.client.get("/health/live")
    assert live.status_code == 503
    assert live.json()["code"] == "task_crashed"
    assert "crashes_after_start" in live.json()["detail"]
