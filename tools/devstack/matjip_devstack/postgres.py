"""PostgreSQL for the local stack: its own cluster under .data/postgres on port 55432.

PostgreSQL refuses to run as root, so as root its binaries run as the `postgres` user (runuser).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import subprocess
import time
from pathlib import Path

from matjip_devstack import config
from matjip_devstack.packages import apt_install, is_root
from matjip_devstack.paths import DATA, LOGS
from matjip_devstack.processes import StackError, port_open, start_ticks

PG_USER = "postgres"


def find_bin_dir() -> Path | None:
    """The newest installed server's bin directory (Debian keeps one per major version)."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"),
                   key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0)
    return found[-1].parent if found else None


def bin_dir() -> Path:
    """Like :func:`find_bin_dir`, installing Debian's `postgresql` when missing."""
    found = find_bin_dir()
    if found is None:
        apt_install(["postgresql"], "PostgreSQL")
        found = find_bin_dir()
    if found is None:
        raise StackError("PostgreSQL binaries not found under /usr/lib/postgresql/*/bin")
    return found


def _as_pg(argv: list[str]) -> list[str]:
    return ["runuser", "-u", PG_USER, "--", *argv] if is_root() else argv


def _reachable_by_pg(path: Path) -> bool:
    return subprocess.run(_as_pg(["test", "-x", str(path)]), capture_output=True).returncode == 0


class Postgres:
    name = "postgres"
    port = config.POSTGRES_PORT

    def __init__(self) -> None:
        base = DATA
        self.log_path = LOGS / "postgres.log"
        self.outside = is_root() and DATA.exists() and not _reachable_by_pg(DATA)
        if self.outside:
            # The checkout sits where the postgres user cannot enter (e.g. under /root): keep the cluster
            # and its log in a per-checkout directory it can reach instead.
            digest = hashlib.sha1(str(DATA).encode()).hexdigest()[:12]
            base = Path("/var/tmp") / f"matjip-{digest}"
            self.log_path = base / "postgres.log"
        self.data_dir = base / "postgres"
        self.socket_dir = base / "postgres-socket"

    # --- state ---------------------------------------------------------------------------------

    def postmaster_pid(self) -> int | None:
        """The live postmaster's pid from postmaster.pid, or None."""
        try:
            pid = int((self.data_dir / "postmaster.pid").read_text().split("\n", 1)[0])
        except (FileNotFoundError, ValueError, PermissionError):
            return None
        if start_ticks(pid) is None:
            return None
        try:
            comm = Path(f"/proc/{pid}/comm").read_text().strip()
        except OSError:
            return None
        # After a crash the pid may belong to something else by now.
        return pid if comm in ("postgres", "postmaster") else None

    def healthy(self) -> bool:
        bins = find_bin_dir()
        if bins is None:
            return False
        result = subprocess.run(
            [str(bins / "pg_isready"), "-q", "-h", config.HOST, "-p", str(self.port), "-t", "2",
             "-U", PG_USER, "-d", "postgres"],
            capture_output=True,
        )
        return result.returncode == 0

    def running(self) -> bool:
        return self.postmaster_pid() is not None

    # --- lifecycle -----------------------------------------------------------------------------

    def _prepare_dirs(self) -> None:
        for d in (self.data_dir.parent, self.socket_dir, self.data_dir):
            d.mkdir(parents=True, exist_ok=True)
        self.data_dir.chmod(0o700)  # initdb and the server insist on it
        LOGS.mkdir(parents=True, exist_ok=True)
        self.log_path.touch()
        if self.outside:  # so that `./matjip logs postgres` still finds it
            link = LOGS / "postgres.log"
            link.unlink(missing_ok=True)
            link.symlink_to(self.log_path)
        if is_root():
            for p in (self.data_dir, self.socket_dir, self.log_path):
                shutil.chown(p, PG_USER, PG_USER)

    def _initdb(self) -> None:
        if (self.data_dir / "PG_VERSION").exists():
            return
        print("initdb (first start) ...", flush=True)
        bins = bin_dir()
        result = subprocess.run(
            _as_pg([str(bins / "initdb"), "-D", str(self.data_dir), "--username=postgres",
                    "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-instructions"]),
            capture_output=True, text=True,
        )
        if result.returncode != 0:
            raise StackError(f"initdb failed:\n{result.stdout}{result.stderr}")
        # Dev only: trust on loopback, listen only there, socket inside the checkout.
        with (self.data_dir / "postgresql.conf").open("a") as conf:
            conf.write(
                "\n# matjip local stack\n"
                f"listen_addresses = '{config.HOST}'\n"
                f"port = {self.port}\n"
                f"unix_socket_directories = '{self.socket_dir}'\n"
                "max_connections = 300\n"
                "shared_buffers = 128MB\n"
                "fsync = on\n"
                "log_min_messages = warning\n"
            )

    def _clear_stale_pidfile(self) -> None:
        pidfile = self.data_dir / "postmaster.pid"
        if pidfile.exists() and self.postmaster_pid() is None:
            print("removing stale postmaster.pid (PostgreSQL did not shut down cleanly)", flush=True)
            pidfile.unlink()

    def start(self) -> bool:
        """Start the cluster if needed; True if this call started it."""
        if self.running():
            self._wait_healthy(60)
            self._bootstrap()
            return False
        if port_open(self.port):
            if not self.healthy():
                raise StackError(f"port {self.port} is taken by a program that is not PostgreSQL")
            # Another checkout's stack (or a hand-started server): use it, leave it to its owner.
            print(f"PostgreSQL already listens on {self.port} (not this checkout's); using it", flush=True)
            self._bootstrap()
            return False
        bins = bin_dir()
        self._prepare_dirs()
        self._initdb()
        self._clear_stale_pidfile()
        # After a SIGKILL the old server's children may still hold its shared memory for a moment.
        last = ""
        for _ in range(10):
            result = subprocess.run(
                # The port on the command line: the cluster may have been made under another port offset.
                _as_pg([str(bins / "pg_ctl"), "start", "-D", str(self.data_dir), "-w", "-t", "60",
                        "-o", f"-p {self.port}", "-l", str(self.log_path)]),
                capture_output=True, text=True,
            )
            if result.returncode == 0:
                break
            last = result.stdout + result.stderr
            time.sleep(1)
            self._clear_stale_pidfile()
        else:
            raise StackError(f"PostgreSQL did not start:\n{last}\nlog: {self.log_path}")
        self._wait_healthy(60)
        self._bootstrap()
        return True

    def _wait_healthy(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not self.healthy():
            if time.monotonic() > deadline:
                raise StackError(f"PostgreSQL is not accepting connections; see {self.log_path}")
            time.sleep(0.2)

    def psql_argv(self, user: str = "postgres", database: str = "postgres") -> list[str]:
        return [str(bin_dir() / "psql"), "-h", config.HOST, "-p", str(self.port), "-U", user, "-d", database]

    def _sql(self, sql: str) -> str:
        result = subprocess.run(
            [*self.psql_argv(), "-v", "ON_ERROR_STOP=1", "-tAc", sql], capture_output=True, text=True
        )
        if result.returncode != 0:
            raise StackError(f"psql failed on {sql!r}: {result.stderr}")
        return result.stdout.strip()

    def _bootstrap(self) -> None:
        # Dev only: the application role is a superuser so each service can create its own schema.
        if not self._sql(f"SELECT 1 FROM pg_roles WHERE rolname = '{config.DB_USER}'"):
            self._sql(f"CREATE ROLE {config.DB_USER} LOGIN SUPERUSER")
        if not self._sql(f"SELECT 1 FROM pg_database WHERE datname = '{config.DATABASE}'"):
            self._sql(f"CREATE DATABASE {config.DATABASE} OWNER {config.DB_USER}")

    def stop(self) -> bool:
        """Stop our cluster (fast mode: roll back sessions, checkpoint). True if it was running."""
        pid = self.postmaster_pid()
        if pid is None:
            self._clear_stale_pidfile_quietly()
            return False
        result = subprocess.run(
            _as_pg([str(bin_dir() / "pg_ctl"), "stop", "-D", str(self.data_dir), "-m", "fast", "-w",
                    "-t", "30"]),
            capture_output=True, text=True,
        )
        if result.returncode != 0 and start_ticks(pid) is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, 9)
        return True

    def _clear_stale_pidfile_quietly(self) -> None:
        with contextlib.suppress(FileNotFoundError, PermissionError):
            if self.postmaster_pid() is None:
                (self.data_dir / "postmaster.pid").unlink()
