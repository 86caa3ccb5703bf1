"""What the machine and each process of the stack spend, read from /proc (Linux only).

CPU of a process is counted with its whole process tree (PostgreSQL's backends, nginx's workers), and
children that exited meanwhile are still counted: their time moves into the parent's `cutime`/`cstime`
when the parent reaps them, so the sum over a live tree of utime+stime+cutime+cstime only ever grows.
"""

from __future__ import annotations

import os
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")
TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")
PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")
MIB = 1024 * 1024


@dataclass(frozen=True)
class ProcStat:
    pid: int
    ppid: int
    comm: str
    ticks: int
    """utime + stime + cutime + cstime."""
    own_ticks: int
    """utime + stime: this process alone, without reaped children."""
    rss_bytes: int


def read_stat(pid: int) -> ProcStat | None:
    try:
        raw = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    # comm may hold spaces and parentheses: it ends at the last ')'.
    head, _, tail = raw.rpartition(")")
    fields = tail.split()
    try:
        utime, stime, cutime, cstime = (int(fields[i]) for i in (11, 12, 13, 14))
        return ProcStat(
            pid=pid,
            ppid=int(fields[1]),
            comm=head.split("(", 1)[1],
            ticks=utime + stime + cutime + cstime,
            own_ticks=utime + stime,
            rss_bytes=int(fields[21]) * PAGE_BYTES,
        )
    except (IndexError, ValueError):
        return None


def all_processes() -> dict[int, ProcStat]:
    found: dict[int, ProcStat] = {}
    for entry in PROC.iterdir():
        if entry.name.isdigit():
            stat = read_stat(int(entry.name))
            if stat is not None:
                found[stat.pid] = stat
    return found


def tree(root: int, table: Mapping[int, ProcStat], stop_at: Iterable[int] = ()) -> list[ProcStat]:
    """`root` and every live descendant of it, leaving out the subtrees of the pids in `stop_at`."""
    children: dict[int, list[int]] = defaultdict(list)
    for stat in table.values():
        children[stat.ppid].append(stat.pid)
    skip = set(stop_at)
    found: list[ProcStat] = []
    pending = [root]
    while pending:
        pid = pending.pop()
        if pid in table and pid not in skip:
            found.append(table[pid])
            pending.extend(children[pid])
    return found


def pss_bytes(pid: int) -> int | None:
    """Proportional set size: shared pages divided among the processes that share them."""
    try:
        for line in (PROC / str(pid) / "smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def machine_ticks() -> tuple[int, int]:
    """(busy, total) CPU ticks of the whole machine since boot, summed over every core."""
    fields = [int(v) for v in (PROC / "stat").read_text().split("\n", 1)[0].split()[1:]]
    # user nice system idle iowait irq softirq steal (guest time is already inside user/nice)
    idle = fields[3] + fields[4]
    total = sum(fields[:8])
    return total - idle, total


@dataclass(frozen=True)
class Usage:
    """CPU ticks (and memory at the moment of reading) of named processes and of the machine."""

    at: float
    machine_busy: int
    machine_total: int
    ticks: dict[str, int]
    rss_bytes: dict[str, int]
    pss_bytes: dict[str, int]


def usage(
    processes: Mapping[str, int], *, memory: bool = False, self_only: Iterable[str] = (),
    children_only: Iterable[str] = (),
) -> Usage:
    """Ticks of each named process tree. Names in `self_only` count the process alone; names in
    `children_only` count what runs (and ran) below it, except the trees of the other named processes
    (the harness's load generator, while a test platform's services may be the harness's children too)."""
    table = all_processes()
    busy, total = machine_ticks()
    alone, below = set(self_only), set(children_only)
    watched = set(processes.values())
    ticks: dict[str, int] = {}
    rss: dict[str, int] = {}
    pss: dict[str, int] = {}
    for name, pid in processes.items():
        root = table.get(pid)
        if root is None:
            continue
        if name in alone:
            members, count = [root], root.own_ticks
        elif name in below:
            members = [m for m in tree(pid, table, stop_at=watched - {pid}) if m.pid != pid]
            # Exited children live on in the root's cutime/cstime once it has reaped them.
            count = sum(m.ticks for m in members) + root.ticks - root.own_ticks
        else:
            members = tree(pid, table)
            count = sum(m.ticks for m in members)
        ticks[name] = count
        if memory:
            rss[name] = sum(m.rss_bytes for m in members)
            pss[name] = sum(pss_bytes(m.pid) or 0 for m in members)
    return Usage(time.monotonic(), busy, total, ticks, rss, pss)


@dataclass(frozen=True)
class Spent:
    """CPU spent between two readings, in CPU-milliseconds."""

    seconds: float
    machine_ms: float
    machine_cores: float
    """The machine's busy share over the interval, in cores (2.0 = both cores busy)."""
    process_ms: dict[str, float]


def spent(before: Usage, after: Usage) -> Spent:
    seconds = max(after.at - before.at, 1e-9)
    cores = os.cpu_count() or 1
    busy = after.machine_busy - before.machine_busy
    total = max(after.machine_total - before.machine_total, 1)
    ms_per_tick = 1000 / TICKS_PER_SECOND
    process_ms = {
        name: max(after.ticks[name] - before.ticks[name], 0) * ms_per_tick
        for name in after.ticks
        if name in before.ticks
    }
    return Spent(seconds, busy * ms_per_tick, busy / total * cores, process_ms)


def load_average() -> tuple[float, float, float]:
    one, five, fifteen = (float(v) for v in (PROC / "loadavg").read_text().split()[:3])
    return one, five, fifteen


def memory_available_bytes() -> int:
    for line in (PROC / "meminfo").read_text().splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) * 1024
    return 0


@dataclass(frozen=True)
class BusyProcess:
    pid: int
    command: str
    cwd: str
    cores: float


def _command(pid: int, comm: str) -> str:
    try:
        argv = (PROC / str(pid) / "cmdline").read_bytes().split(b"\0")
    except OSError:
        return comm
    words = [a.decode(errors="replace") for a in argv if a]
    return " ".join(words)[:120] or comm


def busy_processes(exclude: Iterable[int], seconds: float = 2.0, min_cores: float = 0.02) -> list[BusyProcess]:
    """Processes (outside the given trees) that used at least `min_cores` over `seconds`, busiest first."""
    first = all_processes()
    time.sleep(seconds)
    second = all_processes()
    skip: set[int] = set()
    for root in exclude:
        skip.update(p.pid for p in tree(root, second))
    found: list[BusyProcess] = []
    for pid, now in second.items():
        then = first.get(pid)
        if pid in skip or then is None:
            continue
        cores = (now.own_ticks - then.own_ticks) / TICKS_PER_SECOND / seconds
        if cores >= min_cores:
            try:
                cwd = os.readlink(PROC / str(pid) / "cwd")
            except OSError:
                cwd = "?"
            found.append(BusyProcess(pid, _command(pid, now.comm), cwd, round(cores, 3)))
    return sorted(found, key=lambda b: b.cores, reverse=True)


def listener_pid(port: int) -> int | None:
    """The process that listens on TCP `port` (the parent-most one when workers share the socket)."""
    inodes: set[str] = set()
    for table in ("tcp", "tcp6"):
        try:
            lines = (PROC / "net" / table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if len(fields) > 9 and fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(fields[9])
    if not inodes:
        return None
    wanted = {f"socket:[{inode}]" for inode in inodes}
    holders: set[int] = set()
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fds = list((entry / "fd").iterdir())
        except OSError:
            continue
        for fd in fds:
            try:
                if os.readlink(fd) in wanted:
                    holders.add(int(entry.name))
                    break
            except OSError:
                continue
    parents = {pid: stat.ppid for pid in holders if (stat := read_stat(pid)) is not None}
    roots = sorted(pid for pid, ppid in parents.items() if ppid not in holders)
    return roots[0] if roots else None
