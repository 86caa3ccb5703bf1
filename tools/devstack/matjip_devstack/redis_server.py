"""Redis for the local stack: port 56379, data under .data/redis."""

from __future__ import annotations

import shutil
import socket

from matjip_devstack import config
from matjip_devstack.packages import apt_install
from matjip_devstack.paths import DATA, LOGS, RUN
from matjip_devstack.processes import StackError, log_tail, read_pidfile, spawn, stop_pidfile, wait_until


def ping(port: int = config.REDIS_PORT) -> bool:
    try:
        with socket.create_connection((config.HOST, port), timeout=1.0) as s:
            s.sendall(b"PING\r\n")
            return s.recv(64).startswith(b"+PONG")
    except OSError:
        return False


class Redis:
    name = "redis"
    port = config.REDIS_PORT

    def __init__(self) -> None:
        self.data_dir = DATA / "redis"
        self.pidfile = RUN / "redis.pid"
        self.log_path = LOGS / "redis.log"

    def healthy(self) -> bool:
        return ping(self.port)

    def running(self) -> bool:
        return read_pidfile(self.pidfile) is not None or self.healthy()

    def start(self) -> bool:
        if self.running():
            wait_until(self.healthy, 30, "Redis")
            return False
        binary = shutil.which("redis-server")
        if binary is None:
            apt_install(["redis-server"], "Redis")
            binary = shutil.which("redis-server")
        if binary is None:
            raise StackError("redis-server not found")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        handle = spawn(
            self.name,
            [binary, "--port", str(self.port), "--bind", config.HOST, "--dir", str(self.data_dir),
             "--daemonize", "no", "--save", "60 1000", "--appendonly", "no", "--logfile", ""],
            log_path=self.log_path, pid_dir=RUN,
        )
        try:
            wait_until(lambda: self.healthy() or not handle.alive(), 30, "Redis")
        finally:
            if not handle.alive():
                raise StackError(f"Redis exited at start:\n{log_tail(self.log_path)}")
        return True

    def stop(self) -> bool:
        # SIGTERM makes Redis save its snapshot and exit.
        return stop_pidfile(self.pidfile, timeout=15)
