"""Prometheus for the local stack (Debian's package): scrapes every service's /metrics on port 59090."""

from __future__ import annotations

import shutil

import httpx

from matjip_devstack import config
from matjip_devstack.packages import apt_install
from matjip_devstack.paths import DATA, LOGS, ROOT, RUN
from matjip_devstack.processes import StackError, log_tail, read_pidfile, spawn, stop_pidfile, wait_until
from matjip_devstack.services import SERVICES

PROJECT_CONFIG = ROOT / "observability" / "local" / "prometheus.yml"


def generated_config() -> str:
    """A minimal config used only while observability/local/prometheus.yml does not exist."""
    lines = ["global:", "  scrape_interval: 5s", "  evaluation_interval: 5s", "scrape_configs:"]
    for svc in SERVICES:
        lines += [
            f"  - job_name: {svc.name}",
            "    metrics_path: /metrics",
            "    static_configs:",
            f"      - targets: ['{config.HOST}:{svc.port}']",
        ]
    return "\n".join(lines) + "\n"


class Prometheus:
    name = "prometheus"
    port = config.PROMETHEUS_PORT

    def __init__(self) -> None:
        self.home = DATA / "prometheus"
        self.pidfile = RUN / "prometheus.pid"
        self.log_path = LOGS / "prometheus.log"

    def url(self) -> str:
        return f"http://{config.HOST}:{self.port}"

    def healthy(self) -> bool:
        try:
            return httpx.get(f"{self.url()}/-/ready", timeout=2.0).status_code == 200
        except httpx.HTTPError:
            return False

    def running(self) -> bool:
        return read_pidfile(self.pidfile) is not None

    def launch(self) -> bool:
        if self.running() or self.healthy():
            return False
        binary = shutil.which("prometheus")
        if binary is None:
            apt_install(["prometheus"], "Prometheus")
            binary = shutil.which("prometheus")
        if binary is None:
            raise StackError("prometheus not found")
        self.home.mkdir(parents=True, exist_ok=True)
        config_file = PROJECT_CONFIG
        if not config_file.exists():
            config_file = self.home / "prometheus.yml"
            config_file.write_text(generated_config())
        spawn(
            self.name,
            [binary, f"--config.file={config_file}", f"--storage.tsdb.path={self.home / 'tsdb'}",
             f"--web.listen-address={config.HOST}:{self.port}", "--storage.tsdb.retention.time=3d",
             "--web.enable-lifecycle"],
            log_path=self.log_path, pid_dir=RUN,
        )
        return True

    def wait_healthy(self, timeout: float = 60) -> None:
        def ready() -> bool:
            if not self.running():
                raise StackError(f"Prometheus exited at start:\n{log_tail(self.log_path)}")
            return self.healthy()

        wait_until(ready, timeout, "Prometheus")

    def stop(self) -> bool:
        return stop_pidfile(self.pidfile, timeout=15)
