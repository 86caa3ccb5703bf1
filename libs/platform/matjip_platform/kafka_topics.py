"""Provision Kafka topics to a plan: create what is missing, grow partitions that are too few.

Clusters run it as a Job before the services (Argo CD Sync hook of the platform Application; the chart
renders the plan from the contract's topics and the replica counts of their consumers):

    python -m matjip_platform.kafka_topics --plan /etc/matjip/kafka-topics.json

It connects like every service (MATJIP_KAFKA_*; MSK IAM through the pod's IRSA role), never deletes a
topic and never shrinks one (Kafka cannot), so running it again is harmless.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from aiokafka.admin import AIOKafkaAdminClient, NewPartitions, NewTopic
from pydantic import BaseModel, Field

from matjip_platform.kafka_connection import kafka_connection_options
from matjip_platform.settings import ServiceSettings

_NO_ERROR = 0
_TOPIC_ALREADY_EXISTS = 36


class TopicSpec(BaseModel):
    name: str = Field(min_length=1)
    partitions: int = Field(ge=1)
    replication_factor: int = Field(ge=1)


class TopicPlan(BaseModel):
    topics: list[TopicSpec]

    @classmethod
    def read(cls, path: Path) -> TopicPlan:
        return cls.model_validate(json.loads(path.read_text()))


@dataclass(frozen=True)
class TopicChange:
    topic: str
    action: str  # created, grown, unchanged
    partitions: int


class ProvisioningError(RuntimeError):
    pass


async def _partition_counts(admin: AIOKafkaAdminClient, names: Sequence[str]) -> dict[str, int]:
    """Partitions of each existing topic among `names` (missing topics are left out)."""
    existing = set(await admin.list_topics())
    wanted = [n for n in names if n in existing]
    if not wanted:
        return {}
    counts: dict[str, int] = {}
    for described in await admin.describe_topics(wanted):
        if described.get("error_code", _NO_ERROR) == _NO_ERROR:
            counts[described["topic"]] = len(described["partitions"])
    return counts


async def _settled_counts(admin: AIOKafkaAdminClient, plan: TopicPlan, timeout: float) -> dict[str, int]:
    """Partition counts once the cluster's metadata shows the plan (a new topic or partition reaches
    every broker's metadata a moment after the controller accepted it), or as they are at the deadline."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        counts = await _partition_counts(admin, [spec.name for spec in plan.topics])
        if all(counts.get(s.name, 0) >= s.partitions for s in plan.topics) or loop.time() >= deadline:
            return counts
        await asyncio.sleep(0.5)


async def ensure_topics(admin: AIOKafkaAdminClient, plan: TopicPlan, timeout_ms: int = 30_000) -> list[TopicChange]:
    """Bring the broker's topics up to the plan. Raises ProvisioningError naming every topic that failed."""
    names = [spec.name for spec in plan.topics]
    counts = await _partition_counts(admin, names)
    missing = [spec for spec in plan.topics if spec.name not in counts]
    short = [spec for spec in plan.topics if spec.name in counts and counts[spec.name] < spec.partitions]
    errors: list[str] = []
    if missing:
        response = await admin.create_topics(
            [NewTopic(s.name, s.partitions, s.replication_factor) for s in missing], timeout_ms=timeout_ms
        )
        for item in response.topic_errors:
            name, code = item[0], item[1]
            if code not in (_NO_ERROR, _TOPIC_ALREADY_EXISTS):
                errors.append(f"create {name}: error {code} {item[2] if len(item) > 2 else ''}".strip())
    if short:
        response = await admin.create_partitions(
            {s.name: NewPartitions(s.partitions) for s in short}, timeout_ms=timeout_ms
        )
        for name, code, message in response.topic_errors:
            if code != _NO_ERROR:
                errors.append(f"grow {name}: error {code} {message}")
    if errors:
        raise ProvisioningError("; ".join(errors))
    after = await _settled_counts(admin, plan, timeout_ms / 1000)
    changes: list[TopicChange] = []
    for spec in plan.topics:
        if after.get(spec.name, 0) < spec.partitions:
            errors.append(f"{spec.name} has {after.get(spec.name, 0)} partitions, the plan asks {spec.partitions}")
        action = "created" if spec in missing else "grown" if spec in short else "unchanged"
        changes.append(TopicChange(spec.name, action, after.get(spec.name, 0)))
    if errors:
        raise ProvisioningError("; ".join(errors))
    return changes


async def provision(settings: ServiceSettings, plan: TopicPlan) -> list[TopicChange]:
    admin = AIOKafkaAdminClient(**kafka_connection_options(settings), client_id="matjip-kafka-topics")
    await admin.start()
    try:
        return await ensure_topics(admin, plan)
    finally:
        await admin.close()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m matjip_platform.kafka_topics", description=__doc__)
    parser.add_argument(
        "--plan", type=Path, required=True, help="JSON: {topics: [{name, partitions, replication_factor}]}"
    )
    args = parser.parse_args(argv)
    settings = ServiceSettings(service_name="kafka-topics")
    try:
        changes = asyncio.run(provision(settings, TopicPlan.read(args.plan)))
    except ProvisioningError as exc:
        print(json.dumps({"event": "kafka_topics_failed", "error": str(exc)}), file=sys.stderr)
        return 1
    for change in changes:
        print(json.dumps({"event": "kafka_topic", **change.__dict__}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
