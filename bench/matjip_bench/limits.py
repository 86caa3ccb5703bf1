"""The machine's own limits for the order path, measured on the platform's PostgreSQL and Kafka:

- pgbench: single-row INSERT transactions per second (each its own commit, so every one waits for the
  WAL flush) in a scratch database of the same server, hence the same durability settings;
- Kafka's ProducerPerformance: records per second with acks=all and idempotence, as the relays produce.
"""

from __future__ import annotations

import asyncio
import re
import tempfile
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from matjip_bench.result import KafkaLimit, PgbenchLimit
from matjip_bench.target import Target
from matjip_devstack.packages import java, kafka_libs, kafka_tools_jar
from matjip_devstack.postgres import bin_dir

# Durability and WAL settings that decide what a commit costs: recorded beside the figure.
DURABILITY_SETTINGS = ("fsync", "synchronous_commit", "wal_sync_method", "full_page_writes", "commit_delay",
                       "wal_level", "shared_buffers")

# One row like an outbox or inbox row: a key, a small JSON document, a timestamp.
_TABLE = """
CREATE TABLE bench_insert (
    id bigserial PRIMARY KEY,
    event_id uuid NOT NULL,
    payload jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
)"""
_SCRIPT = (
    "INSERT INTO bench_insert (event_id, payload)"
    " VALUES (gen_random_uuid(), '{\"order_id\": 1, \"amount\": 5000}');\n"
)


class LimitError(RuntimeError):
    """A limit could not be measured; the message carries the tool's output."""


def _number(pattern: str, text: str) -> float:
    found = re.search(pattern, text)
    if found is None:
        raise LimitError(f"no match for {pattern!r} in:\n{text[-2000:]}")
    return float(found.group(1))


def parse_pgbench(output: str) -> tuple[float, float, int]:
    """(tps without connection time, average latency in ms, transactions) from pgbench's report."""
    tps = _number(r"tps = ([\d.]+) \(without initial connection time\)", output)
    latency = _number(r"latency average = ([\d.]+) ms", output)
    transactions = int(_number(r"number of transactions actually processed: (\d+)", output))
    return tps, latency, transactions


async def pgbench(target: Target, *, clients: int, seconds: int) -> PgbenchLimit:
    scratch = f"bench_pgbench_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(target.admin_dsn)
    try:
        await admin.execute(f'CREATE DATABASE "{scratch}"')
    finally:
        await admin.close()
    parts = urlsplit(target.dsn)
    try:
        conn = await asyncpg.connect(target.dsn.rsplit("/", 1)[0] + "/" + scratch)
        try:
            await conn.execute(_TABLE)
            settings = {name: str(await conn.fetchval(f"SHOW {name}")) for name in DURABILITY_SETTINGS}
        finally:
            await conn.close()
        with tempfile.TemporaryDirectory(prefix="matjip-pgbench-") as work:
            script = Path(work) / "insert.sql"
            script.write_text(_SCRIPT)
            threads = min(clients, 2)
            argv = [
                str(bin_dir() / "pgbench"), "-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432),
                "-U", parts.username or "postgres", "-n", "-M", "prepared", "-c", str(clients), "-j", str(threads),
                "-T", str(seconds), "-f", str(script), scratch,
            ]
            proc = await asyncio.create_subprocess_exec(
                *argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
            )
            out, _ = await proc.communicate()
        output = out.decode(errors="replace")
        if proc.returncode != 0:
            raise LimitError(f"pgbench exited {proc.returncode}:\n{output[-2000:]}")
        tps, latency, transactions = parse_pgbench(output)
    finally:
        admin = await asyncpg.connect(target.admin_dsn)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
        finally:
            await admin.close()
    return PgbenchLimit(
        clients=clients, threads=threads, seconds=seconds, transactions=transactions, tps=round(tps, 1),
        latency_avg_ms=latency, settings=settings,
    )


_PRODUCER_SUMMARY = re.compile(
    r"(\d+) records sent, ([\d.]+) records/sec \(([\d.]+) MB/sec\), ([\d.]+) ms avg latency, "
    r"([\d.]+) ms max latency, (\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th"
)


def parse_producer_performance(output: str) -> tuple[int, float, float, float, float, float]:
    """(records, records/s, MB/s, avg ms, p50 ms, p99 ms) from ProducerPerformance's last line."""
    found = _PRODUCER_SUMMARY.findall(output)
    if not found:
        raise LimitError(f"no summary line in ProducerPerformance's output:\n{output[-2000:]}")
    records, rate, mb, avg, _max, p50, _p95, p99 = found[-1]
    return int(records), float(rate), float(mb), float(avg), float(p50), float(p99)


PRODUCER_PROPS = {"acks": "all", "enable.idempotence": "true", "linger.ms": "5"}
"""What every service's relay producer uses (matjip_platform.service)."""


async def kafka_producer(target: Target, *, records: int, record_bytes: int) -> KafkaLimit:
    topic = f"{target.topic_prefix}bench-producer-perf-{uuid.uuid4().hex[:10]}"
    admin = AIOKafkaAdminClient(bootstrap_servers=target.kafka_bootstrap, request_timeout_ms=15000)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, 3, 1)], timeout_ms=15000)
        with tempfile.TemporaryDirectory(prefix="matjip-kafka-perf-") as work:
            log4j = Path(work) / "log4j.properties"
            log4j.write_text("log4j.rootLogger=WARN, stderr\n"
                             "log4j.appender.stderr=org.apache.log4j.ConsoleAppender\n"
                             "log4j.appender.stderr.Target=System.err\n"
                             "log4j.appender.stderr.layout=org.apache.log4j.PatternLayout\n"
                             "log4j.appender.stderr.layout.ConversionPattern=%p %m%n\n")
            argv = [
                java(), "-Xmx256m", "-XX:+UseSerialGC", f"-Dlog4j.configuration=file:{log4j}",
                "-cp", f"{kafka_tools_jar()}:{kafka_libs()}/*", "org.apache.kafka.tools.ProducerPerformance",
                "--topic", topic, "--num-records", str(records), "--record-size", str(record_bytes),
                "--throughput", "-1",
                "--producer-props", f"bootstrap.servers={target.kafka_bootstrap}",
                *(f"{k}={v}" for k, v in PRODUCER_PROPS.items()),
            ]
            proc = await asyncio.create_subprocess_exec(
                *argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
            )
            out, _ = await proc.communicate()
        output = out.decode(errors="replace")
        if proc.returncode != 0:
            raise LimitError(f"ProducerPerformance exited {proc.returncode}:\n{output[-2000:]}")
        sent, rate, mb, avg, p50, p99 = parse_producer_performance(output)
    finally:
        try:
            await admin.delete_topics([topic])
        finally:
            await admin.close()
    return KafkaLimit(
        records=sent, record_bytes=record_bytes, producer_props=PRODUCER_PROPS, records_per_s=round(rate, 1),
        mb_per_s=mb, latency_avg_ms=avg, latency_p50_ms=p50, latency_p99_ms=p99,
    )
