"""Zipkin (in-memory) for local traces on port 59411: the official exec jar run with the machine's Java."""

from __future__ import annotations

import os

import httpx

from matjip_devstack import config
from matjip_devstack.packages import java, zipkin_jar
from matjip_devstack.paths import LOGS, RUN
from matjip_devstack.processes import StackError, log_tail, read_pidfile, spawn, stop_pidfile, wait_until


class Zipkin:
    name = "zipkin"
    port = config.ZIPKIN_PORT

    def __init__(self) -> None:
        self.pidfile = RUN / "zipkin.pid"
        self.log_path = LOGS / "zipkin.log"

    def url(self) -> str:
        return f"http://{config.HOST}:{self.port}"

    def healthy(self) -> bool:
        try:
            return httpx.get(f"{self.url()}/health", timeout=2.0).status_code == 200
        except httpx.HTTPError:
            return False

    def running(self) -> bool:
        return read_pidfile(self.pidfile) is not None

    def launch(self) -> bool:
        if self.running() or self.healthy():
            return False
        jar = zipkin_jar()
        spawn(
            self.name,
            [java(), "-Xmx512m", "-XX:+UseSerialGC", "-jar", str(jar),
             # Bind to loopback only, like everything else in the local stack.
             f"--armeria.ports[0].port={self.port}", f"--armeria.ports[0].ip={config.HOST}",
             "--armeria.ports[0].protocols[0]=http"],
            log_path=self.log_path, pid_dir=RUN,
            # A bounded in-memory store: old traces are dropped instead of the heap running out.
            env=os.environ | {"STORAGE_TYPE": "mem", "MEM_MAX_SPANS": "100000", "QUERY_PORT": str(self.port)},
        )
        return True

    def wait_healthy(self, timeout: float = 90) -> None:
        def ready() -> bool:
            if self.healthy():  # ours, or one another checkout left on the port
                return True
            if not self.running():
                raise StackError(f"Zipkin exited at start:\n{log_tail(self.log_path)}")
            return self.healthy()

        wait_until(ready, timeout, "Zipkin", 0.5)

    def stop(self) -> bool:
        return stop_pidfile(self.pidfile, timeout=15)
