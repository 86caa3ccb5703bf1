"""Topic provisioning (the Kafka topics Job of the chart) against the real broker of the local stack."""

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiokafka.admin import AIOKafkaAdminClient

from matjip_devstack.infra import Infra
from matjip_platform.kafka_topics import TopicPlan, TopicSpec, ensure_topics, main

pytestmark = pytest.mark.integration


@pytest.fixture
async def admin(infra: Infra) -> AsyncIterator[AIOKafkaAdminClient]:
    client = AIOKafkaAdminClient(bootstrap_servers=infra.kafka_bootstrap, request_timeout_ms=15000)
    await client.start()
    yield client
    await client.close()


@pytest.fixture
async def prefix(admin: AIOKafkaAdminClient) -> AsyncIterator[str]:
    name = f"kt{uuid.uuid4().hex[:10]}."
    yield name
    ours = [t for t in await admin.list_topics() if t.startswith(name)]
    if ours:
        await admin.delete_topics(ours)


async def partitions(admin: AIOKafkaAdminClient, topic: str) -> int:
    (described,) = await admin.describe_topics([topic])
    return len(described["partitions"])


def plan(prefix: str, partitions: int) -> TopicPlan:
    return TopicPlan(
        topics=[
            TopicSpec(name=f"{prefix}order.events", partitions=partitions, replication_factor=1),
            TopicSpec(name=f"{prefix}order.events.dlq", partitions=partitions, replication_factor=1),
        ]
    )


async def test_creates_missing_topics_then_changes_nothing(admin: AIOKafkaAdminClient, prefix: str) -> None:
    first = await ensure_topics(admin, plan(prefix, 4))
    assert [(c.action, c.partitions) for c in first] == [("created", 4), ("created", 4)]
    assert await partitions(admin, f"{prefix}order.events.dlq") == 4
    again = await ensure_topics(admin, plan(prefix, 4))
    assert [c.action for c in again] == ["unchanged", "unchanged"]


async def test_grows_partitions_to_the_plan_and_never_shrinks(admin: AIOKafkaAdminClient, prefix: str) -> None:
    await ensure_topics(admin, plan(prefix, 3))
    grown = await ensure_topics(admin, plan(prefix, 9))
    assert [(c.action, c.partitions) for c in grown] == [("grown", 9), ("grown", 9)]
    assert await partitions(admin, f"{prefix}order.events") == 9
    # A plan asking fewer (a smaller maxReplicas) leaves the topic as it is: Kafka cannot shrink one.
    smaller = await ensure_topics(admin, plan(prefix, 2))
    assert [(c.action, c.partitions) for c in smaller] == [("unchanged", 9), ("unchanged", 9)]


async def test_the_job_command_reads_the_plan_and_the_connection_settings(
    infra: Infra, admin: AIOKafkaAdminClient, prefix: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan_file = tmp_path / "kafka-topics.json"
    plan_file.write_text(json.dumps(plan(prefix, 5).model_dump()))
    monkeypatch.setenv("MATJIP_KAFKA_BOOTSTRAP", infra.kafka_bootstrap)
    # main() runs its own event loop, as the Job's process does: give it a thread of its own.
    assert await asyncio.to_thread(main, ["--plan", str(plan_file)]) == 0
    assert await partitions(admin, f"{prefix}order.events") == 5


def test_a_plan_without_partitions_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "plan.json"
    bad.write_text(json.dumps({"topics": [{"name": "order.events", "partitions": 0, "replication_factor": 3}]}))
    with pytest.raises(ValueError, match="partitions"):
        TopicPlan.read(bad)
