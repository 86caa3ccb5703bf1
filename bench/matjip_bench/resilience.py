"""docs/resilience.md: what `./matjip chaos` measured, one table per fault, written from its results."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields

from matjip_bench.chaos import ZERO_FAILURES, ChaosPlan, FaultResult


@dataclass(frozen=True)
class RunInfo:
    when: str
    """UTC, ISO 8601."""
    replicas: str
    """e.g. "2 of each service"."""
    machine: str
    commit: str


TALLY_LABELS = {
    "placed": "orders placed",
    "accepted": "orders accepted (by the simulated owner)",
    "cancelled": "orders cancelled",
    "waiting": "orders still waiting on the saga",
    "charges": "charges at the gateway",
    "refunds": "refunds (charges cancelled)",
    "lost": "orders lost (answered 201, not in the database)",
    "duplicated": "orders duplicated (more than one per Idempotency-Key)",
    "double_charged": "orders charged twice",
    "paid_unsettled": "paid orders neither accepted nor refunded",
    "refunds_without_cancellation": "refunds without a cancellation",
    "stock_mismatch": "units of stock taken more or less than once per accepted line",
    "announced_twice": "statuses announced twice for one order",
    "unannounced": "orders whose status was never announced",
    "not_notified": "announcements notification did not record exactly once",
}


def _failures(result: FaultResult) -> str:
    if not result.failed:
        return "0"
    detail = ", ".join(f"{count} x {what}" for what, count in sorted(result.failures.items(), key=lambda i: -i[1]))
    return f"{result.failed} ({detail})"


def render_fault(result: FaultResult) -> str:
    rows: list[tuple[str, str]] = [
        ("checkout requests sent", str(result.sent)),
        ("requests failed" + (" (must be 0)" if result.fault in ZERO_FAILURES else ""), _failures(result)),
        ("fault lasted", f"{result.fault_seconds:g} s"),
        ("time to recover (fault start to end of the last failed request)", f"{result.recover_seconds:g} s"),
        ("every order at rest after the load stopped, within", f"{result.settle_seconds:g} s"),
    ]
    rows += [(TALLY_LABELS[f.name], str(getattr(result.tally, f.name))) for f in fields(result.tally)]
    rows.append(("new dead letters", str(result.dead_letters)))
    if result.outcome.rss_slope_mib_per_min:
        worst = max(result.outcome.rss_slope_mib_per_min.items(), key=lambda i: abs(i[1]))
        slopes = ", ".join(f"{n} {s:+.2f}" for n, s in result.outcome.rss_slope_mib_per_min.items())
        rows.append(("RSS slope, MiB/min (steepest)", f"{worst[0]} {worst[1]:+.2f}"))
        rows.append(("RSS slope of every process, MiB/min", slopes))
    if result.outcome.max_lag is not None:
        lag = f"{result.outcome.max_lag} / {result.outcome.final_lag}"
        rows.append(("consumer lag, max / at the end (messages)", lag))
    verdict = result.violations(zero_failures=result.fault in ZERO_FAILURES)
    lines = [f"### {result.title}", "", f"`{result.fault}` — " + ("**every invariant holds**" if not verdict
                                                                  else f"**BROKEN: {', '.join(verdict)}**"), ""]
    lines += [f"- {note}" for note in result.outcome.notes]
    lines += ["", "| figure | value |", "|---|---|"]
    lines += [f"| {name} | {value} |" for name, value in rows]
    return "\n".join(lines) + "\n"


def render(results: Sequence[FaultResult], plan: ChaosPlan, info: RunInfo, *, left_out: Sequence[str] = ()) -> str:
    header = [
        "# Resilience: faults under load",
        "",
        "Written by `./matjip chaos` (matjip_bench.chaos); do not edit by hand. Each fault ran against its own "
        "store while vegeta offered a steady open-loop checkout load through the edge; the store accepts every "
        "order at once (the simulated owner). Every figure below is read from the data afterwards — "
        "PostgreSQL (orders, Idempotency-Keys, the gateway's charges, stock, notification's inbox) and the "
        "`order.events` topic — never from logs.",
        "",
        f"- run: {info.when}, commit `{info.commit}`, {info.replicas}; {info.machine}",
        f"- load: {plan.rate:g} checkouts/s during each fault ({plan.soak_rate:g}/s during the soak), "
        f"{plan.lead_seconds:g} s before the fault and {plan.tail_seconds:g} s after it; "
        f"Kafka, PostgreSQL and Redis stay down {plan.outage_seconds:g} s, "
        f"the stuck consumer {plan.stuck_seconds:g} s, the gateway faults {plan.gateway_seconds:g} s each, "
        f"the soak {plan.soak_seconds / 60:g} min",
        "- the edge resends a failed checkout (it carries an Idempotency-Key) and idempotent methods to another "
        "replica; a killed replica's requests that had already reached it and are not safe to resend are the "
        "failures counted",
        "",
        "| fault | sent | failed | placed | accepted | cancelled | lost | duplicated | charges | refunds "
        "| recover (s) | verdict |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        verdict = r.violations(zero_failures=r.fault in ZERO_FAILURES)
        header.append(
            f"| {r.fault} | {r.sent} | {r.failed} | {r.tally.placed} | {r.tally.accepted} | {r.tally.cancelled} "
            f"| {r.tally.lost} | {r.tally.duplicated} | {r.tally.charges} | {r.tally.refunds} | {r.recover_seconds:g} "
            f"| {'holds' if not verdict else 'BROKEN'} |"
        )
    if left_out:
        header += ["", "Not run here: " + "; ".join(left_out)]
    sections = [render_fault(r) for r in results]
    return "\n".join(header) + "\n\n## Faults\n\n" + "\n".join(sections)
