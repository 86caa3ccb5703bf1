"""Reading what pgbench, Kafka's ProducerPerformance and vegeta print (their real output formats)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from matjip_bench.limits import LimitError, parse_pgbench, parse_producer_performance
from matjip_bench.vegeta import Request, parse_report, write_targets

PGBENCH = """\
pgbench (15.18 (Debian 15.18-0+deb12u1))
transaction type: /tmp/matjip-pgbench-x/insert.sql
scaling factor: 1
query mode: prepared
number of clients: 2
number of threads: 2
maximum number of tries: 1
duration: 2 s
number of transactions actually processed: 4785
number of failed transactions: 0 (0.000%)
latency average = 0.807 ms
initial connection time = 70.662 ms
tps = 2479.093496 (without initial connection time)
"""

PRODUCER = """\
log4j:WARN See http://logging.apache.org/log4j/1.2/faq.html#noconfig for more info.
1 records sent, 0.1 records/sec (0.00 MB/sec), 14821.0 ms avg latency, 14821.0 ms max latency.
300 records sent, 19.267823 records/sec (0.00 MB/sec), 1062.82 ms avg latency, 14821.00 ms max latency, \
973 ms 50th, 1390 ms 95th, 1502 ms 99th, 14821 ms 99.9th.
"""

VEGETA_REPORT = {
    "latencies": {"total": 3_000_000_000, "mean": 30_000_000, "50th": 25_000_000, "90th": 40_000_000,
                  "95th": 50_000_000, "99th": 90_000_000, "max": 120_000_000, "min": 10_000_000},
    "bytes_in": {"total": 1000, "mean": 10}, "bytes_out": {"total": 0, "mean": 0},
    "earliest": "2026-12-02T04:48:28Z", "latest": "2026-12-02T04:48:38Z", "end": "2026-12-02T04:48:38Z",
    "duration": 9_900_000_000, "wait": 25_000_000, "requests": 100, "rate": 10.1, "throughput": 9.7,
    "success": 0.97, "status_codes": {"0": 1, "201": 97, "500": 2},
    "errors": [
        "500 Internal Server Error", "Post \"http://x\": context deadline exceeded", "500 Internal Server Error",
    ],
}


def test_pgbench_report() -> None:
    assert parse_pgbench(PGBENCH) == (2479.093496, 0.807, 4785)


def test_producer_performance_summary_is_its_last_full_line() -> None:
    assert parse_producer_performance(PRODUCER) == (300, 19.267823, 0.0, 1062.82, 973.0, 1502.0)


def test_unreadable_output_is_an_error_that_shows_it() -> None:
    with pytest.raises(LimitError, match="FATAL"):
        parse_pgbench("pgbench: error: FATAL: database does not exist")
    with pytest.raises(LimitError, match="no summary"):
        parse_producer_performance("1 records sent, 0.1 records/sec (0.00 MB/sec), 1.0 ms avg latency.")


def test_vegeta_report_in_milliseconds_with_distinct_errors() -> None:
    report = parse_report(VEGETA_REPORT)
    assert (report.requests, report.rate, report.throughput, report.success) == (100, 10.1, 9.7, 0.97)
    assert (report.p50_ms, report.p95_ms, report.p99_ms, report.max_ms) == (25.0, 50.0, 90.0, 120.0)
    assert report.status_codes == {"0": 1, "201": 97, "500": 2}
    assert report.errors == ["500 Internal Server Error", "Post \"http://x\": context deadline exceeded"]


def test_targets_carry_their_own_headers_and_base64_bodies(tmp_path: Path) -> None:
    path = tmp_path / "targets.jsonl"
    written = write_targets(path, [
        Request("POST", "http://edge/api/order/orders", {"Idempotency-Key": "k1"}, b'{"a": 1}'),
        Request("GET", "http://edge/api/order/stores/s/menu", {}),
    ])
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert written == 2
    assert lines[0] == {"method": "POST", "url": "http://edge/api/order/orders",
                        "header": {"Idempotency-Key": ["k1"]}, "body": "eyJhIjogMX0="}
    assert lines[1] == {"method": "GET", "url": "http://edge/api/order/stores/s/menu", "header": {}}
