"""`up --infra-only --detach`, crash recovery and `down`, on a second stack isolated from the dev one.

The isolated stack gets its own data directory and ports (MATJIP_DEVSTACK_DATA,
MATJIP_DEVSTACK_PORT_OFFSET) so this test never disturbs the infrastructure the other tests use.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from matjip_devstack.paths import DATA
from matjip_devstack.processes import port_open, read_pidfile, start_ticks

OFFSET = 211  # well clear of the real stack's ports and of each other
PG, REDIS, KAFKA = 55432 + OFFSET, 56379 + OFFSET, 59092 + OFFSET


@pytest.fixture
def isolated() -> Iterator[tuple[Path, dict[str, str]]]:
    data = DATA / "tmp" / f"lifecycle-{uuid.uuid4().hex[:8]}"  # inside .data: the postgres user can reach it
    env = {**os.environ, "MATJIP_DEVSTACK_DATA": str(data), "MATJIP_DEVSTACK_PORT_OFFSET": str(OFFSET)}
    try:
        yield data, env
    finally:
        _matjip(env, "down")
        shutil.rmtree(data, ignore_errors=True)


def _matjip(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "matjip_devstack", *args], env=env, capture_output=True,
                          text=True, timeout=240, stdin=subprocess.DEVNULL)


def _up(env: dict[str, str]) -> None:
    result = _matjip(env, "up", "--infra-only", "--detach", "--no-observability")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ready" in result.stdout


def _postmaster_pid(data: Path) -> int:
    return int((data / "postgres" / "postmaster.pid").read_text().split()[0])


def _psql_ok() -> bool:
    result = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-p", str(PG), "-U", "matjip", "-d", "matjip", "-tAc", "SELECT 1"],
        capture_output=True, text=True,
    )
    return result.stdout.strip() == "1"


def test_up_survives_a_crash_and_down_leaves_nothing(isolated: tuple[Path, dict[str, str]]) -> None:
    data, env = isolated
    _up(env)
    assert _psql_ok() and port_open(REDIS) and port_open(KAFKA)

    # Crash PostgreSQL and Kafka: postmaster.pid and kafka.pid stay behind, stale.
    kafka = read_pidfile(data / "run" / "kafka.pid")
    assert kafka is not None
    os.kill(_postmaster_pid(data), signal.SIGKILL)
    kafka.send(signal.SIGKILL)
    assert kafka.wait(10)
    assert (data / "postgres" / "postmaster.pid").exists() and (data / "run" / "kafka.pid").exists()

    _up(env)  # recovers: cleans the stale files, restarts both, keeps the healthy Redis
    assert _psql_ok() and port_open(KAFKA)
    pids = [_postmaster_pid(data)] + [
        h.pid for name in ("kafka", "redis") if (h := read_pidfile(data / "run" / f"{name}.pid")) is not None
    ]
    assert len(pids) == 3

    _up(env)  # everything already up: a no-op
    assert _postmaster_pid(data) == pids[0]

    down = _matjip(env, "down")
    assert down.returncode == 0, down.stderr
    assert all(start_ticks(pid) is None for pid in pids)
    assert not any(port_open(p) for p in (PG, REDIS, KAFKA))
    assert not list((data / "run").glob("*.pid"))
    assert not (data / "postgres" / "postmaster.pid").exists()

    again = _matjip(env, "down")
    assert again.returncode == 0 and "nothing was running" in again.stdout
