"""`./matjip bench`: bring up the default stack (or use the running one), measure, write the JSON, the
plot and the README's figures.

    ./matjip bench                          # the full run: docs/bench/result.json, docs/bench/bench.png, README
    ./matjip bench --checkout-rates 5,10 --menu-rates 100 --out .data/bench   # a partial run elsewhere
    ./matjip bench --render-only            # plot and README again from docs/bench/result.json
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from matjip_bench import plot, readme
from matjip_bench.devstack import bring_up, take_down
from matjip_bench.plan import SMOKE, Plan
from matjip_bench.result import Result
from matjip_bench.runner import Runner, say
from matjip_devstack.paths import DATA, ROOT
from matjip_devstack.processes import StackError

DOCS = ROOT / "docs" / "bench"
RESULT, PLOT = "result.json", "bench.png"
README = ROOT / "README.md"


def _rates(text: str) -> tuple[int, ...]:
    try:
        rates = tuple(int(v) for v in text.split(",") if v.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated whole rates, got {text!r}") from None
    if not rates or any(r < 1 for r in rates) or list(rates) != sorted(rates):
        raise argparse.ArgumentTypeError(f"rates must be increasing whole numbers >= 1, got {text!r}")
    return rates


def build_parser() -> argparse.ArgumentParser:
    default = Plan()
    parser = argparse.ArgumentParser(prog="./matjip bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--checkout-rates", type=_rates, default=default.checkout_rates, metavar="R1,R2,...",
                        help="checkouts/s to offer, step by step, until one does not hold")
    parser.add_argument("--menu-rates", type=_rates, default=default.menu_rates, metavar="R1,R2,...")
    parser.add_argument("--checkout-seconds", type=float, default=default.checkout_seconds)
    parser.add_argument("--menu-seconds", type=float, default=default.menu_seconds)
    parser.add_argument("--idle-seconds", type=float, default=default.idle_seconds)
    parser.add_argument("--customers", type=int, default=default.customers)
    parser.add_argument("--smoke", action="store_true", help="seconds-long run at tiny rates (checks the harness)")
    parser.add_argument("--out", type=Path, default=None,
                        help=f"where result.json and bench.png go (default {DOCS.relative_to(ROOT)}, "
                             f"or {(DATA / 'bench').relative_to(ROOT)} for --smoke)")
    parser.add_argument("--keep-stack", action="store_true", help="leave a stack the benchmark started running")
    parser.add_argument("--render-only", action="store_true", help="only redraw the plot and README from the JSON")
    return parser


def publish(result: Result, out: Path, *, update_readme: bool) -> None:
    result.write(out / RESULT)
    plot.render(result, out / PLOT)
    say(f"wrote {out / RESULT} and {out / PLOT}")
    if update_readme:
        changed = readme.update(README, result)
        say("README.md figures " + ("rewritten" if changed else "unchanged"))


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    out: Path = (args.out or (DATA / "bench" if args.smoke else DOCS)).resolve()
    update_readme = out == DOCS.resolve() and not args.smoke
    if args.render_only:
        publish(Result.read(out / RESULT), out, update_readme=update_readme)
        return 0
    plan = SMOKE if args.smoke else replace(
        Plan(), checkout_rates=args.checkout_rates, menu_rates=args.menu_rates,
        checkout_seconds=args.checkout_seconds, menu_seconds=args.menu_seconds, idle_seconds=args.idle_seconds,
        customers=args.customers,
    )
    command = " ".join(["./matjip bench", *(argv if argv is not None else sys.argv[1:])])
    try:
        dev = bring_up()
    except subprocess.CalledProcessError:
        print("error: ./matjip up failed (its output is above)", file=sys.stderr)
        return 1
    except (StackError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    try:
        with tempfile.TemporaryDirectory(prefix="matjip-bench-") as work:
            result = asyncio.run(Runner(dev.target, plan, Path(work), dev.stack).run(command))
        publish(result, out, update_readme=update_readme)
    finally:
        if dev.started and not args.keep_stack:
            say("stopping the stack the benchmark started (--keep-stack leaves it running) ...")
            take_down()
    return 0
