"""The fault suite's invariants as arithmetic: each one is seen to break on the data that breaks it, and a
vegeta result line becomes a hit."""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from typing import Any

from matjip_bench.chaos import parse_hit
from matjip_bench.invariants import Announcements, OrderRow, Tally, tally

STOCK = 1000


def order(n: int, status: str = "ACCEPTED", payment: str = "authorized", key: str | None = None) -> OrderRow:
    return OrderRow(f"o{n}", status, payment, 1, key if key is not None else f"k{n}")


def announced(rows: list[OrderRow], extra: Sequence[tuple[str, str, str]] = ()) -> Announcements:
    return Announcements.of([(o.order_id, o.status, f"e-{o.order_id}") for o in rows] + list(extra))


def clean(rows: list[OrderRow], **overrides: Any) -> Tally:
    """The tally of `rows` when everything went right, but for `overrides`."""
    arguments: dict[str, Any] = {
        "charges": {o.order_id: ["DONE"] if o.status != "CANCELLED" else ["CANCELED"] for o in rows},
        "answered_201": [o.order_id for o in rows], "keys_sent": [f"k{n}" for n in range(10)],
        "initial_stock": STOCK, "stock_now": STOCK - sum(1 for o in rows if o.status != "CANCELLED"),
        "announcements": announced(rows), "notified": {f"e-{o.order_id}": 1 for o in rows},
    }
    arguments |= overrides
    charges = arguments.pop("charges")
    return tally(rows, charges, **arguments)


def test_a_clean_run_breaks_nothing_and_counts_what_happened() -> None:
    rows = [order(1), order(2), order(3, "CANCELLED", "refunded")]
    result = clean(rows)
    assert result.violations() == []
    assert (result.placed, result.accepted, result.cancelled, result.charges, result.refunds) == (3, 2, 1, 3, 1)


def test_each_broken_invariant_is_named() -> None:
    rows = [order(1), order(2)]
    assert clean(rows, answered_201=["o1", "o2", "o9"]).violations() == ["lost=1"]
    assert clean([*rows, order(3, key="never-sent")]).duplicated == 1
    assert clean(rows, charges={"o1": ["DONE", "DONE"], "o2": ["DONE"]}).double_charged == 1
    assert clean(rows, stock_now=STOCK - 3).violations() == ["stock_mismatch=1"]
    assert clean(rows, notified={"e-o1": 1}).violations() == ["not_notified=1"]
    twice = announced(rows, [("o1", "ACCEPTED", "another-event")])
    assert clean(rows, announcements=twice, notified={"e-o1": 1, "e-o2": 1, "another-event": 1}).violations() == [
        "announced_twice=1"
    ]
    assert clean(rows, announcements=announced(rows[:1])).unannounced == 1


def test_money_must_follow_the_order() -> None:
    cancelled = [order(1, "CANCELLED", "refund_requested")]
    # A cancelled order whose charge still stands is both unsettled and paid without a refund.
    kept = clean(cancelled, charges={"o1": ["DONE"]}, stock_now=STOCK)
    assert kept.waiting == 1 and kept.paid_unsettled == 1
    refunded_but_accepted = clean([order(1)], charges={"o1": ["CANCELED"]})
    assert refunded_but_accepted.refunds_without_cancellation == 1 and refunded_but_accepted.paid_unsettled == 1
    in_flight = clean([order(1, "AWAITING_STORE")], charges={"o1": ["DONE"]})
    assert in_flight.violations() == ["waiting=1"]


def test_a_vegeta_line_becomes_a_hit() -> None:
    body = base64.b64encode(json.dumps({"order_id": "abc", "status": "PLACED"}).encode()).decode()
    hit = parse_hit({"code": 201, "timestamp": "2026-12-02T07:00:01.123456789Z", "latency": 250_000_000,
                     "error": "", "body": body})
    assert (hit.code, hit.order_id, hit.latency_s) == (201, "abc", 0.25)
    assert hit.at == 1796194801.123456
    failed = parse_hit({"code": 0, "timestamp": "2026-12-02T07:00:02Z", "latency": 0,
                        "error": "Post ...: EOF", "body": None})
    assert (failed.code, failed.order_id, failed.error) == (0, None, "Post ...: EOF")
