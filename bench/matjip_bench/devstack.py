"""The dev stack as the benchmark's target: exactly what `./matjip up` runs (tracing to Zipkin,
Prometheus scraping, INFO logs), with the rate limits raised through the environment, since one IP
sends everything."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from matjip_bench.result import Stack
from matjip_bench.target import Target, platform_processes
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
# The settings that change what the figures mean, recorded with them.
REPORTED_SETTINGS = ("MATJIP_LOG_LEVEL", "MATJIP_ZIPKIN_ENDPOINT", "MATJIP_OTLP_ENDPOINT",
                     "MATJIP_RATE_LIMIT_PER_IP", "MATJIP_RATE_LIMIT_PER_USER")


def process_environment(pid: int) -> dict[str, str]:
    try:
        raw = Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:
        return {}
    pairs = (item.decode(errors="replace").partition("=") for item in raw.split(b"\0") if item)
    return {key: value for key, _, value in pairs}


def stack_settings(pid: int) -> dict[str, str]:
    """What a service of the stack runs with (read from its environment; unset means the default)."""
    env = process_environment(pid)
    return {key: env.get(key, "(default)") for key in REPORTED_SETTINGS}


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
    processes = platform_processes(services, config.EDGE_PORT)
    order = processes.get("order")
    target = Target(
        edge_url=f"http://{config.HOST}:{config.EDGE_PORT}",
        database_url=config.DATABASE_URL,
        kafka_bootstrap=config.KAFKA_BOOTSTRAP,
        processes=processes,
    )
    stack = Stack(
        edge_url=target.edge_url, started_by_bench=nothing_ran, ready_seconds=ready_seconds,
        processes=sorted(processes), settings=stack_settings(order) if order else {},
    )
    return DevStack(target, stack, nothing_ran)


def take_down() -> None:
    _matjip("down")
