"""Memory of the running local stack (`./matjip up`): resident set size per component and in total,
each component counted with its child processes (PostgreSQL's backends, for instance).

    ./matjip up --detach && uv run python bench/stack_footprint.py

Prints figures; asserts nothing."""

import json
from collections import defaultdict
from pathlib import Path

RUN = Path(__file__).resolve().parents[1] / ".data" / "run"
PAGE_KB = 4


def processes() -> dict[int, tuple[int, int]]:
    """pid -> (parent pid, resident kB) for every process."""
    found: dict[int, tuple[int, int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        found[int(stat.parent.name)] = (int(fields[1]), int(fields[21]) * PAGE_KB)
    return found


def main() -> None:
    table = processes()
    children: dict[int, list[int]] = defaultdict(list)
    for pid, (parent, _) in table.items():
        children[parent].append(pid)

    def resident(pid: int) -> int:
        return table.get(pid, (0, 0))[1] + sum(resident(child) for child in children[pid])

    components: dict[str, int] = {}
    for pidfile in sorted(RUN.glob("*.pid")):
        text = pidfile.read_text().strip()
        components[pidfile.stem] = int(json.loads(text)["pid"]) if text.startswith("{") else int(text.split()[0])
    postmaster = RUN.parent / "postgres" / "postmaster.pid"  # PostgreSQL keeps its own pid file
    if postmaster.exists():
        components["postgres"] = int(postmaster.read_text().split()[0])
    total = 0
    for name, pid in sorted(components.items()):
        if pid not in table:
            continue
        kb = resident(pid)
        total += kb
        print(f"{name:14} {kb / 1024:8.1f} MiB")
    print(f"{'total':14} {total / 1024:8.1f} MiB")


if __name__ == "__main__":
    main()
