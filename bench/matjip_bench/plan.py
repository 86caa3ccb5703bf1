"""How far and how long a benchmark steps, and when a step counts as sustained."""

from __future__ import annotations

from dataclasses import dataclass

PHASES = ("idle", "limits", "checkout", "menu")


@dataclass(frozen=True)
class Plan:
    checkout_rates: tuple[int, ...] = (2, 5, 10, 20, 40, 60, 80, 100, 125, 150, 200, 250)
    menu_rates: tuple[int, ...] = (25, 50, 100, 250, 500, 1000, 1500, 2000, 3000, 4000)
    checkout_seconds: float = 60.0
    menu_seconds: float = 20.0
    idle_seconds: float = 30.0
    customers: int = 50
    pgbench_clients: int = 8
    pgbench_seconds: int = 10
    kafka_records: int = 200_000
    kafka_record_bytes: int = 512
    request_timeout: float = 10.0
    drain_timeout: float = 120.0
    """How long after a checkout step its orders may take to reach ACCEPTED before they count as lost."""
    settle_timeout: float = 300.0
    """How long to wait for the backlog of a previous step to drain before the next one starts."""
    lag_interval: float = 2.0
    smoke: bool = False


SMOKE = Plan(
    checkout_rates=(2, 3), menu_rates=(5, 10), checkout_seconds=3.0, menu_seconds=3.0, idle_seconds=2.0,
    customers=3, pgbench_clients=2, pgbench_seconds=2, kafka_records=2000, drain_timeout=60.0,
    settle_timeout=60.0, lag_interval=1.0, smoke=True,
)

# What a sustained step needs besides every order reaching ACCEPTED.
MIN_SUCCESS_RATIO = 0.99
MIN_ACHIEVED_SHARE = 0.95
"""Successful responses per second against the offered rate."""
LAG_GROWTH_FLOOR = 2.0
LAG_GROWTH_SHARE = 0.02
"""Lag growing faster than max(floor, share x the step's message rate), in messages/s, is a backlog."""
