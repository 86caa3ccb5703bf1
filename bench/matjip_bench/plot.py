"""The result as a picture: throughput and latency against the offered rate, for checkout and menu
browsing, with PostgreSQL's limit (pgbench TPS over the transactions an order costs) drawn across."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no display

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

from matjip_bench.result import Result, Series


def _log_axes(ax: Axes, title: str, ylabel: str) -> None:
    """Log-log, labelled with plain numbers (rates and latencies span decades)."""
    ax.set_title(title)
    ax.set_xlabel("offered rate (requests/s)")
    ax.set_ylabel(ylabel)
    ax.set_xscale("log")
    ax.set_yscale("log")
    plain = FuncFormatter(lambda value, _: f"{value:,.10g}")
    for axis in (ax.xaxis, ax.yaxis):
        axis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        axis.set_major_formatter(plain)
        axis.set_minor_formatter(NullFormatter())
    ax.grid(True, which="both", alpha=0.3)


def _mark_unsustained(ax: Axes, series: Series, values: list[float]) -> None:
    xs = [s.offered_rps for s, v in zip(series.steps, values, strict=True) if not s.sustained]
    ys = [v for s, v in zip(series.steps, values, strict=True) if not s.sustained]
    if xs:
        ax.scatter(xs, ys, marker="x", s=80, color="crimson", zorder=5, label="did not hold")


def _throughput(ax: Axes, series: Series, title: str, unit: str) -> list[float]:
    offered = [s.offered_rps for s in series.steps]
    achieved = [s.http.achieved_rps for s in series.steps]
    ax.plot(offered, offered, linestyle=":", color="grey", label="offered")
    ax.plot(offered, achieved, marker="o", label="successful responses/s")
    _log_axes(ax, title, f"{unit}/s")
    return achieved


def _latency(ax: Axes, series: Series, title: str) -> None:
    offered = [s.offered_rps for s in series.steps]
    ax.plot(offered, [s.http.p50_ms for s in series.steps], marker="o", label="HTTP p50")
    ax.plot(offered, [s.http.p99_ms for s in series.steps], marker="o", label="HTTP p99")
    if series.name == "checkout":
        accepted = [(s.offered_rps, s.orders.to_accepted_p50_ms, s.orders.to_accepted_p99_ms)
                    for s in series.steps if s.orders is not None]
        pairs = [(x, p50, p99) for x, p50, p99 in accepted if p50 is not None and p99 is not None]
        ax.plot([x for x, _, _ in pairs], [p50 for _, p50, _ in pairs], marker="s", label="placed -> ACCEPTED p50")
        ax.plot([x for x, _, _ in pairs], [p99 for _, _, p99 in pairs], marker="s", label="placed -> ACCEPTED p99")
    _log_axes(ax, title, "milliseconds")
    ax.legend(fontsize=8)


def render(result: Result, path: Path) -> None:
    fig, axes = plt.subplots(2, 2, figsize=(13, 9))
    summary = result.summary
    checkout_ax = axes[0][0]
    achieved = _throughput(checkout_ax, result.checkout, "checkout through the edge", "orders")
    accepted = [s.orders.accepted_per_s if s.orders else 0.0 for s in result.checkout.steps]
    checkout_ax.plot([s.offered_rps for s in result.checkout.steps], accepted, marker="s", label="ACCEPTED orders/s")
    _mark_unsustained(checkout_ax, result.checkout, achieved)
    if summary.pg_limit_orders_per_s:
        checkout_ax.axhline(summary.pg_limit_orders_per_s, color="darkgreen", linestyle="--",
                            label=f"PostgreSQL limit: {summary.pg_limit_tps:,.0f} TPS (pgbench) / "
                                  f"{summary.xact_per_order:.1f} commits per order")
    else:
        checkout_ax.axhline(summary.pg_limit_tps, color="darkgreen", linestyle="--",
                            label=f"pgbench: {summary.pg_limit_tps:,.0f} single-row INSERT TPS")
    checkout_ax.legend(fontsize=8)
    _latency(axes[1][0], result.checkout, "checkout latency")

    menu_ax = axes[0][1]
    menu_achieved = _throughput(menu_ax, result.menu, "menu browsing through the edge", "requests")
    _mark_unsustained(menu_ax, result.menu, menu_achieved)
    menu_ax.legend(fontsize=8)
    _latency(axes[1][1], result.menu, "menu latency")

    load = result.machine.before
    fig.suptitle(
        f"./matjip bench at {result.git_commit}, {result.started_at} - {result.machine.cpus} CPUs, load average "
        f"{load.load_average[0]:.1f} at start, other processes {load.other_cores:.2f} cores"
        + (" (smoke run)" if result.smoke else ""),
        fontsize=10,
    )
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)
