"""Replicas behind the edge: scaling a service up and down and restarting it one replica at a time, without
failing a request that reaches the edge.

A replica leaves in this order: out of the edge's rotation (a graceful nginx reload, done when `drain`
returns), then SIGTERM (the service finishes its requests in flight, stops consuming and commits, flushes
its outbox), then gone from the upstream list. A replica joins once its readiness answers 200. Its Kafka
consumer joins the service's group and takes a share of the partitions; the one leaving hands its
share back when it stops consuming.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from matjip_devstack.edge_control import EdgeControl
from matjip_devstack.processes import StackError
from matjip_devstack.stack import STOP_TIMEOUT, ServiceStack

Progress = Callable[[str], None]
COUNTS_FILE = "replicas.json"


def save_counts(run_dir: Path, counts: Mapping[str, int]) -> None:
    (run_dir / COUNTS_FILE).write_text(json.dumps(dict(counts), indent=1))


def load_counts(run_dir: Path) -> dict[str, int]:
    """The replica counts the last `./matjip up` asked for (1 each when it asked nothing)."""
    try:
        data = json.loads((run_dir / COUNTS_FILE).read_text())
    except (FileNotFoundError, ValueError):
        return {}
    return {str(k): int(v) for k, v in data.items()}


class Replicas:
    """The instances of `stack` behind the edge controlled by `edge` (None: no edge in front)."""

    def __init__(self, stack: ServiceStack, edge: EdgeControl | None, progress: Progress | None = None) -> None:
        self.stack = stack
        self.edge = edge
        self.tell = progress or (lambda _: None)

    def drain(self, name: str) -> None:
        """No new request reaches instance `name` once this returns."""
        if self.edge is not None:
            self.edge.drain(self.stack.url(name))

    def undrain(self, name: str) -> None:
        if self.edge is not None:
            self.edge.undrain(self.stack.url(name))

    def stop(self, name: str, timeout: float = STOP_TIMEOUT) -> None:
        """Drain, then SIGTERM (SIGKILL after `timeout`)."""
        self.drain(name)
        self.stack.stop(name, timeout)

    def restart(self, name: str, ready_timeout: float = 120.0) -> None:
        """Drain, stop gracefully, start, wait until ready, back into rotation."""
        self.stop(name)
        self.tell(f"{name} stopped")
        self.stack.start(name)
        self.stack.wait_ready(name, ready_timeout)
        self.undrain(name)
        self.tell(f"{name} back in rotation")

    def rolling_restart(self, services: Iterable[str]) -> None:
        """Every running replica of each service in turn, one at a time."""
        for service in services:
            instances = self.stack.running_instances(service)
            if not instances:
                raise StackError(f"{service} is not running")
            for name in instances:
                self.restart(name)

    def scale(self, service: str, count: int, ready_timeout: float = 120.0) -> None:
        """Run `count` replicas of `service`: new ones join the edge once ready, extra ones are drained and
        stopped before they leave it."""
        self.stack.replicas[service] = count
        wanted = self.stack.instances(service)
        for name in wanted:
            self.stack.start(name)
        for name in wanted:
            self.stack.wait_ready(name, ready_timeout)
        extra = [n for n in self.stack.running_instances(service) if n not in wanted]
        if self.edge is not None:
            # The new list both adds the new replicas and drains the extra ones (effective on return).
            self.edge.set_upstreams(self.stack.upstreams([service]))
        for name in extra:
            self.stack.stop(name)
            self.tell(f"{name} stopped")
