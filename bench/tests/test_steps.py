"""A step's figures: when they add up, when the step counts as sustained, the statistics behind it."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from matjip_bench.result import Cpu, Http, Kafka, Orders, Postgres, Step
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


def test_figures_that_do_not_add_up_are_refused() -> None:
    with pytest.raises(ValidationError, match="percentiles out of order"):
        Http.model_validate(http().model_dump() | {"p95_ms": 200.0})
    with pytest.raises(ValidationError, match="status codes do not add up"):
        Http.model_validate(http().model_dump() | {"requests": 601})
    with pytest.raises(ValidationError, match="order counts do not add up"):
        Orders.model_validate(orders().model_dump() | {"placed": 601})
    with pytest.raises(ValidationError, match="placement-to-ACCEPTED percentiles"):
        Orders.model_validate(orders().model_dump() | {"to_accepted_p99_ms": None})


def test_a_step_is_sustained_exactly_when_nothing_speaks_against_it() -> None:
    cpu = Cpu(window_seconds=61, machine_cores=1.0, stack_cores=0.8, other_cores=0.1, processes={})
    step = {"offered_rps": 10, "seconds": 60, "http": http(), "orders": orders(), "kafka": kafka(),
            "postgres": Postgres(xact_commit=100, xact_per_s=1.6), "cpu": cpu}
    assert Step(**step, sustained=True, reasons=[]).sustained
    assert not Step(**step, sustained=False, reasons=["lag grew"]).sustained
    with pytest.raises(ValidationError):
        Step(**step, sustained=True, reasons=["lag grew"])
    with pytest.raises(ValidationError):
        Step(**step, sustained=False, reasons=[])
