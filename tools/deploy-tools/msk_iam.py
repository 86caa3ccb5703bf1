"""The MSK IAM policies of each environment's IRSA roles, generated from the service registry.

    python tools/deploy-tools/msk_iam.py > deploy/platform/msk-iam-policies.json

One policy per role `matjip-<env>-<service>` (and `matjip-<env>-kafka-topics` for the topics Job):
least privilege in MSK IAM's terms. A service connects, reads the topics it consumes (as its own group),
writes the topics it publishes and the dead-letter topics of what it consumes, with an idempotent
producer. Only the topics Job creates topics or adds partitions. tests/deploy/test_msk_iam.py checks
that the committed file is this script's output.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from matjip_contracts import services as registry
from matjip_contracts.topics import ALL_TOPICS, dead_letter_topic

# The prod cluster: MSK ARNs are <kind>/<cluster name>/<cluster uuid>/<resource>; the uuid is not known
# before the cluster exists, hence the wildcard in its place.
REGION = "ap-northeast-2"
ACCOUNT = "111122223333"
CLUSTER = "matjip-prod"


def _arn(kind: str, resource: str = "") -> str:
    base = f"arn:aws:kafka:{REGION}:{ACCOUNT}:{kind}/{CLUSTER}/*"
    return f"{base}/{resource}" if resource else base


def service_policy(entry: registry.ServiceEntry) -> dict[str, Any]:
    statements: list[dict[str, Any]] = [
        {
            "Sid": "Connect",
            "Effect": "Allow",
            # Every service produces (its outbox relay, dead letters) with enable_idempotence=True.
            "Action": ["kafka-cluster:Connect", "kafka-cluster:WriteDataIdempotently"],
            "Resource": [_arn("cluster")],
        }
    ]
    if entry.consumes:
        statements.append(
            {
                "Sid": "Consume",
                "Effect": "Allow",
                "Action": ["kafka-cluster:DescribeTopic", "kafka-cluster:ReadData"],
                "Resource": [_arn("topic", t) for t in entry.consumes],
            }
        )
        statements.append(
            {
                "Sid": "ConsumerGroup",
                "Effect": "Allow",
                "Action": ["kafka-cluster:DescribeGroup", "kafka-cluster:AlterGroup"],
                "Resource": [_arn("group", entry.consumer_group())],
            }
        )
    writes = [*entry.publishes, *(dead_letter_topic(t) for t in entry.consumes)]
    if writes:
        statements.append(
            {
                "Sid": "Produce",
                "Effect": "Allow",
                "Action": ["kafka-cluster:DescribeTopic", "kafka-cluster:WriteData"],
                "Resource": [_arn("topic", t) for t in writes],
            }
        )
    return {"Version": "2012-10-17", "Statement": statements}


def topics_job_policy() -> dict[str, Any]:
    every_topic = [_arn("topic", n) for t in ALL_TOPICS for n in (t, dead_letter_topic(t))]
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "Connect", "Effect": "Allow", "Action": ["kafka-cluster:Connect"], "Resource": [_arn("cluster")]},
            {
                "Sid": "ProvisionTopics",
                "Effect": "Allow",
                "Action": ["kafka-cluster:CreateTopic", "kafka-cluster:AlterTopic", "kafka-cluster:DescribeTopic"],
                "Resource": every_topic,
            },
        ],
    }


def policies() -> dict[str, Any]:
    roles = {f"{CLUSTER}-{s.name}": service_policy(s) for s in registry.SERVICES}
    roles[f"{CLUSTER}-kafka-topics"] = topics_job_policy()
    return roles


if __name__ == "__main__":
    json.dump(policies(), sys.stdout, indent=2)
    sys.stdout.write("\n")
