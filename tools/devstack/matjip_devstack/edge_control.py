"""Changing what a running edge routes to, without failing a request: the replicas of each service, and
which of them are out of rotation (draining before they stop, or failing their readiness).

Every change rewrites nginx.conf from the edge's saved settings (edge.json), checks it with `nginx -t`,
and reloads nginx with SIGHUP. A reload is graceful: the master starts workers with the new upstreams,
and the old workers take no new request (their idle client connections are closed, a request in flight
finishes against the replica it was sent to). A change returns only once the new workers run, so a
replica that has been drained gets no new request from the moment `drain` returns: it can be stopped.

Health is passive in nginx itself (a refused connection skips the replica for 2 s) and active in the
devstack's supervisor (matjip_devstack.supervisor), which marks replicas unhealthy here. When every
replica of a service is unhealthy, all of them stay in rotation: a service that might answer beats an
edge that certainly answers 502 (Envoy's "panic" rule).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal
import subprocess
import time
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from matjip_devstack.edge import EdgeSettings, nginx_argv
from matjip_devstack.processes import StackError

ROUTING_FILE = "routing.json"


@dataclass
class Routing:
    """Replicas (by base URL) taken out of rotation, and why."""

    draining: set[str] = field(default_factory=set)
    unhealthy: set[str] = field(default_factory=set)


def out_of_rotation(upstreams: Mapping[str, Collection[str]], routing: Routing) -> tuple[str, ...]:
    """The upstream URLs nginx must mark `down`: draining ones always, unhealthy ones unless no other
    replica of their service is healthy."""
    down: set[str] = set()
    for urls in upstreams.values():
        serving = [u for u in urls if u not in routing.draining]
        healthy = [u for u in serving if u not in routing.unhealthy]
        down |= {u for u in urls if u in routing.draining}
        if healthy:
            down |= set(serving) - set(healthy)
    return tuple(sorted(down))


def nginx_workers(master_pid: int) -> dict[int, str]:
    """The master's worker processes with their titles ("nginx: worker process [is shutting down]")."""
    workers: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            if int(stat[stat.rfind(")") + 2 :].split()[1]) != master_pid:
                continue
            title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
        except (OSError, ValueError, IndexError):
            continue
        workers[int(entry.name)] = title
    return workers


class EdgeControl:
    """The running edge whose configuration lives in `state_dir` (spawn_edge's state_dir)."""

    def __init__(self, state_dir: Path) -> None:
        self.state_dir = state_dir

    # --- reading ---------------------------------------------------------------------------------

    def settings(self) -> EdgeSettings:
        return EdgeSettings.load(self.state_dir)

    def routing(self) -> Routing:
        try:
            data = json.loads((self.state_dir / ROUTING_FILE).read_text())
        except FileNotFoundError:
            return Routing()
        return Routing(set(data.get("draining", [])), set(data.get("unhealthy", [])))

    def master_pid(self) -> int | None:
        try:
            pid = int((self.state_dir / "nginx.pid").read_text().strip())
        except (FileNotFoundError, ValueError):
            return None
        return pid if Path(f"/proc/{pid}").exists() else None

    # --- changing --------------------------------------------------------------------------------

    def set_upstreams(self, upstreams: Mapping[str, Collection[str]]) -> bool:
        """Route each service to these replicas (a service not named keeps its list)."""
        lists = {k: list(v) for k, v in upstreams.items()}
        return self._change(lambda s, r: (replace(s, upstreams=s.upstreams | lists), r))

    def drain(self, url: str) -> bool:
        """Take a replica out of rotation before it stops; effective when this returns."""
        return self._change(lambda s, r: (s, replace(r, draining=r.draining | {url})))

    def undrain(self, url: str) -> bool:
        return self._change(lambda s, r: (s, replace(r, draining=r.draining - {url})))

    def set_unhealthy(self, urls: Collection[str]) -> bool:
        return self._change(lambda s, r: (s, replace(r, unhealthy=set(urls))))

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        # The supervisor, a rolling restart and `./matjip up` may change the edge at the same time.
        with (self.state_dir / "edge.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _change(self, change: Callable[[EdgeSettings, Routing], tuple[EdgeSettings, Routing]]) -> bool:
        """Apply `change`; rewrite and reload only if what nginx routes to differs. True if it reloaded."""
        with self._locked():
            settings, routing = self.settings(), self.routing()
            new_settings, new_routing = change(settings, routing)
            new_settings = replace(new_settings, down=out_of_rotation(new_settings.upstreams, new_routing))
            reloaded = new_settings != settings
            if reloaded:
                self._reload(new_settings)
            # Recorded once nginx routes by it: whoever reads `routing()` may count on it.
            (self.state_dir / ROUTING_FILE).write_text(json.dumps(
                {"draining": sorted(new_routing.draining), "unhealthy": sorted(new_routing.unhealthy)}, indent=1))
            return reloaded

    def _reload(self, settings: EdgeSettings, timeout: float = 30.0) -> None:
        conf, candidate = self.state_dir / "nginx.conf", self.state_dir / "nginx.conf.new"
        candidate.write_text(settings.render(self.state_dir))
        checked = subprocess.run(
            [*nginx_argv(self.state_dir, settings.log_path, candidate), "-t", "-q"],
            capture_output=True, text=True, stdin=subprocess.DEVNULL,
        )
        if checked.returncode != 0:
            raise StackError(f"the edge's new configuration is invalid:\n{checked.stderr}")
        master = self.master_pid()
        candidate.replace(conf)
        settings.save(self.state_dir)
        if master is None:
            return  # not running: the next start reads the new configuration
        before = set(nginx_workers(master))
        os.kill(master, signal.SIGHUP)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            workers = nginx_workers(master)
            fresh = [pid for pid, title in workers.items() if pid not in before and "shutting down" not in title]
            old_serving = [pid for pid, title in workers.items() if pid in before and "shutting down" not in title]
            if fresh and not old_serving:
                return
            time.sleep(0.05)
        raise StackError(f"nginx (pid {master}) did not take its new configuration within {timeout:.0f}s")
