"""The IRSA roles' MSK IAM policies: generated from the service registry, least privilege."""

from __future__ import annotations

import json
import subprocess
import sys

import deploy_checks as dc

from matjip_contracts import services as registry

SCRIPT = dc.REPO / "tools" / "deploy-tools" / "msk_iam.py"
COMMITTED = dc.REPO / "deploy" / "platform" / "msk-iam-policies.json"


def test_the_committed_policies_are_the_generated_ones() -> None:
    proc = subprocess.run([sys.executable, str(SCRIPT)], capture_output=True, text=True, check=True)
    assert json.loads(proc.stdout) == json.loads(COMMITTED.read_text()), "run tools/deploy-tools/msk_iam.py"


def _actions(policy: dict[str, object], resource_suffix: str) -> set[str]:
    found: set[str] = set()
    for statement in policy["Statement"]:  # type: ignore[attr-defined]
        if any(r.endswith(resource_suffix) for r in statement["Resource"]):
            found.update(statement["Action"])
    return found


def test_each_role_reads_its_topics_writes_its_own_and_creates_none() -> None:
    policies = json.loads(COMMITTED.read_text())
    roles = {r.removeprefix("matjip-prod-") for r in policies}
    assert roles == {*(s.name for s in registry.SERVICES), "kafka-topics"}
    prod = dc.rendered("prod")
    for account in dc.by_kind(prod, "ServiceAccount"):
        arn = (account["metadata"].get("annotations") or {}).get("eks.amazonaws.com/role-arn")
        if arn:
            assert arn.rsplit("/", 1)[1] in policies, arn
    payment = policies["matjip-prod-payment"]
    assert {"kafka-cluster:ReadData", "kafka-cluster:DescribeTopic"} <= _actions(payment, "/payment.commands")
    assert "kafka-cluster:WriteData" in _actions(payment, "/payment.events")
    assert "kafka-cluster:WriteData" in _actions(payment, "/payment.commands.dlq")
    assert "kafka-cluster:ReadData" not in _actions(payment, "/payment.events")
    assert {"kafka-cluster:AlterGroup", "kafka-cluster:DescribeGroup"} <= _actions(payment, "/matjip-payment")
    for role, policy in policies.items():
        granted = {a for s in policy["Statement"] for a in s["Action"]}
        if role.endswith("kafka-topics"):
            assert {"kafka-cluster:CreateTopic", "kafka-cluster:AlterTopic"} <= granted
            assert "kafka-cluster:ReadData" not in granted
        else:
            assert not granted & {"kafka-cluster:CreateTopic", "kafka-cluster:AlterTopic", "kafka-cluster:DeleteTopic"}
