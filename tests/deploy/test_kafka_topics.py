"""Kafka topics on every cluster: the platform Application's Job creates each contract topic and its
dead-letter topic with enough partitions for every pod of every consumer (a canary's included), on MSK
with its own IAM role. The Job's code is tested against the real broker in libs/platform/tests."""

from __future__ import annotations

import json

import deploy_checks as dc
import pytest

from matjip_contracts import services as registry
from matjip_contracts.topics import ALL_TOPICS


def consumers() -> dict[str, list[str]]:
    return {topic: [s.name for s in registry.consumers_of(topic)] for topic in ALL_TOPICS}


@pytest.mark.parametrize("environment", dc.ENVIRONMENTS)
def test_every_topic_has_a_partition_for_every_consumer_pod(environment: str) -> None:
    docs = dc.rendered(environment)
    plan = dc.topic_plan(docs)
    assert set(plan) == {name for t in ALL_TOPICS for name in (t, f"{t}.dlq")}
    assert dc.topic_partition_violations(docs, consumers()) == []
    replication = 3 if environment == "prod" else 1
    assert {t["replication_factor"] for t in plan.values()} == {replication}


def test_prod_partitions_follow_the_canary_of_each_consumer() -> None:
    plan = dc.topic_plan(dc.rendered("prod"))
    # order reads payment.events: up to 20 pods, and a traffic-routed canary adds 75% of them.
    assert plan["payment.events"]["partitions"] == 20 + 15
    # payment.commands is read by payment alone: 9 pods, and its replica-ratio canary surges 25%.
    assert plan["payment.commands"]["partitions"] == 9 + 3
    # Nobody consumes user.events yet: the floor.
    assert plan["user.events"]["partitions"] == 3


def test_raising_a_consumers_ceiling_raises_its_topics_partitions() -> None:
    proc = dc.helm_template("prod", extra_values={"notification": {"autoscaling": {"maxReplicas": 40}}})
    assert proc.returncode == 0, proc.stderr
    docs = dc.parse_manifests(proc.stdout)
    assert dc.topic_plan(docs)["store.events"]["partitions"] == 40 + 10
    assert dc.topic_partition_violations(docs, consumers()) == []


def test_too_few_partitions_are_rejected() -> None:
    docs = dc.rendered("prod")
    config = dc.find(docs, "ConfigMap", "kafka-topics")
    plan = json.loads(config["data"]["kafka-topics.json"])
    for topic in plan["topics"]:
        if topic["name"] == "payment.events":
            topic["partitions"] = 3  # what every topic had before: the local stack's default
    config["data"]["kafka-topics.json"] = json.dumps(plan)
    problems = dc.topic_partition_violations(docs, consumers())
    assert any("payment.events: 3 partitions < 35 pods order can run" in p for p in problems), problems
    assert any("payment.events.dlq does not have" in p for p in problems), problems


def test_the_job_runs_the_platform_admin_client_with_its_own_msk_identity() -> None:
    docs = dc.rendered("prod")
    job = dc.find(docs, "Job", "kafka-topics")
    container = job["spec"]["template"]["spec"]["containers"][0]
    assert container["command"] == ["python", "-m", "matjip_platform.kafka_topics"]
    env = {e["name"]: e["value"] for e in container["env"]}
    assert env["MATJIP_KAFKA_SASL_MECHANISM"] == "OAUTHBEARER" and env["MATJIP_KAFKA_AWS_REGION"]
    assert job["spec"]["template"]["spec"]["serviceAccountName"] == "kafka-topics"
    role = dc.find(docs, "ServiceAccount", "kafka-topics")["metadata"]["annotations"]["eks.amazonaws.com/role-arn"]
    assert role.endswith(":role/matjip-prod-kafka-topics")
    assert job["metadata"]["annotations"]["argocd.argoproj.io/hook"] == "Sync"
