"""Spawning, tracking and stopping background processes through pid files.

A pid file holds the pid *and* the process start time (from /proc), so a pid reused by an unrelated
process after a crash is never mistaken for ours.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path


def start_ticks(pid: int) -> int | None:
    """The process's start time in clock ticks, or None when it is gone or a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    # The command name (field 2) may contain spaces and parentheses: split after the last ')'.
    fields = stat[stat.rfind(")") + 2 :].split()
    if fields[0] in ("Z", "X"):
        _reap(pid)
        return None
    return int(fields[19])


def _reap(pid: int) -> None:
    # Our own exited children stay zombies until waited for; harmless when not our child.
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)


@dataclass
class Handle:
    """A running process we know by pid (spawned by us now, or found through its pid file)."""

    name: str
    pid: int
    ticks: int
    popen: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def alive(self) -> bool:
        if self.popen is not None and self.popen.poll() is not None:
            return False
        return start_ticks(self.pid) == self.ticks

    def send(self, sig: int, *, group: bool = True) -> None:
        if not self.alive():
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            # Spawned in its own session, so the pgid is the pid: signal helpers it started too.
            if group:
                os.killpg(self.pid, sig)
            else:
                os.kill(self.pid, sig)

    def wait(self, timeout: float) -> bool:
        """Wait until the process has exited; True if it did within `timeout`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive():
                return True
            time.sleep(0.05)
        return not self.alive()

    def stop(self, timeout: float = 20.0, sig: int = signal.SIGTERM) -> None:
        """Ask politely, then SIGKILL the whole group after `timeout`."""
        self.send(sig)
        if not self.wait(timeout):
            self.send(signal.SIGKILL)
            self.wait(5.0)
        if self.popen is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.popen.wait(1.0)


def spawn(
    name: str,
    argv: Sequence[str],
    *,
    log_path: Path,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    pid_dir: Path | None = None,
) -> Handle:
    """Start `argv` in its own session with stdout+stderr appended to `log_path`.

    Its own session keeps a terminal's Ctrl-C away from it: the stack stops processes in order itself.
    """
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        log.write(f"\n=== {time.strftime('%Y-%m-%dT%H:%M:%S')} starting {name}: {' '.join(argv)}\n".encode())
        log.flush()
        popen = subprocess.Popen(
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=dict(env) if env is not None else None,
            cwd=cwd,
            start_new_session=True,
        )
    ticks = start_ticks(popen.pid) or 0
    handle = Handle(name, popen.pid, ticks, popen)
    if pid_dir is not None:
        write_pidfile(pid_dir / f"{name}.pid", handle, argv)
    return handle


def write_pidfile(path: Path, handle: Handle, argv: Sequence[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"pid": handle.pid, "ticks": handle.ticks, "argv": list(argv)}))
    tmp.replace(path)


def read_pidfile(path: Path) -> Handle | None:
    """The live process recorded in `path`; a stale file (process gone or pid reused) is removed."""
    try:
        data = json.loads(path.read_text())
        handle = Handle(path.stem, int(data["pid"]), int(data["ticks"]))
    except (FileNotFoundError, ValueError, KeyError, TypeError):
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        return None
    if handle.alive():
        return handle
    path.unlink(missing_ok=True)
    return None


def stop_pidfile(path: Path, timeout: float = 20.0) -> bool:
    """Stop the process recorded in `path` (if alive) and remove the file. True if one was running."""
    handle = read_pidfile(path)
    if handle is None:
        return False
    handle.stop(timeout)
    path.unlink(missing_ok=True)
    return True


def port_open(port: int, host: str = "127.0.0.1", timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def wait_until(check: Callable[[], bool], timeout: float, what: str, interval: float = 0.2) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if check():
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(interval)


def log_tail(path: Path, lines: int = 30) -> str:
    try:
        with path.open("rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - 16384))
            text = f.read().decode(errors="replace")
    except FileNotFoundError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:])


class StackError(RuntimeError):
    """A component could not be started; the message says what to do."""
