"""Running the platform's services as real processes, for `./matjip up` and for tests.

Tests isolate themselves from a running dev stack with their own database, topic prefix and ports::

    stack = ServiceStack(
        {"MATJIP_DATABASE_URL": test_database_url, "MATJIP_KAFKA_TOPIC_PREFIX": prefix},
        log_dir=tmp_path, ports=free_ports(["auth", "order"]),
    )
    stack.migrate_and_start(["auth", "order"])
    ...
    stack.stop_all()

Replicas: `ServiceStack(..., replicas={"order": 3})` runs three processes of order, named `order`, `order-2`
and `order-3` (their instance names: pid files, logs, ports). Each listens on its own port (the service's
port plus 10 per replica unless `ports` names the instance) and they share the service's schema and
Kafka consumer group, so they split its partitions. Methods that take a `name` take an instance name;
a service's name is its first instance.
"""

from __future__ import annotations

import importlib.util
import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import asyncpg
import httpx
from alembic.script import ScriptDirectory

from matjip_devstack import config
from matjip_devstack.paths import LOGS, ROOT
from matjip_devstack.processes import Handle, StackError, log_tail, read_pidfile, spawn
from matjip_devstack.secrets import new_sandbox_pg_key
from matjip_devstack.services import PROCESSES, base_env, jwks_url, local_process_env, spec
from matjip_devstack.topics import run_sync

Progress = Callable[[str], None]  # told each step as it completes ("auth migrated", "auth ready")

STOP_TIMEOUT = 25.0  # services promise to drain within 20 s
REPLICA_PORT_STEP = 10  # replica k of a service listens on its port + 10 * (k - 1)
MAX_REPLICAS = config.TOPIC_PARTITIONS  # more consumers than partitions would sit idle


def instance_name(service: str, replica: int) -> str:
    """`order` for the first replica, `order-2`, `order-3` ... for the others."""
    return service if replica == 1 else f"{service}-{replica}"


def split_instance(name: str) -> tuple[str, int]:
    """(service, replica) of an instance name; a plain service name is its first replica."""
    service, dash, number = name.rpartition("-")
    if dash and number.isdigit():
        return service, int(number)
    return name, 1


def parse_replicas(values: Iterable[str], services: Iterable[str]) -> dict[str, int]:
    """`--replicas 2 order=3` -> every service 2, order 3. Each value is N or SERVICE=N (or a comma list)."""
    known = list(services)
    default, named = 1, {}
    for value in values:
        for item in value.split(","):
            name, eq, number = item.strip().rpartition("=")
            if not number.isdigit() or not 1 <= int(number) <= MAX_REPLICAS:
                raise StackError(f"replicas must be 1..{MAX_REPLICAS} (the topics' partitions), not {item!r}")
            if not eq:
                default = int(number)
            elif name in known:
                named[name] = int(number)
            else:
                raise StackError(f"unknown service {name!r} in --replicas; known: {', '.join(known)}")
    return {name: named.get(name, default) for name in known}


# Below Linux's ephemeral range (32768-60999), which the kernel hands out as source ports of outgoing
# connections: a port picked there could be taken by one before its process binds it, tens of seconds
# later on a loaded machine. Above every fixed port of the local stack (services 81xx, edge 8080, plus
# the offset), below its infrastructure (55432 and up).
PICKED_PORTS = (20000, 32767)


def free_ports(names: Iterable[str]) -> dict[str, int]:
    """Unused loopback ports for the given services, so tests don't clash with a running dev stack."""
    socks: list[socket.socket] = []
    ports: dict[str, int] = {}
    pick = random.SystemRandom()
    try:
        for name in names:
            while name not in ports:
                port = pick.randint(*PICKED_PORTS)
                s = socket.socket()
                try:
                    s.bind((config.HOST, port))
                except OSError:
                    s.close()
                    continue
                socks.append(s)  # held open until all are chosen, so no two names get the same port
                ports[name] = port
    finally:
        for s in socks:
            s.close()
    return ports


class ServiceStack:
    """Migrates, starts, health-checks and stops the services and the sandbox PG (`python -m <module> ...`).

    `env_overrides` wins over the local-stack defaults for every process; `ports` overrides the
    conventions' ports (by instance name; MATJIP_JWKS_URL follows auth's port and payment's gateway URL
    the sandbox PG's, unless overridden); `service_env` adds variables for one process only (auth's keys
    and admin account); `replicas` says how many processes each runs (default 1); `sandbox_pg_key` is the
    merchant key payment and the sandbox PG share (a new one per stack unless given); with `pid_dir`,
    processes are recorded in pid files so another command (`./matjip down`) can stop them.
    """

    def __init__(
        self,
        env_overrides: Mapping[str, str] | None = None,
        log_dir: Path = LOGS,
        *,
        ports: Mapping[str, int] | None = None,
        pid_dir: Path | None = None,
        service_env: Mapping[str, Mapping[str, str]] | None = None,
        replicas: Mapping[str, int] | None = None,
        sandbox_pg_key: str | None = None,
        python: str = sys.executable,
        cwd: Path = ROOT,
    ) -> None:
        self.env_overrides = dict(env_overrides or {})
        self.log_dir = log_dir
        self.ports = {s.name: s.port for s in PROCESSES} | dict(ports or {})
        self.sandbox_pg_key = sandbox_pg_key or new_sandbox_pg_key()
        self.pid_dir = pid_dir
        self.service_env = {k: dict(v) for k, v in (service_env or {}).items()}
        self.replicas = {s.name: 1 for s in PROCESSES} | dict(replicas or {})
        self.python = python
        self.cwd = cwd
        self._handles: dict[str, Handle] = {}

    # --- addresses -----------------------------------------------------------------------------

    def instances(self, service: str) -> list[str]:
        """The instance names `service` should run (its replicas)."""
        spec(service)
        return [instance_name(service, k) for k in range(1, self.replicas.get(service, 1) + 1)]

    def running_instances(self, service: str) -> list[str]:
        """The instances of `service` that run now, wanted or not (an earlier `up` may have run more)."""
        spec(service)
        return [n for k in range(1, MAX_REPLICAS + 1) if self.handle(n := instance_name(service, k)) is not None]

    def port(self, name: str) -> int:
        service, replica = split_instance(name)
        spec(service)
        if name in self.ports:
            return self.ports[name]
        return self.ports[service] + REPLICA_PORT_STEP * (replica - 1)

    def url(self, name: str) -> str:
        return f"http://{config.HOST}:{self.port(name)}"

    def upstreams(self, services: Iterable[str] | None = None) -> dict[str, list[str]]:
        """Every wanted instance's base URL, per service: what the edge balances across."""
        wanted = list(services) if services is not None else [s.name for s in PROCESSES]
        return {service: [self.url(n) for n in self.instances(service)] for service in wanted}

    def log_path(self, name: str) -> Path:
        return self.log_dir / f"{name}.log"

    def env_for(self, name: str) -> dict[str, str]:
        service, _ = split_instance(name)
        svc = spec(service)
        env = dict(os.environ) | base_env()
        env |= {
            "MATJIP_DB_SCHEMA": svc.schema,
            "MATJIP_HTTP_PORT": str(self.port(name)),
            "MATJIP_JWKS_URL": jwks_url(self.ports["auth"]),
            "PYTHONUNBUFFERED": "1",
        }
        env |= local_process_env(service, self.ports, self.sandbox_pg_key)
        return env | self.env_overrides | self.service_env.get(service, {})

    # --- lifecycle -----------------------------------------------------------------------------

    def migrations_dir(self, name: str) -> Path:
        found = importlib.util.find_spec(spec(name).module)
        if found is None or found.origin is None:
            raise StackError(f"{spec(name).module} is not installed")
        return Path(found.origin).parent.parent / "migrations"

    def migrated(self, name: str) -> bool:
        """Whether the service's schema is already at its migrations' head (a warm start skips `migrate`,
        a process that would spend seconds importing the service to find nothing to do)."""
        env = self.env_for(name)
        heads = set(ScriptDirectory(str(self.migrations_dir(name))).get_heads())
        url = env["MATJIP_DATABASE_URL"].replace("postgresql+asyncpg://", "postgresql://", 1)
        schema = env["MATJIP_DB_SCHEMA"]

        async def current() -> set[str]:
            conn = await asyncpg.connect(url)
            try:
                table = await conn.fetchval("SELECT to_regclass($1)", f'"{schema}".alembic_version')
                if table is None:
                    return set()
                return {
                    row["version_num"]
                    for row in await conn.fetch(f'SELECT version_num FROM "{schema}".alembic_version')
                }
            finally:
                await conn.close()

        try:
            return run_sync(current()) == heads
        except (OSError, asyncpg.PostgresError):
            return False

    def migrate(self, name: str, timeout: float = 180.0) -> None:
        log = self.log_path(name)
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("ab") as out:
            out.write(f"\n=== {time.strftime('%Y-%m-%dT%H:%M:%S')} migrate {name}\n".encode())
            out.flush()
            result = subprocess.run(
                [self.python, "-m", spec(name).module, "migrate"],
                env=self.env_for(name),
                cwd=self.cwd,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                timeout=timeout,
            )
        if result.returncode != 0:
            raise StackError(f"{name} migrate exited {result.returncode}:\n{log_tail(log)}")

    def handle(self, name: str) -> Handle | None:
        """The live process of instance `name` (also one started by an earlier `./matjip up`), or None."""
        handle = self._handles.get(name)
        if handle is not None and handle.alive():
            return handle
        self._handles.pop(name, None)
        if self.pid_dir is not None:
            handle = read_pidfile(self.pid_dir / f"{name}.pid")
            if handle is not None:
                self._handles[name] = handle
                return handle
        return None

    def running(self, name: str) -> bool:
        return self.handle(name) is not None

    def start(self, name: str) -> Handle:
        """Start instance `name` (`serve`) unless it already runs; doesn't wait (see :meth:`wait_ready`)."""
        existing = self.handle(name)
        if existing is not None:
            return existing
        service, _ = split_instance(name)
        handle = spawn(
            name,
            [self.python, "-m", spec(service).module, "serve"],
            log_path=self.log_path(name),
            env=self.env_for(name),
            cwd=self.cwd,
            pid_dir=self.pid_dir,
        )
        self._handles[name] = handle
        return handle

    def ready(self, name: str, timeout: float = 2.0) -> bool:
        try:
            return httpx.get(f"{self.url(name)}/health/ready", timeout=timeout).status_code == 200
        except httpx.HTTPError:
            return False

    def wait_ready(self, name: str, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if self.ready(name):
                return
            if self.handle(name) is None:
                raise StackError(f"{name} exited before it was ready:\n{log_tail(self.log_path(name))}")
            if time.monotonic() > deadline:
                raise StackError(
                    f"{name} not ready after {timeout:.0f}s ({self.url(name)}/health/ready):\n"
                    f"{log_tail(self.log_path(name))}"
                )
            time.sleep(0.25)

    def migrate_and_start(
        self, names: Iterable[str] | None = None, timeout: float = 90.0, progress: Progress | None = None
    ) -> None:
        """Migrate (unless already at head), start every replica of and wait for the given processes
        (default: all)."""
        wanted = list(names) if names is not None else [s.name for s in PROCESSES]
        tell = progress or (lambda _: None)

        def bring_up(service: str) -> None:
            instances = self.instances(service)
            if not any(self.running(n) for n in instances):
                if self.migrated(service):
                    tell(f"{service} schema already current")
                else:
                    self.migrate(service)
                    tell(f"{service} migrated")
            for name in instances:
                self.start(name)

        # Each service migrates its own schema, so they can go side by side (two at a time: start-up is
        # CPU-bound imports); each starts serving as soon as its own migration is done.
        with ThreadPoolExecutor(2) as pool:
            for future in [pool.submit(bring_up, n) for n in wanted]:
                future.result()
        for service in wanted:
            for name in self.instances(service):
                self.wait_ready(name, timeout)
            tell(f"{service} ready")

    def stop(self, name: str, timeout: float = STOP_TIMEOUT) -> None:
        """SIGTERM instance `name` (graceful drain), SIGKILL after `timeout`."""
        handle = self.handle(name)
        if handle is not None:
            handle.stop(timeout)
        self._forget(name)

    def kill(self, name: str) -> None:
        """SIGKILL, no drain: for crash tests."""
        handle = self.handle(name)
        if handle is not None:
            handle.send(signal.SIGKILL)
            handle.wait(5.0)
        self._forget(name)

    def stop_all(self, names: Iterable[str] | None = None, timeout: float = STOP_TIMEOUT) -> None:
        """Stop every running instance of the given processes (default: all) at once, so they drain in
        parallel."""
        wanted = list(names) if names is not None else [s.name for s in PROCESSES]
        instances = [n for service in wanted for n in self.running_instances(service)]
        handles = [(n, h) for n in instances if (h := self.handle(n)) is not None]
        for _, handle in handles:
            handle.send(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for name, handle in handles:
            if not handle.wait(max(0.0, deadline - time.monotonic())):
                print(f"{name} did not stop within {timeout:.0f}s: SIGKILL", file=sys.stderr)
                handle.stop(0.0, signal.SIGKILL)
            self._forget(name)

    def _forget(self, name: str) -> None:
        self._handles.pop(name, None)
        if self.pid_dir is not None:
            (self.pid_dir / f"{name}.pid").unlink(missing_ok=True)
