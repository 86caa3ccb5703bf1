"""/proc accounting on real processes: CPU of a tree (reaped children included), listeners, memory."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

from matjip_bench.machine import (
    TICKS_PER_SECOND,
    all_processes,
    listener_pid,
    machine_ticks,
    read_stat,
    spent,
    tree,
    usage,
)


def _own_ticks(pid: int) -> int:
    stat = read_stat(pid)
    return stat.own_ticks if stat else 0


BURN = "import time\nend = time.process_time() + {seconds}\nwhile time.process_time() < end: pass\n"


def test_a_child_that_exited_is_still_counted_in_its_parents_tree() -> None:
    # A shell that runs a CPU-burning Python child to completion, then idles: by the second reading the
    # child is gone, and its time lives on in the shell's cutime. The shell then becomes `sleep` (exec keeps
    # the pid and its children's times), so the tree is one process from then on, not only in the moment
    # between the child's exit and a forked sleep's start.
    script = f"{sys.executable} -c '{BURN.format(seconds=0.5)}'; exec sleep 30"
    shell = subprocess.Popen(["sh", "-c", script])
    try:
        before = usage({"shell": shell.pid})
        deadline = time.monotonic() + 120
        seen_child = False
        while True:
            members = len(tree(shell.pid, all_processes()))
            seen_child = seen_child or members > 1
            if seen_child and members == 1:
                break
            assert time.monotonic() < deadline, "the burning child never finished"
            time.sleep(0.05)
        after = usage({"shell": shell.pid}, memory=True)
    finally:
        shell.kill()
        shell.wait()
    used = spent(before, after)
    assert used.process_ms["shell"] >= 300  # 0.5 s of CPU, less what may have run before the first reading
    assert after.rss_bytes["shell"] > 0 and after.pss_bytes["shell"] > 0


def test_self_and_children_are_counted_apart() -> None:
    own = os.getpid()
    before = usage({"self": own, "children": own}, self_only=["self"], children_only=["children"])
    subprocess.run([sys.executable, "-c", BURN.format(seconds=0.3)], check=True)
    after = usage({"self": own, "children": own}, self_only=["self"], children_only=["children"])
    used = spent(before, after)
    assert used.process_ms["children"] >= 250
    # The machine's counters are sampled at each CPU's tick while a process's times are measured exactly,
    # so the machine may show a few ticks per CPU less than one process burned in the same window.
    tick_ms = 1000 / TICKS_PER_SECOND
    sampling_slack_ms = 3 * tick_ms * (os.cpu_count() or 1)
    assert used.machine_ms >= used.process_ms["children"] - sampling_slack_ms


def test_children_counted_elsewhere_are_left_out_of_the_load_generator() -> None:
    # A child of the harness that belongs to the platform (a test platform's service) is not load generator.
    service = subprocess.Popen([sys.executable, "-c", BURN.format(seconds=0.4) + "time.sleep(60)\n"])
    own = os.getpid()
    watched = {"service": service.pid, "loadgen": own}
    try:
        before = usage(watched, children_only=["loadgen"])
        deadline = time.monotonic() + 120
        while _own_ticks(service.pid) < 0.4 * TICKS_PER_SECOND:
            assert time.monotonic() < deadline, "the service never burned its CPU"
            time.sleep(0.05)
        after = usage(watched, children_only=["loadgen"])
    finally:
        service.kill()
        service.wait()
    used = spent(before, after)
    assert used.process_ms["service"] >= 300
    assert used.process_ms["loadgen"] < 100


def test_machine_ticks_grow_and_busy_never_exceeds_total() -> None:
    busy1, total1 = machine_ticks()
    time.sleep(0.2)
    busy2, total2 = machine_ticks()
    assert total2 > total1
    assert 0 <= busy2 - busy1 <= total2 - total1


def test_the_process_listening_on_a_port_is_found() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        assert listener_pid(port) == os.getpid()
    assert listener_pid(port) is None
