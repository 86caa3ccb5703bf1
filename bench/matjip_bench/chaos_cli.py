"""`./matjip chaos`: every fault of matjip_bench.chaos under load, on a platform of its own (its own database,
topics and ports; two replicas of each service behind the edge and its health checks), then
docs/resilience.md written from the results. Exits 1 when an invariant is broken.

    ./matjip chaos                                   # every fault, the 10-minute soak; rewrites docs/resilience.md
    ./matjip chaos --quick                           # shorter phases (a 1-minute soak)
    ./matjip chaos --faults kill-replica,kafka-kill --out .data/chaos/resilience.md
    ./matjip chaos --quick --services order,payment  # replicas of (and restarts, kills of) these two only

Kafka, PostgreSQL and Redis are this checkout's own (the infrastructure `./matjip up` and `./matjip test`
use too): the faults stop and start them, so a dev stack running meanwhile sees the same outages.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime

from matjip_bench import resilience
from matjip_bench.chaos import FAULTS, ZERO_FAILURES, ChaosPlan, ChaosTarget, run
from matjip_bench.cli import DOCS, RESULT
from matjip_bench.devstack import BENCH_ENV
from matjip_bench.fault_proxy import FaultProxy
from matjip_bench.result import Result
from matjip_contracts.services import SANDBOX_PG
from matjip_devstack.edge_control import EdgeControl
from matjip_devstack.isolated import isolated_platform
from matjip_devstack.paths import DATA, ROOT
from matjip_devstack.processes import StackError
from matjip_devstack.services import SERVICES
from matjip_devstack.stack import free_ports

OUT = ROOT / "docs" / "resilience.md"


def half_sustained_rate(default: float) -> float:
    """Half the highest checkout rate the benchmark sustained (docs/bench/result.json), else `default`."""
    try:
        best = Result.read(DOCS / RESULT).checkout.best_sustained_rps
    except (OSError, ValueError):
        return default
    return round(best / 2, 2) if best else default


def running_commit() -> str:
    """The checkout's commit, marked when the tree has uncommitted changes."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    return f"{commit} + uncommitted changes" if git("status", "--porcelain", "--untracked-files=no") else commit


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="./matjip chaos", description=__doc__.split("\n\n")[0])
    parser.add_argument("--faults", default=",".join(FAULTS), help=f"comma list of: {', '.join(FAULTS)}")
    parser.add_argument("--quick", action="store_true",
                        help="shorter phases: 5 s lead, 10 s tail, 20 s gateway faults, a 1-minute soak")
    parser.add_argument("--rate", type=float, default=2.0, help="checkouts/s offered during each fault")
    parser.add_argument("--soak-minutes", type=float, default=None)
    parser.add_argument("--soak-rate", type=float, default=None,
                        help="default: half the benchmark's highest sustained checkout rate")
    parser.add_argument("--stuck-seconds", type=float, default=30.0)
    parser.add_argument("--gateway-seconds", type=float, default=None,
                        help="how long the payment gateway stays slow, failing or down (default 60, --quick 20)")
    parser.add_argument("--replicas", type=int, default=2, help="processes per service")
    parser.add_argument("--services", default=None, metavar="A,B",
                        help="only these services get --replicas processes and are restarted and killed "
                        "(default every service; the others run one process)")
    parser.add_argument("--out", default=str(OUT), help="where the report goes (default docs/resilience.md)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    faults = tuple(f.strip() for f in args.faults.split(",") if f.strip())
    unknown = [f for f in faults if f not in FAULTS]
    if unknown:
        print(f"unknown faults: {', '.join(unknown)}; known: {', '.join(FAULTS)}", file=sys.stderr)
        return 2
    plan = ChaosPlan(faults=faults, rate=args.rate, stuck_seconds=args.stuck_seconds,
                     soak_rate=args.soak_rate or half_sustained_rate(args.rate / 2))
    if args.quick:
        plan = replace(plan, lead_seconds=5.0, tail_seconds=10.0, soak_seconds=60.0, sample_seconds=5.0,
                       gateway_seconds=20.0)
    if args.soak_minutes is not None:
        plan = replace(plan, soak_seconds=args.soak_minutes * 60)
    if args.gateway_seconds is not None:
        plan = replace(plan, gateway_seconds=args.gateway_seconds)
    commit = running_commit()  # what the services run: read now, a commit made during the run is not in them
    work = DATA / "chaos" / datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    names = [s.name for s in SERVICES if s.installed()]
    hurt = [n.strip() for n in args.services.split(",") if n.strip()] if args.services else names
    if set(hurt) - set(names):
        print(f"unknown services: {', '.join(sorted(set(hurt) - set(names)))}", file=sys.stderr)
        return 2
    # Every payment replica reaches the payment gateway (the sandbox PG, tools/sandbox-pg, a process of the
    # platform's own) through a proxy that can be made slow, failing or down; the proxy forwards to the
    # sandbox PG's port once the platform has picked it. Payment and the sandbox PG share the platform's key.
    gateway = FaultProxy(free_ports(["gateway-proxy"])["gateway-proxy"]).start()
    env = BENCH_ENV | {
        "MATJIP_LOG_LEVEL": os.environ.get("MATJIP_LOG_LEVEL", "INFO"),
        "MATJIP_PAYMENT_GATEWAY_BASE_URL": f"http://127.0.0.1:{gateway.port}{SANDBOX_PG.base_path}",
    }
    started = time.monotonic()
    print(f"starting a platform of its own with {args.replicas} replicas of {', '.join(hurt)} (work dir {work}) ...",
          flush=True)
    try:
        with isolated_platform(work, env, replicas=dict.fromkeys(hurt, args.replicas), supervise=True) as platform:
            gateway.upstream_port = platform.stack.port(SANDBOX_PG.name)
            target = ChaosTarget(
                edge_url=platform.edge_url, database_url=platform.database_url,
                kafka_bootstrap=platform.infra.kafka_bootstrap, topic_prefix=platform.topic_prefix,
                stack=platform.stack, edge=EdgeControl(platform.edge_state_dir), services=hurt,
                say=lambda line: print(line, flush=True), gateway=gateway,
            )
            results = run(target, plan, work)
    except StackError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        gateway.stop()
    info = resilience.RunInfo(
        when=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        replicas=f"{args.replicas} replicas of " + ("each service" if hurt == names else f"{', '.join(hurt)} "
                                                    "(one of each other service)"),
        machine=f"{os.cpu_count()} CPUs shared with other work; whole run {(time.monotonic() - started) / 60:.0f} min",
        commit=commit,
    )
    left_out = [f"{f} (not asked for)" for f in FAULTS if f not in faults]
    report = resilience.render(results, plan, info, left_out=left_out)
    out = ROOT / args.out if not os.path.isabs(args.out) else args.out
    with open(out, "w") as handle:
        handle.write(report)
    broken = {r.fault: v for r in results if (v := r.violations(zero_failures=r.fault in ZERO_FAILURES))}
    print(f"wrote {out}; " + (f"BROKEN: {broken}" if broken else "every invariant holds"), flush=True)
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
