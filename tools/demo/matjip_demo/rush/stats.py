"""What a rush counts while it runs, and how it says so: a progress line every few seconds and a summary.

Business refusals (a sold-out dish, a cancellation that came too late, a declined card) are what the
rush provokes on purpose and are counted apart from errors; an error is anything else (a 5xx, a
refused request the simulation did not expect, an order that contradicts what its people did).
"""

from __future__ import annotations

import statistics
from collections import Counter, deque
from dataclasses import dataclass, field

from matjip_demo.rush.plan import Answer, Journey

# The ways the platform says no that real people meet and the rush provokes on purpose.
BUSINESS_REFUSALS = frozenset({
    "item_sold_out",  # checkout: the last one went to someone else
    "store_closed",  # checkout: the store closed (or paused) since the customer looked
    "order_not_cancellable",  # the customer's cancel arrived after the owner accepted
    "order_withdrawn",  # the owner acted on an order the customer had just cancelled
    "acceptance_deadline_passed",  # the owner answered after the acceptance window
    "cart_store_mismatch",
})
STAGES = {
    "PLACED": "in the saga",
    "STOCK_RESERVED": "in the saga",
    "AWAITING_STORE": "awaiting store",
    "ACCEPTED": "in the kitchen",
    "PREPARING": "in the kitchen",
    "READY": "in the kitchen",
    "PICKED_UP": "completed",
    "DELIVERED": "completed",
    "COMPLETED": "completed",
    "CANCELLED": "cancelled",
}
MAX_ERROR_SAMPLES = 8


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


@dataclass
class Settled:
    """How the orders of a rush ended, checked order by order once the rush is over."""

    final: Counter[str] = field(default_factory=Counter)  # COMPLETED, or CANCELLED(<reason>)
    waiting: int = 0  # AWAITING_STORE at an owner who chose not to answer: the saga's timeout will end them
    unsettled: list[str] = field(default_factory=list)  # anything else: "order id: what is wrong"


@dataclass
class RushStats:
    journeys: Counter[Journey] = field(default_factory=Counter)
    answers: Counter[Answer] = field(default_factory=Counter)
    refusals: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    error_samples: list[str] = field(default_factory=list)
    status: dict[str, str] = field(default_factory=dict)  # order id -> last status seen
    checkout_seconds: list[float] = field(default_factory=list)
    double_taps: int = 0
    abandoned: int = 0
    reviews: int = 0
    questions: int = 0
    rate_limited: int = 0
    skipped: int = 0  # arrivals with the whole crowd busy: the rate outruns the crowd
    _placed_at: deque[float] = field(default_factory=lambda: deque(maxlen=10_000))

    def placed(self, order_id: str, status: str, seconds: float, now: float) -> None:
        self.status[order_id] = status
        self.checkout_seconds.append(seconds)
        self._placed_at.append(now)

    def saw(self, order_id: str, status: str) -> None:
        if order_id in self.status:
            self.status[order_id] = status

    def refused(self, code: str) -> None:
        self.refusals[code] += 1

    def error(self, kind: str, message: str) -> None:
        self.errors[kind] += 1
        if len(self.error_samples) < MAX_ERROR_SAMPLES:
            self.error_samples.append(message)

    @property
    def orders(self) -> int:
        return len(self.status)

    def rate(self, now: float, window: float = 10.0) -> float:
        recent = sum(1 for t in self._placed_at if t > now - window)
        return recent / window

    def progress_line(self, elapsed: float, now: float) -> str:
        stages = Counter(STAGES.get(s, s) for s in self.status.values())
        parts = [
            f"[{elapsed:>5.0f}s] orders {self.orders} ({self.rate(now):.1f}/s)",
            *(f"{stage} {stages[stage]}" for stage in
              ("in the saga", "awaiting store", "in the kitchen", "completed", "cancelled")),
            f"refusals {sum(self.refusals.values())}",
            f"errors {sum(self.errors.values())}",
        ]
        return " · ".join(parts)

    def summary_lines(self, settled: Settled, *, minutes: float, stores: int, crowd: int) -> list[str]:
        lines = [f"dinner rush over: {minutes:g} min, {stores} stores, {crowd} customers"]
        if self.checkout_seconds:
            p50, p95 = percentile(self.checkout_seconds, 50), percentile(self.checkout_seconds, 95)
            mean = statistics.fmean(self.checkout_seconds)
            latency = f"checkout p50 {p50:.2f}s p95 {p95:.2f}s mean {mean:.2f}s"
            lines.append(f"  {'orders placed':<28} {self.orders:>5}   {latency}")
        else:
            lines.append(f"  {'orders placed':<28} {0:>5}")
        for outcome, count in sorted(settled.final.items(), key=lambda item: -item[1]):
            lines.append(f"  {outcome:<28} {count:>5}")
        if settled.waiting:
            lines.append(f"  {'still awaiting store':<28} {settled.waiting:>5}   (owners who did not answer: order "
                         "cancels them when the acceptance window closes)")
        lines.append(f"  {'double taps':<28} {self.double_taps:>5}   (one order each, same Idempotency-Key)")
        lines.append(f"  {'carts abandoned':<28} {self.abandoned:>5}")
        lines.append(f"  {'reviews, questions':<28} {self.reviews:>5}, {self.questions}")
        owner = ", ".join(f"{a.value} {n}" for a, n in self.answers.items())
        lines.append(f"  {'owners':<28} {owner or '-'}")
        refusals = ", ".join(f"{code} {n}" for code, n in self.refusals.most_common())
        lines.append(f"  {'business refusals':<28} {sum(self.refusals.values()):>5}   {refusals}".rstrip())
        if self.skipped:
            lines.append(f"  {'arrivals skipped':<28} {self.skipped:>5}   (the whole crowd was busy)")
        if self.rate_limited:
            lines.append(f"  {'rate limited (429)':<28} {self.rate_limited:>5}   waited out; the rate is too high")
        errors = ", ".join(f"{kind} {n}" for kind, n in self.errors.most_common())
        lines.append(f"  {'errors':<28} {sum(self.errors.values()):>5}   {errors}".rstrip())
        lines += [f"    {sample}" for sample in self.error_samples]
        if settled.unsettled:
            lines.append(f"  {'NOT SETTLED':<28} {len(settled.unsettled):>5}")
            lines += [f"    {problem}" for problem in settled.unsettled[:MAX_ERROR_SAMPLES]]
        return lines
