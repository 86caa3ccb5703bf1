"""The CI-sized fault suite (`./matjip chaos` runs every fault, longer): order and payment scaled to two
replicas on the end-to-end platform, then under a steady open-loop checkout load a rolling restart of order,
which takes every checkout (not one request may fail), and a SIGKILL of one replica of each (the failures
are only counted); then the payment gateway (the sandbox PG, tools/sandbox-pg) slow beyond payment's
timeout, with its own fault. Every invariant is read from the data afterwards: no order lost or duplicated,
one charge per paid order (the sandbox PG's charges), stock taken once per accepted line, each status
announced and recorded by notification once.

Kafka, PostgreSQL and Redis outages are left to `./matjip chaos`: here they would hit the infrastructure
the rest of the suite (and maybe a developer's running stack) shares."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from e2e_support import Platform
from matjip_bench import resilience
from matjip_bench.chaos import GATEWAY_DELAY_SECONDS, ChaosPlan, ChaosTarget, run
from matjip_devstack.edge_control import EdgeControl
from matjip_devstack.replicas import Replicas
from matjip_devstack.stack import free_ports

SCALED = ["order", "payment"]


@pytest.fixture
def scaled(platform: Platform) -> Iterator[ChaosTarget]:
    """order and payment with two replicas each behind the platform's edge; back to one afterwards."""
    stack = platform.stack
    edge = EdgeControl(platform.running.edge_state_dir)
    replicas = Replicas(stack, edge)
    stack.ports |= free_ports([f"{service}-2" for service in SCALED])
    try:
        for service in SCALED:
            replicas.scale(service, 2)
        yield ChaosTarget(
            edge_url=platform.edge_url, database_url=platform.database_url,
            kafka_bootstrap=platform.infra.kafka_bootstrap, topic_prefix=platform.topic_prefix,
            stack=stack, edge=edge, services=SCALED,
        )
    finally:
        for service in SCALED:
            replicas.scale(service, 1)


def test_rolling_restart_and_killed_replicas_under_load_lose_nothing(scaled: ChaosTarget, tmp_path: Path) -> None:
    assert all(len(scaled.stack.running_instances(s)) == 2 for s in SCALED)
    plan = ChaosPlan(faults=("rolling-restart", "kill-replica"), rate=2, lead_seconds=2.0, tail_seconds=3.0,
                     customers=3, settle_timeout=120.0, max_fault_seconds=300.0, request_timeout=30.0,
                     restart_services=("order",))

    rolling, killed = run(scaled, plan, tmp_path)

    # Both faults really ran under load and placed orders that went all the way.
    for result in (rolling, killed):
        assert result.sent > 0 and result.tally.placed > 0, result
        assert result.tally.accepted + result.tally.cancelled == result.tally.placed, result.tally
        assert result.tally.charges >= result.tally.accepted
    # Drained before it stops, resent if it fails to connect: a rolling restart fails no request.
    assert rolling.failed == 0, rolling.failures
    assert rolling.violations(zero_failures=True) == []
    assert rolling.outcome.notes == ["restarted 2 replicas one at a time"]
    # A killed replica may fail what it had in flight (counted and reported), but loses and doubles nothing.
    assert killed.violations(zero_failures=False) == []
    assert killed.outcome.notes == ["killed order-2, payment-2"]
    assert all(len(scaled.stack.running_instances(s)) == 2 for s in SCALED)

    info = resilience.RunInfo(when="now", replicas="2 of order and payment", machine="CI", commit="test")
    report = resilience.render([rolling, killed], plan, info)
    assert report.count("**every invariant holds**") == 2
    assert "| rolling-restart |" in report and "| kill-replica |" in report


def test_a_slow_payment_gateway_charges_each_paid_order_once(platform: Platform, tmp_path: Path) -> None:
    """The sandbox PG answers every call 8 s late (payment gives up after 5 s and resends with the same
    Idempotency-Key; the PG did the work each time it was asked): orders wait or compensate, never two
    charges, never a cancelled order left charged."""
    target = ChaosTarget(
        edge_url=platform.edge_url, database_url=platform.database_url,
        kafka_bootstrap=platform.infra.kafka_bootstrap, topic_prefix=platform.topic_prefix,
        stack=platform.stack, edge=None, services=[],
    )
    plan = ChaosPlan(faults=("gateway-slow",), rate=2, lead_seconds=2.0, tail_seconds=3.0, customers=3,
                     settle_timeout=180.0, request_timeout=30.0, gateway_seconds=12.0)

    (slow,) = run(target, plan, tmp_path)

    assert slow.outcome.notes == [
        f"the gateway slow for 12s; every answer held {GATEWAY_DELAY_SECONDS:g}s, beyond payment's timeout "
        "(the sandbox PG's own fault)"
    ]
    assert slow.sent > 0 and slow.tally.placed > 0, slow
    assert slow.tally.waiting == 0, slow.tally
    assert slow.tally.accepted + slow.tally.cancelled == slow.tally.placed, slow.tally
    assert slow.tally.charges >= slow.tally.accepted > 0, slow.tally  # read from sandbox_pg.charges
    # Checkout only places the order (the saga pays later): a slow gateway fails no request.
    assert slow.violations(zero_failures=True) == []
    assert httpx.get(f"{platform.edge_url}/api/sandbox-pg/fault", timeout=10).status_code == 404  # cleared
