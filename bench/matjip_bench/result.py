"""The benchmark's result: the JSON written under docs/bench/ and read back by the plot and the README.

Reading a result validates it: every figure present and typed, percentiles in order, counts that add up.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BusyProcess(_Model):
    pid: int
    command: str
    cwd: str
    cores: float = Field(ge=0)


class MachineLoad(_Model):
    """How busy the machine was apart from the benchmark: figures taken on a busy machine are inflated."""

    load_average: tuple[float, float, float]
    memory_available_gib: float = Field(ge=0)
    busy_processes: list[BusyProcess]
    """Processes outside the stack and the harness using CPU, busiest first."""
    other_cores: float = Field(ge=0)
    """Cores those processes used while they were sampled."""


class Machine(_Model):
    cpus: int = Field(ge=1)
    memory_gib: float = Field(gt=0)
    before: MachineLoad
    after: MachineLoad


class Stack(_Model):
    edge_url: str
    started_by_bench: bool
    ready_seconds: float | None = None
    """`./matjip up` until ready, when the benchmark started the stack itself."""
    processes: list[str]
    settings: dict[str, str]
    """The stack's settings that matter for the figures (log level, trace export, rate limits)."""


class PgbenchLimit(_Model):
    clients: int = Field(ge=1)
    threads: int = Field(ge=1)
    seconds: int = Field(ge=1)
    transactions: int = Field(ge=0)
    tps: float = Field(ge=0)
    latency_avg_ms: float = Field(ge=0)
    settings: dict[str, str]


class KafkaLimit(_Model):
    records: int = Field(ge=1)
    record_bytes: int = Field(ge=1)
    producer_props: dict[str, str]
    records_per_s: float = Field(ge=0)
    mb_per_s: float = Field(ge=0)
    latency_avg_ms: float = Field(ge=0)
    latency_p50_ms: float = Field(ge=0)
    latency_p99_ms: float = Field(ge=0)


class Limits(_Model):
    pgbench: PgbenchLimit
    kafka: KafkaLimit


class ProcessFigures(_Model):
    cpu_ms: float = Field(ge=0)
    cores: float = Field(ge=0)
    ms_per_unit: float | None = Field(default=None, ge=0)
    """CPU-milliseconds per accepted order (checkout) or per successful request (menu)."""
    rss_mib: float | None = Field(default=None, ge=0)
    pss_mib: float | None = Field(default=None, ge=0)
    """Proportional set size: pages shared between processes (PostgreSQL's buffers) counted once."""


class Cpu(_Model):
    window_seconds: float = Field(gt=0)
    machine_cores: float = Field(ge=0)
    machine_ms_per_unit: float | None = Field(default=None, ge=0)
    stack_cores: float = Field(ge=0)
    stack_ms_per_unit: float | None = Field(default=None, ge=0)
    other_cores: float = Field(ge=0)
    """The machine's busy time not spent by the stack, the harness or the load generator."""
    processes: dict[str, ProcessFigures]


class Idle(_Model):
    seconds: float = Field(gt=0)
    cpu: Cpu
    xact_per_s: float = Field(ge=0)


class Http(_Model):
    requests: int = Field(ge=0)
    sent_rps: float = Field(ge=0)
    achieved_rps: float = Field(ge=0)
    """Successful responses per second (vegeta's throughput)."""
    success_ratio: float = Field(ge=0, le=1)
    p50_ms: float = Field(ge=0)
    p95_ms: float = Field(ge=0)
    p99_ms: float = Field(ge=0)
    max_ms: float = Field(ge=0)
    status_codes: dict[str, int]
    errors: list[str]

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if not self.p50_ms <= self.p95_ms <= self.p99_ms <= self.max_ms:
            raise ValueError(f"HTTP percentiles out of order: {self.p50_ms} {self.p95_ms} {self.p99_ms} {self.max_ms}")
        if sum(self.status_codes.values()) != self.requests:
            raise ValueError("status codes do not add up to the requests")
        return self


class Orders(_Model):
    placed: int = Field(ge=0)
    accepted: int = Field(ge=0)
    in_flight: int = Field(ge=0)
    """Still between PLACED and ACCEPTED when the drain gave up."""
    statuses: dict[str, int]
    accepted_per_s: float = Field(ge=0)
    to_accepted_p50_ms: float | None = Field(default=None, ge=0)
    to_accepted_p95_ms: float | None = Field(default=None, ge=0)
    to_accepted_p99_ms: float | None = Field(default=None, ge=0)
    drain_seconds: float = Field(ge=0)
    """From the end of the step until every order placed in it was ACCEPTED (or the drain gave up)."""

    @model_validator(mode="after")
    def _adds_up(self) -> Self:
        if sum(self.statuses.values()) != self.placed or self.accepted > self.placed:
            raise ValueError(f"order counts do not add up: {self.placed} placed, {self.statuses}")
        quantiles = [self.to_accepted_p50_ms, self.to_accepted_p95_ms, self.to_accepted_p99_ms]
        present = [q for q in quantiles if q is not None]
        if self.accepted and len(present) != 3:
            raise ValueError("accepted orders without placement-to-ACCEPTED percentiles")
        if present != sorted(present):
            raise ValueError(f"placement-to-ACCEPTED percentiles out of order: {present}")
        return self


class Kafka(_Model):
    lag_start: int = Field(ge=0)
    lag_end: int = Field(ge=0)
    """Consumer lag summed over the platform's groups (committed offsets vs end offsets, from the broker)."""
    lag_max: int = Field(ge=0)
    lag_slope_per_s: float
    """Least-squares growth of the lag over the later part of the step, in messages per second."""
    messages: int = Field(ge=0)
    """Messages produced to the platform's topics during the step and its drain."""
    dead_letters: int = Field(ge=0)


class Postgres(_Model):
    xact_commit: int = Field(ge=0)
    """Commits in the platform's database over the step and its drain (pg_stat_database)."""
    xact_per_unit: float | None = Field(default=None, ge=0)
    xact_per_unit_beyond_idle: float | None = None
    """The same less what the idle stack commits anyway in that time (polling loops)."""
    xact_per_s: float = Field(ge=0)


class Step(_Model):
    offered_rps: int = Field(ge=1)
    seconds: float = Field(gt=0)
    http: Http
    orders: Orders | None = None
    kafka: Kafka | None = None
    postgres: Postgres
    cpu: Cpu
    sustained: bool
    reasons: list[str]
    """Why the step does not count as sustained (empty when it does)."""

    @model_validator(mode="after")
    def _verdict(self) -> Self:
        if self.sustained == bool(self.reasons):
            raise ValueError("a step is sustained exactly when there is no reason against it")
        return self


class Series(_Model):
    name: Literal["checkout", "menu"]
    unit: Literal["order", "request"]
    step_seconds: float = Field(gt=0)
    steps: list[Step] = Field(min_length=1)
    stopped_because: str
    best_sustained_rps: float | None = Field(default=None, ge=0)
    """Accepted orders/s (checkout) or successful requests/s (menu) of the highest sustained step."""


class Summary(_Model):
    pg_limit_tps: float = Field(ge=0)
    kafka_limit_records_per_s: float = Field(ge=0)
    idle_stack_cores: float = Field(ge=0)
    checkout_orders_per_s: float | None = None
    """Accepted orders/s of the reference step (below)."""
    xact_per_order: float | None = None
    pg_limit_orders_per_s: float | None = None
    """pgbench TPS / transactions per order: the orders/s PostgreSQL alone would allow."""
    share_of_pg_limit: float | None = None
    cpu_ms_per_order: float | None = None
    reference_offered_rps: int | None = None
    """The checkout step the per-order figures come from: the highest sustained one, else the busiest."""
    reference_sustained: bool = False
    menu_rps: float | None = None


class Result(_Model):
    schema_version: Literal[1] = 1
    started_at: str
    finished_at: str
    git_commit: str
    command: str
    smoke: bool
    machine: Machine
    stack: Stack
    limits: Limits
    idle: Idle
    checkout: Series
    menu: Series
    summary: Summary

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.model_dump_json(indent=2) + "\n")

    @classmethod
    def read(cls, path: Path) -> Result:
        return cls.model_validate_json(path.read_text())
