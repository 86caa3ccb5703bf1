"""Where a cluster lives: its folder and its loopback ports.

Ports sit in 16400-16419 (+ MATJIP_DEVSTACK_PORT_OFFSET), below Linux's ephemeral range and away from
the local stack's (PostgreSQL 55432, Redis 56379, Kafka 59092, Prometheus 59090, services 8080-8107),
so several checkouts' stacks and clusters run side by side. The test suite uses its own layout
(a temporary folder, ports +10), so it never touches a cluster a developer started.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from matjip_devstack import config
from matjip_devstack.paths import DATA

PORT_BASE = 16400
TEST_PORT_SHIFT = 10


@dataclass(frozen=True)
class Layout:
    home: Path
    port_base: int

    @classmethod
    def default(cls) -> Layout:
        return cls(DATA / "cluster", PORT_BASE + config.PORT_OFFSET)

    @classmethod
    def for_tests(cls, home: Path) -> Layout:
        return cls(home, PORT_BASE + TEST_PORT_SHIFT + config.PORT_OFFSET)

    # --- ports ---------------------------------------------------------------------------------------
    @property
    def etcd_client_port(self) -> int:
        return self.port_base

    @property
    def etcd_peer_port(self) -> int:
        return self.port_base + 1

    @property
    def apiserver_port(self) -> int:
        return self.port_base + 2

    @property
    def controller_manager_port(self) -> int:
        return self.port_base + 3

    @property
    def scheduler_port(self) -> int:
        return self.port_base + 4

    @property
    def kwok_port(self) -> int:
        return self.port_base + 5

    @property
    def rollouts_metrics_port(self) -> int:
        return self.port_base + 6

    @property
    def rollouts_healthz_port(self) -> int:
        return self.port_base + 7

    @property
    def prometheus_port(self) -> int:
        return self.port_base + 8

    # --- files ---------------------------------------------------------------------------------------
    @property
    def server(self) -> str:
        return f"https://127.0.0.1:{self.apiserver_port}"

    @property
    def prometheus_url(self) -> str:
        return f"http://127.0.0.1:{self.prometheus_port}"

    def kubeconfig(self, component: str) -> Path:
        """The kubeconfig a component connects with (its own identity: see pki.TOKEN_USERS)."""
        return self.home / "kubeconfigs" / f"{component}.kubeconfig"

    @property
    def pki(self) -> Path:
        return self.home / "pki"

    @property
    def etcd_data(self) -> Path:
        return self.home / "etcd"

    @property
    def logs(self) -> Path:
        return self.home / "logs"

    @property
    def run(self) -> Path:
        return self.home / "run"

    @property
    def admin_kubeconfig(self) -> Path:
        return self.home / "kubeconfig"
