"""One benchmark run against a running platform: the machine's load, the idle stack, the limits
(pgbench, Kafka's producer), then checkout and menu browsing stepped up at fixed arrival rates until a
step no longer holds."""

from __future__ import annotations

import asyncio
import math
import os
import subprocess
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from itertools import islice
from pathlib import Path

import httpx

from matjip_bench import limits
from matjip_bench.broker import Broker, BrokerSample
from matjip_bench.machine import (
    Usage,
    busy_processes,
    load_average,
    memory_available_bytes,
    spent,
    usage,
)
from matjip_bench.plan import (
    LAG_GROWTH_FLOOR,
    LAG_GROWTH_SHARE,
    MIN_ACHIEVED_SHARE,
    MIN_SUCCESS_RATIO,
    Plan,
)
from matjip_bench.platform_db import OrderFigures, PlatformDatabase
from matjip_bench.result import (
    BusyProcess,
    Cpu,
    Http,
    Idle,
    Kafka,
    Limits,
    Machine,
    MachineLoad,
    Orders,
    Postgres,
    ProcessFigures,
    Result,
    Series,
    Stack,
    Step,
    Summary,
)
from matjip_bench.scenario import Scenario, prepare
from matjip_bench.target import Target
from matjip_bench.vegeta import Report, Request, attack, report, vegeta, write_targets
from matjip_devstack.paths import ROOT

HARNESS, LOADGEN = "harness", "loadgen"
MIB = 1024 * 1024


def say(message: str) -> None:
    print(message, flush=True)


def percentile(ordered: Sequence[float], p: float) -> float:
    """Nearest-rank percentile of an already sorted sequence."""
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def slope(points: Sequence[tuple[float, float]]) -> float:
    """Least-squares slope of y over x (0 with fewer than two distinct x)."""
    if len(points) < 2:
        return 0.0
    mx = sum(x for x, _ in points) / len(points)
    my = sum(y for _, y in points) / len(points)
    var = sum((x - mx) ** 2 for x, _ in points)
    return 0.0 if var == 0 else sum((x - mx) * (y - my) for x, y in points) / var


def machine_load(exclude: Iterable[int], seconds: float) -> MachineLoad:
    busy = busy_processes(exclude, seconds)
    return MachineLoad(
        load_average=load_average(),
        memory_available_gib=round(memory_available_bytes() / 1024**3, 1),
        busy_processes=[BusyProcess(pid=b.pid, command=b.command, cwd=b.cwd, cores=b.cores) for b in busy[:12]],
        other_cores=round(sum(b.cores for b in busy), 3),
    )


def print_load(when: str, load: MachineLoad) -> None:
    one, five, fifteen = load.load_average
    say(f"machine load {when}: load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} CPUs; "
        f"{load.memory_available_gib:.1f} GiB memory available; other processes busy: {load.other_cores:.2f} cores")
    for b in load.busy_processes[:8]:
        say(f"  {b.cores:5.2f} cores  pid {b.pid:<7} {b.command[:70]}  (cwd {b.cwd})")


def git_commit() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                               capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("+dirty" if dirty else "")


class Runner:
    def __init__(self, target: Target, plan: Plan, work_dir: Path, stack: Stack) -> None:
        self.target = target
        self.plan = plan
        self.work_dir = work_dir
        self.stack = stack
        self.stack_names = sorted(target.processes)
        self.broker = Broker(target.kafka_bootstrap, target.topic_prefix)
        self.db = PlatformDatabase(target.dsn)
        self.scenario: Scenario | None = None
        self.idle_xact_per_s = 0.0

    # --- measuring ------------------------------------------------------------------------------

    def _usage(self, *, memory: bool = False) -> Usage:
        own = os.getpid()
        return usage(self.target.processes | {HARNESS: own, LOADGEN: own}, memory=memory,
                     self_only=[HARNESS], children_only=[LOADGEN])

    def _cpu(self, before: Usage, after: Usage, units: int | None, memory: Usage | None) -> Cpu:
        used = spent(before, after)
        seconds = used.seconds

        def per_unit(ms: float) -> float | None:
            return round(ms / units, 2) if units else None

        processes: dict[str, ProcessFigures] = {}
        for name, ms in sorted(used.process_ms.items()):
            rss = memory.rss_bytes.get(name) if memory else None
            pss = memory.pss_bytes.get(name) if memory else None
            processes[name] = ProcessFigures(
                cpu_ms=round(ms, 1), cores=round(ms / 1000 / seconds, 3), ms_per_unit=per_unit(ms),
                rss_mib=round(rss / MIB, 1) if rss is not None else None,
                pss_mib=round(pss / MIB, 1) if pss is not None else None,
            )
        stack_ms = sum(ms for name, ms in used.process_ms.items() if name in self.target.processes)
        ours = sum(used.process_ms.values())
        return Cpu(
            window_seconds=round(seconds, 2),
            machine_cores=round(used.machine_cores, 3),
            machine_ms_per_unit=per_unit(used.machine_ms),
            stack_cores=round(stack_ms / 1000 / seconds, 3),
            stack_ms_per_unit=per_unit(stack_ms),
            other_cores=round(max(used.machine_ms - ours, 0.0) / 1000 / seconds, 3),
            processes=processes,
        )

    async def _settle(self, what: str) -> None:
        """Wait until no bench order is on its way and the consumers' lag has stopped changing."""
        deadline = time.monotonic() + self.plan.settle_timeout
        previous: int | None = None
        while time.monotonic() < deadline:
            in_flight = await self.db.in_flight(self.scenario.store_id) if self.scenario else 0
            lag = (await self.broker.sample()).lag
            if in_flight == 0 and (lag == 0 or lag == previous):
                return
            previous = lag if in_flight == 0 else None
            await asyncio.sleep(1.0)
        say(f"  (still busy after {self.plan.settle_timeout:.0f}s before {what}: going on)")

    # --- phases ---------------------------------------------------------------------------------

    async def idle(self) -> Idle:
        await self._settle("the idle measurement")
        say(f"idle stack: {self.plan.idle_seconds:.0f}s with no traffic ...")
        xact = await self.db.xact_commit()
        before = self._usage()
        await asyncio.sleep(self.plan.idle_seconds)
        after = self._usage(memory=True)
        xact_delta = await self.db.xact_commit() - xact
        cpu = self._cpu(before, after, None, after)
        busiest = sorted(cpu.processes.items(), key=lambda kv: kv[1].cores, reverse=True)[:6]
        say(f"  stack {cpu.stack_cores:.2f} cores ({', '.join(f'{n} {p.cores:.2f}' for n, p in busiest)}); "
            f"machine {cpu.machine_cores:.2f}, others {cpu.other_cores:.2f}; "
            f"{xact_delta / cpu.window_seconds:.1f} PostgreSQL commits/s")
        self.idle_xact_per_s = xact_delta / cpu.window_seconds
        return Idle(seconds=cpu.window_seconds, cpu=cpu, xact_per_s=round(self.idle_xact_per_s, 2))

    async def limits(self) -> Limits:
        plan = self.plan
        say(f"pgbench: single-row INSERT transactions, {plan.pgbench_clients} clients, {plan.pgbench_seconds}s ...")
        pg = await limits.pgbench(self.target, clients=plan.pgbench_clients, seconds=plan.pgbench_seconds)
        say(f"  {pg.tps:,.0f} TPS (latency {pg.latency_avg_ms:.2f} ms; fsync={pg.settings['fsync']}, "
            f"synchronous_commit={pg.settings['synchronous_commit']})")
        say(f"Kafka ProducerPerformance: {plan.kafka_records:,} records of {plan.kafka_record_bytes} B, acks=all ...")
        kafka = await limits.kafka_producer(self.target, records=plan.kafka_records,
                                            record_bytes=plan.kafka_record_bytes)
        say(f"  {kafka.records_per_s:,.0f} records/s ({kafka.mb_per_s:.1f} MB/s, p99 {kafka.latency_p99_ms:.0f} ms)")
        return Limits(pgbench=pg, kafka=kafka)

    async def _attack(
        self, name: str, rate: int, seconds: float, requests: Iterable[Request]
    ) -> tuple[list[tuple[float, BrokerSample]], Path]:
        """Run vegeta at `rate` for `seconds`, sampling the broker meanwhile."""
        step_dir = self.work_dir / f"{name}-{rate}"
        step_dir.mkdir(parents=True, exist_ok=True)
        targets, results = step_dir / "targets.jsonl", step_dir / "results.bin"
        write_targets(targets, requests)
        samples: list[tuple[float, BrokerSample]] = []
        started = time.monotonic()
        proc = await attack(targets, results, rate=rate, seconds=seconds, timeout=self.plan.request_timeout)
        while True:
            samples.append((time.monotonic() - started, await self.broker.sample()))
            try:
                await asyncio.wait_for(proc.wait(), self.plan.lag_interval)
                break
            except TimeoutError:
                continue
        samples.append((time.monotonic() - started, await self.broker.sample()))
        stderr = (await proc.stderr.read()).decode(errors="replace") if proc.stderr else ""
        if proc.returncode != 0:
            raise RuntimeError(f"vegeta attack exited {proc.returncode}: {stderr[-1000:]}")
        return samples, results

    async def checkout_step(self, rate: int) -> Step:
        plan, scenario = self.plan, self.scenario
        assert scenario is not None
        seconds = plan.checkout_seconds
        async with httpx.AsyncClient(base_url=self.target.edge_url, timeout=30.0) as client:
            await scenario.refresh_tokens(client, valid_for=seconds + plan.drain_timeout + 60)
        count = math.ceil(rate * seconds) + rate
        since = await self.db.now()
        xact = await self.db.xact_commit()
        before = self._usage()
        samples, results = await self._attack("checkout", rate, seconds, islice(scenario.checkout_requests(), count))
        memory = self._usage(memory=True)
        until = await self.db.now() + timedelta(seconds=1)
        attack_end = time.monotonic()
        figures = await self._drain(scenario.store_id, since, until)
        drain_seconds = time.monotonic() - attack_end
        after = self._usage()
        end_sample = await self.broker.sample()
        xact_delta = await self.db.xact_commit() - xact
        http = self._http(await report(results))
        cpu = self._cpu(before, after, figures.accepted, memory)
        orders = self._orders(figures, seconds, drain_seconds)
        kafka = self._kafka(samples, end_sample, seconds)
        postgres = self._postgres(xact_delta, figures.accepted, cpu.window_seconds)
        reasons = self._http_reasons(http, rate) + self._order_reasons(orders, kafka, rate, seconds)
        step = Step(offered_rps=rate, seconds=seconds, http=http, orders=orders, kafka=kafka, postgres=postgres,
                    cpu=cpu, sustained=not reasons, reasons=reasons)
        say(f"  checkout {rate}/s: {http.achieved_rps:.1f} ok/s ({http.success_ratio:.1%}), HTTP p50 {http.p50_ms:.0f} "
            f"p99 {http.p99_ms:.0f} ms; {orders.accepted}/{orders.placed} ACCEPTED ({orders.accepted_per_s:.1f}/s), "
            f"to ACCEPTED p50 {orders.to_accepted_p50_ms or 0:.0f} p99 {orders.to_accepted_p99_ms or 0:.0f} ms; "
            f"lag {kafka.lag_start}->{kafka.lag_end} ({kafka.lag_slope_per_s:+.1f}/s); "
            f"{cpu.machine_ms_per_unit or 0:.0f} CPU-ms/order machine, {cpu.stack_ms_per_unit or 0:.0f} stack; "
            f"{postgres.xact_per_unit or 0:.1f} commits/order; others {cpu.other_cores:.2f} cores"
            + ("" if step.sustained else f"  NOT SUSTAINED: {'; '.join(reasons)}"))
        return step

    def _postgres(self, xact_delta: int, units: int, seconds: float) -> Postgres:
        beyond_idle = xact_delta - self.idle_xact_per_s * seconds
        return Postgres(
            xact_commit=xact_delta,
            xact_per_unit=round(xact_delta / units, 3) if units else None,
            xact_per_unit_beyond_idle=round(beyond_idle / units, 3) if units else None,
            xact_per_s=round(xact_delta / seconds, 2),
        )

    async def _drain(self, store_id: str, since: datetime, until: datetime) -> OrderFigures:
        deadline = time.monotonic() + self.plan.drain_timeout
        while True:
            figures = await self.db.orders(store_id, since, until)
            if figures.in_flight == 0 or time.monotonic() > deadline:
                return figures
            await asyncio.sleep(0.5)

    @staticmethod
    def _http(r: Report) -> Http:
        return Http(
            requests=r.requests, sent_rps=round(r.rate, 2), achieved_rps=round(r.throughput, 2),
            success_ratio=round(r.success, 4), p50_ms=r.p50_ms, p95_ms=r.p95_ms, p99_ms=r.p99_ms, max_ms=r.max_ms,
            status_codes=r.status_codes, errors=r.errors,
        )

    @staticmethod
    def _orders(figures: OrderFigures, seconds: float, drain_seconds: float) -> Orders:
        lat = figures.to_accepted_ms

        def q(p: float) -> float | None:
            return round(percentile(lat, p), 1) if lat else None

        return Orders(
            placed=figures.placed, accepted=figures.accepted, in_flight=figures.in_flight,
            statuses=dict(sorted(figures.statuses.items())),
            accepted_per_s=round(figures.accepted / seconds, 2),
            to_accepted_p50_ms=q(50), to_accepted_p95_ms=q(95), to_accepted_p99_ms=q(99),
            drain_seconds=round(drain_seconds, 1),
        )

    @staticmethod
    def _kafka(samples: list[tuple[float, BrokerSample]], end: BrokerSample, seconds: float) -> Kafka:
        first = samples[0][1]
        # The first third is the ramp from an empty pipeline to its steady in-flight lag: not growth.
        later = [(t, float(s.lag)) for t, s in samples if t >= seconds / 3]
        return Kafka(
            lag_start=first.lag, lag_end=samples[-1][1].lag, lag_max=max(s.lag for _, s in samples),
            lag_slope_per_s=round(slope(later), 2),
            messages=end.produced - first.produced, dead_letters=end.dead_letters - first.dead_letters,
        )

    @staticmethod
    def _http_reasons(http: Http, rate: int) -> list[str]:
        reasons: list[str] = []
        if http.success_ratio < MIN_SUCCESS_RATIO:
            codes = ", ".join(f"{code}: {n}" for code, n in sorted(http.status_codes.items()))
            reasons.append(f"{1 - http.success_ratio:.1%} of requests failed ({codes})")
        if http.achieved_rps < MIN_ACHIEVED_SHARE * rate:
            reasons.append(f"{http.achieved_rps:.1f} successful responses/s for {rate} offered")
        return reasons

    @staticmethod
    def _order_reasons(orders: Orders, kafka: Kafka, rate: int, seconds: float) -> list[str]:
        reasons: list[str] = []
        if orders.in_flight:
            reasons.append(f"{orders.in_flight} orders not ACCEPTED {orders.drain_seconds:.0f}s after the step")
        failed = orders.placed - orders.accepted - orders.in_flight
        if failed:
            reasons.append(f"{failed} orders ended otherwise: {orders.statuses}")
        if kafka.dead_letters:
            reasons.append(f"{kafka.dead_letters} dead letters")
        allowed = max(LAG_GROWTH_FLOOR, LAG_GROWTH_SHARE * kafka.messages / seconds)
        if kafka.lag_slope_per_s > allowed:
            reasons.append(f"consumer lag grew {kafka.lag_slope_per_s:.1f} messages/s (allowed {allowed:.1f})")
        return reasons

    async def menu_step(self, rate: int) -> Step:
        scenario = self.scenario
        assert scenario is not None
        seconds = self.plan.menu_seconds
        xact = await self.db.xact_commit()
        before = self._usage()
        menu = scenario.menu_request()
        _, results = await self._attack("menu", rate, seconds, [menu])
        after = self._usage(memory=True)
        xact_delta = await self.db.xact_commit() - xact
        http = self._http(await report(results))
        ok = http.status_codes.get("200", 0)
        cpu = self._cpu(before, after, ok, after)
        postgres = self._postgres(xact_delta, ok, cpu.window_seconds)
        reasons = self._http_reasons(http, rate)
        say(f"  menu {rate}/s: {http.achieved_rps:.1f} ok/s ({http.success_ratio:.1%}), HTTP p50 {http.p50_ms:.1f} "
            f"p95 {http.p95_ms:.1f} p99 {http.p99_ms:.1f} ms; {cpu.machine_ms_per_unit or 0:.1f} CPU-ms/request "
            f"machine, {cpu.stack_ms_per_unit or 0:.1f} stack; others {cpu.other_cores:.2f} cores"
            + ("" if not reasons else f"  NOT SUSTAINED: {'; '.join(reasons)}"))
        return Step(offered_rps=rate, seconds=seconds, http=http, postgres=postgres, cpu=cpu,
                    sustained=not reasons, reasons=reasons)

    async def series(self, name: str, rates: Sequence[int], run_step: Callable[[int], Awaitable[Step]]) -> Series:
        steps: list[Step] = []
        stopped = "every planned rate was sustained"
        for rate in rates:
            await self._settle(f"{name} at {rate}/s")
            step = await run_step(rate)
            steps.append(step)
            if not step.sustained:
                stopped = f"{rate}/s did not hold: {'; '.join(step.reasons)}"
                break
        sustained = [s for s in steps if s.sustained]
        best: float | None = None
        if sustained:
            top = sustained[-1]
            best = top.orders.accepted_per_s if top.orders is not None else top.http.achieved_rps
        seconds = self.plan.checkout_seconds if name == "checkout" else self.plan.menu_seconds
        return Series(name="checkout" if name == "checkout" else "menu",
                      unit="order" if name == "checkout" else "request", step_seconds=seconds, steps=steps,
                      stopped_because=stopped, best_sustained_rps=best)

    # --- the whole run --------------------------------------------------------------------------

    async def run(self, command: str) -> Result:
        started_at = datetime.now(UTC)
        vegeta()  # built before anything is measured
        exclude = [*self.target.processes.values(), os.getpid()]
        before = machine_load(exclude, 3.0 if not self.plan.smoke else 1.0)
        print_load("before the run", before)
        await self.broker.start()
        await self.db.start()
        try:
            idle = await self.idle()
            limits_ = await self.limits()
            say(f"setting up: an auto-accepting store and {self.plan.customers} customers ...")
            self.scenario = await prepare(self.target.edge_url, self.plan.customers)
            say(f"checkout through the edge, open loop, {self.plan.checkout_seconds:.0f}s per step:")
            checkout = await self.series("checkout", self.plan.checkout_rates, self.checkout_step)
            say(f"menu browsing through the edge, open loop, {self.plan.menu_seconds:.0f}s per step:")
            menu = await self.series("menu", self.plan.menu_rates, self.menu_step)
        finally:
            await self.db.stop()
            await self.broker.stop()
        after = machine_load(exclude, 3.0 if not self.plan.smoke else 1.0)
        print_load("after the run", after)
        machine = Machine(cpus=os.cpu_count() or 1,
                          memory_gib=round(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") / 1024**3, 1),
                          before=before, after=after)
        return Result(
            started_at=started_at.isoformat(timespec="seconds"),
            finished_at=datetime.now(UTC).isoformat(timespec="seconds"),
            git_commit=git_commit(), command=command, smoke=self.plan.smoke, machine=machine, stack=self.stack,
            limits=limits_, idle=idle, checkout=checkout, menu=menu,
            summary=summarize(limits_, idle, checkout, menu),
        )


def summarize(limits_: Limits, idle: Idle, checkout: Series, menu: Series) -> Summary:
    sustained = [s for s in checkout.steps if s.sustained]
    busiest = max(checkout.steps, key=lambda s: s.orders.accepted_per_s if s.orders else 0.0)
    reference = sustained[-1] if sustained else busiest
    xact_per_order = reference.postgres.xact_per_unit
    pg_orders = (limits_.pgbench.tps / xact_per_order) if xact_per_order else None
    orders_per_s = reference.orders.accepted_per_s if reference.orders else None
    return Summary(
        pg_limit_tps=limits_.pgbench.tps,
        kafka_limit_records_per_s=limits_.kafka.records_per_s,
        idle_stack_cores=idle.cpu.stack_cores,
        checkout_orders_per_s=orders_per_s,
        xact_per_order=xact_per_order,
        pg_limit_orders_per_s=round(pg_orders, 1) if pg_orders else None,
        share_of_pg_limit=round(orders_per_s / pg_orders, 4) if orders_per_s and pg_orders else None,
        cpu_ms_per_order=reference.cpu.machine_ms_per_unit,
        reference_offered_rps=reference.offered_rps,
        reference_sustained=reference.sustained,
        menu_rps=menu.best_sustained_rps,
    )
