"""When a step counts as sustained, and the small statistics behind it."""

from __future__ import annotations

import pytest

from matjip_bench.result import Http, Kafka, Orders
from matjip_bench.runner import Runner, percentile, slope


def http(requests: int = 600, ok: int = 600, achieved: float = 10.0, code: str = "201") -> Http:
    codes = {code: ok} | ({"0": requests - ok} if requests > ok else {})
    return Http(requests=requests, sent_rps=10.0, achieved_rps=achieved, success_ratio=ok / requests, p50_ms=50,
                p95_ms=80, p99_ms=120, max_ms=300, status_codes=codes, errors=[])


def orders(placed: int = 600, accepted: int = 600, in_flight: int = 0, cancelled: int = 0) -> Orders:
    statuses = {"ACCEPTED": accepted, "AWAITING_STORE": in_flight} | ({"CANCELLED": cancelled} if cancelled else {})
    return Orders(placed=placed, accepted=accepted, in_flight=in_flight, statuses=statuses, accepted_per_s=10.0,
                  to_accepted_p50_ms=300, to_accepted_p95_ms=500, to_accepted_p99_ms=700, drain_seconds=1.0)


def kafka(slope_per_s: float = 0.0, dead_letters: int = 0, messages: int = 9000) -> Kafka:
    return Kafka(lag_start=0, lag_end=12, lag_max=40, lag_slope_per_s=slope_per_s, messages=messages,
                 dead_letters=dead_letters)


def test_a_clean_step_is_sustained() -> None:
    assert Runner._http_reasons(http(), 10) == []
    assert Runner._order_reasons(orders(), kafka(), 10, 60) == []


def test_failed_requests_or_a_rate_below_the_offered_one_break_a_step() -> None:
    assert "failed" in Runner._http_reasons(http(requests=600, ok=580), 10)[0]
    assert "successful responses/s" in Runner._http_reasons(http(achieved=9.0), 10)[0]


def test_orders_that_never_reach_accepted_break_a_step() -> None:
    reasons = Runner._order_reasons(orders(placed=600, accepted=590, in_flight=10), kafka(), 10, 60)
    assert reasons == ["10 orders not ACCEPTED 1s after the step"]
    reasons = Runner._order_reasons(orders(placed=600, accepted=598, cancelled=2), kafka(), 10, 60)
    assert reasons and "ended otherwise" in reasons[0]


def test_growing_lag_and_dead_letters_break_a_step() -> None:
    # 9,000 messages in 60 s: 150 messages/s, so up to 3 messages/s of growth is noise.
    assert Runner._order_reasons(orders(), kafka(slope_per_s=2.9), 10, 60) == []
    assert "lag grew" in Runner._order_reasons(orders(), kafka(slope_per_s=3.5), 10, 60)[0]
    assert "dead letters" in Runner._order_reasons(orders(), kafka(dead_letters=1), 10, 60)[0]


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50
    assert percentile(values, 99) == 99
    assert percentile(values, 100) == 100
    assert percentile([7.0], 99) == 7.0


def test_slope_is_the_least_squares_growth() -> None:
    assert slope([(0, 5), (1, 7), (2, 9)]) == pytest.approx(2.0)
    assert slope([(0, 5), (1, 5)]) == 0
    assert slope([(3, 5)]) == 0
