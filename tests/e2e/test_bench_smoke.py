"""`./matjip bench`'s harness, run for seconds at tiny rates against the end-to-end platform, so that it
cannot rot: every phase runs for real (vegeta, pgbench, Kafka's ProducerPerformance, /proc, the broker's
offsets) and the result must be well formed. Nothing here asserts how fast anything is."""

from __future__ import annotations

import asyncio
import struct
from pathlib import Path

from e2e_support import Platform
from matjip_bench import readme
from matjip_bench.cli import PLOT, RESULT, publish
from matjip_bench.plan import SMOKE
from matjip_bench.result import Result
from matjip_bench.runner import Runner
from matjip_bench.target import describe, isolated_target
from matjip_devstack.services import SERVICES


def test_the_benchmark_harness_produces_well_formed_figures(platform: Platform, tmp_path: Path) -> None:
    target = isolated_target(platform.running)
    runner = Runner(target, SMOKE, tmp_path / "work", describe(target, started_by_bench=False))
    result = asyncio.run(runner.run("smoke run from the test suite"))
    publish(result, tmp_path, update_readme=False)

    written = Result.read(tmp_path / RESULT)  # validates every figure on the way in
    assert written == result and written.smoke

    # Every process of the platform was watched, the harness and the load generator apart from it.
    expected = {s.name for s in SERVICES} | {"edge", "postgres", "kafka", "redis"}
    assert expected <= set(written.idle.cpu.processes)
    assert {"harness", "loadgen"} <= set(written.idle.cpu.processes)
    assert written.stack.settings["MATJIP_LOG_LEVEL"] == "INFO"

    # The limits were measured, not made up.
    assert written.limits.pgbench.transactions > 0 and written.limits.pgbench.settings["fsync"] in ("on", "off")
    assert written.limits.kafka.records == SMOKE.kafka_records

    checkout = written.checkout.steps[0]
    assert checkout.offered_rps == SMOKE.checkout_rates[0]
    assert checkout.http.requests > 0 and checkout.orders is not None and checkout.kafka is not None
    # Every 201 is an order of the bench's store in the database (a timed-out request may be one too).
    assert checkout.orders.placed >= checkout.http.status_codes.get("201", 0)
    assert checkout.kafka.messages > 0 or checkout.orders.placed == 0
    assert checkout.cpu.processes["loadgen"].cpu_ms > 0  # vegeta ran as the harness's child
    assert checkout.cpu.processes["order"].rss_mib
    menu = written.menu.steps[0]
    assert menu.offered_rps == SMOKE.menu_rates[0] and menu.http.requests > 0

    section = readme.render(written)
    assert section.startswith(readme.BEGIN) and section.endswith(readme.END)
    assert section.count("\n| ") >= len(written.checkout.steps) + len(written.menu.steps)

    png = (tmp_path / PLOT).read_bytes()
    width, height = struct.unpack(">II", png[16:24])  # the IHDR chunk follows the 8-byte signature
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and width > 500 and height > 400
