"""The dev stack as the benchmark's target: exactly what `./matjip up` runs (tracing to Zipkin,
Prometheus scraping, INFO logs), with the rate limits raised through the environment, since one IP
sends everything."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass

from matjip_bench.result import Stack
from matjip_bench.target import Target, describe, platform_processes, process_environment
from matjip_devstack import config
from matjip_devstack.kafka import Kafka
from matjip_devstack.paths import ROOT, RUN
from matjip_devstack.postgres import Postgres
from matjip_devstack.redis_server import Redis
from matjip_devstack.services import SERVICES
from matjip_devstack.stack import ServiceStack

RAISED_LIMIT = 1_000_000_000
HIGH_ENOUGH = 1_000_000
"""Requests per minute: a running service allowing at least this many is kept as it is."""
BENCH_ENV = {
    "MATJIP_RATE_LIMIT_PER_IP": str(RAISED_LIMIT),
    "MATJIP_RATE_LIMIT_PER_USER": str(RAISED_LIMIT),
    # The longest auth allows; the harness still refreshes tokens before they run out.
    "MATJIP_ACCESS_TOKEN_TTL_SECONDS": "3600",
}
def _limits_raised(pid: int) -> bool:
    env = process_environment(pid)
    try:
        return all(int(env.get(key, "0")) >= HIGH_ENOUGH for key in
                   ("MATJIP_RATE_LIMIT_PER_IP", "MATJIP_RATE_LIMIT_PER_USER"))
    except ValueError:
        return False


@dataclass(frozen=True)
class DevStack:
    target: Target
    stack: Stack
    started: bool
    """Nothing of the stack ran before: the benchmark stops it again when done."""


def _matjip(*args: str, env: dict[str, str] | None = None) -> None:
    subprocess.run([sys.executable, "-m", "matjip_devstack", *args], cwd=ROOT, env=env, check=True,
                   stdin=subprocess.DEVNULL)


def bring_up() -> DevStack:
    """Start the dev stack (or use the running one), its services running with the raised limits."""
    services = ServiceStack(pid_dir=RUN)
    running = {s.name: h for s in SERVICES if (h := services.handle(s.name)) is not None}
    nothing_ran = not running and not any(c.running() for c in (Postgres(), Redis(), Kafka()))
    stale = sorted(name for name, handle in running.items() if not _limits_raised(handle.pid))
    if stale:
        print(f"restarting {', '.join(stale)} with the benchmark's rate limits (one IP sends everything) ...",
              flush=True)
        services.stop_all(stale)
    started = time.monotonic()
    _matjip("up", "--detach", env=os.environ | BENCH_ENV)
    ready_seconds = round(time.monotonic() - started, 1) if nothing_ran else None
    target = Target(
        edge_url=f"http://{config.HOST}:{config.EDGE_PORT}",
        database_url=config.DATABASE_URL,
        kafka_bootstrap=config.KAFKA_BOOTSTRAP,
        processes=platform_processes(services, config.EDGE_PORT),
    )
    return DevStack(target, describe(target, started_by_bench=nothing_ran, ready_seconds=ready_seconds),
                    nothing_ran)


def take_down() -> None:
    _matjip("down")
