"""Faults under load: a steady open-loop checkout load through the edge (vegeta, the benchmark's compiled
generator) while one fault at a time is injected; afterwards the invariants are read from the data
(matjip_bench.invariants) and every fault becomes a table of docs/resilience.md (matjip_bench.resilience).

Each fault gets a store of its own (auto-accepting: the simulated owner accepts every order at once, with
a stock large enough never to run out), so its orders, charges, stock and announcements are counted apart.
The load runs for `lead_seconds`, the fault is injected (the call returns once the fault is over: the
replica is back, the broker answers again), the load runs `tail_seconds` more and stops; then the fault's
orders have `settle_timeout` to reach a resting state before they are tallied.

`./matjip chaos` (matjip_bench.chaos_cli) runs every fault on a platform of its own with two replicas of
each service, its payment gateway (the sandbox PG, tools/sandbox-pg) behind a proxy that can be made slow,
failing or down (matjip_bench.fault_proxy); tests/e2e/test_chaos_smoke.py runs the CI-sized version on the
end-to-end platform, where payment calls the sandbox PG directly and the gateway faults are the sandbox
PG's own (PUT /api/sandbox-pg/fault).
"""

from __future__ import annotations

import asyncio
import base64
import json
import signal
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime
from itertools import cycle, islice
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from matjip_bench import invariants
from matjip_bench.broker import Broker
from matjip_bench.fault_proxy import FaultProxy, Mode
from matjip_bench.machine import read_stat
from matjip_bench.runner import slope
from matjip_bench.scenario import ALWAYS_OPEN, Customer, SetupError
from matjip_bench.vegeta import Request, vegeta, write_targets
from matjip_contracts.services import SANDBOX_PG
from matjip_devstack.edge_control import EdgeControl
from matjip_devstack.kafka import Kafka
from matjip_devstack.paths import RUN
from matjip_devstack.postgres import Postgres
from matjip_devstack.processes import StackError, read_pidfile
from matjip_devstack.redis_server import Redis
from matjip_devstack.replicas import Replicas
from matjip_devstack.stack import ServiceStack

INITIAL_STOCK = 1_000_000
MIB = 1024 * 1024
Say = Callable[[str], None]


@dataclass(frozen=True)
class ChaosPlan:
    faults: tuple[str, ...]
    rate: int = 2
    """Checkouts per second offered during every fault."""
    lead_seconds: float = 10.0
    tail_seconds: float = 15.0
    outage_seconds: float = 5.0
    """How long Kafka, PostgreSQL or Redis stays down before it is started again."""
    stuck_seconds: float = 30.0
    gateway_seconds: float = 60.0
    """How long the payment gateway stays slow, failing or down."""
    soak_seconds: float = 600.0
    soak_rate: float = 1.0
    sample_seconds: float = 10.0
    customers: int = 12
    request_timeout: float = 60.0
    settle_timeout: float = 300.0
    restart_services: tuple[str, ...] | None = None
    """Whose replicas the rolling restart restarts (default: every service of the target)."""
    max_fault_seconds: float = 900.0
    """The longest a fault may take: the targets file holds this many seconds of checkouts."""


@dataclass
class ChaosTarget:
    """A running platform to hurt: its services (with their replicas), its edge and where its data is."""

    edge_url: str
    database_url: str
    kafka_bootstrap: str
    topic_prefix: str
    stack: ServiceStack
    edge: EdgeControl | None
    services: list[str]
    say: Say = print
    gateway: FaultProxy | None = None
    """The proxy in front of the payment gateway, when the platform was started with one; without it the
    gateway faults are the sandbox PG's own, set through the edge."""

    def replicas(self) -> Replicas:
        return Replicas(self.stack, self.edge, progress=lambda step: self.say(f"    {step}"))


@dataclass
class Shop:
    owner_token: str
    store_id: str
    dish_id: str
    customers: list[Customer]


@dataclass
class Outcome:
    """What a fault reports besides the load's and the data's figures."""

    notes: list[str] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    rss_slope_mib_per_min: dict[str, float] = field(default_factory=dict)
    max_lag: int | None = None
    final_lag: int | None = None


@dataclass(frozen=True)
class Hit:
    """One request of the load as vegeta recorded it."""

    at: float
    """Seconds since the epoch the request left."""
    latency_s: float
    code: int
    error: str
    order_id: str | None


@dataclass
class FaultResult:
    fault: str
    title: str
    sent: int
    failed: int
    failures: dict[str, int]
    """What the failed requests got: a status code or vegeta's error text, and how many."""
    recover_seconds: float
    """From the fault's start to the end of the last failed request (0 when none failed)."""
    fault_seconds: float
    settle_seconds: float
    """From the end of the load until every order of the fault rested."""
    dead_letters: int
    tally: invariants.Tally
    outcome: Outcome

    def violations(self, *, zero_failures: bool) -> list[str]:
        found = self.tally.violations() + self.outcome.violations
        if self.dead_letters:
            found.append(f"dead_letters={self.dead_letters}")
        if zero_failures and self.failed:
            found.append(f"failed_requests={self.failed}")
        return found


# --- the shop and the load ---------------------------------------------------------------------------


def _expect(response: httpx.Response, status: int) -> Any:
    if response.status_code != status:
        raise SetupError(f"{response.request.method} {response.request.url}: {response.status_code} "
                         f"{response.text[:300]}")
    return response.json() if response.content else None


def _person(client: httpx.Client, role: str) -> Customer:
    person = Customer(f"chaos-{role.lower()}-{uuid.uuid4().hex[:12]}@matjip.dev", uuid.uuid4().hex)
    _expect(client.post("/api/auth/signup", json={
        "email": person.email, "password": person.password, "display_name": f"Chaos {role.title()}", "role": role,
    }), 201)
    person.take(_expect(client.post("/api/auth/login", json={"email": person.email, "password": person.password}),
                        200))
    return person


def people(edge_url: str, customers: int) -> tuple[Customer, list[Customer]]:
    """An owner and customers, made through the edge (before any fault)."""
    with httpx.Client(base_url=edge_url, timeout=30.0) as client:
        return _person(client, "OWNER"), [_person(client, "CUSTOMER") for _ in range(customers)]


def open_shop(edge_url: str, owner: Customer, customers: list[Customer], name: str, timeout: float = 120.0) -> Shop:
    headers = {"Authorization": f"Bearer {owner.access_token}"}
    with httpx.Client(base_url=edge_url, timeout=30.0) as client:
        store = _expect(client.post("/api/store/stores", headers=headers, json={
            "name": name, "opening_hours": ALWAYS_OPEN, "auto_accept": True,
            "delivery_area": {"lat": 37.5, "lng": 127.0, "radius_m": 5000},
        }), 201)
        dish = _expect(client.post(f"/api/store/stores/{store['id']}/menu-items", headers=headers,
                                   json={"name": "Tteokbokki", "price": 4000, "stock_quantity": INITIAL_STOCK}), 201)
        deadline = time.monotonic() + timeout
        while True:  # order learns the menu from store's events
            menu = client.get(f"/api/order/stores/{store['id']}/menu")
            if menu.status_code == 200 and menu.json()["store"]["open_now"] and any(
                i["menu_item_id"] == dish["id"] and not i["sold_out"] for i in menu.json()["items"]
            ):
                break
            if time.monotonic() > deadline:
                raise SetupError(f"order never learned the menu of {name}: {menu.status_code} {menu.text[:300]}")
            time.sleep(0.3)
    return Shop(owner.access_token, str(store["id"]), str(dish["id"]), customers)


def refresh(edge_url: str, persons: Sequence[Customer], valid_for: float) -> None:
    """Rotate the tokens of everyone whose access token would expire within `valid_for` seconds."""
    due = [p for p in persons if p.expires_at < time.monotonic() + valid_for]
    with httpx.Client(base_url=edge_url, timeout=30.0) as client:
        for person in due:
            person.take(_expect(client.post("/api/auth/refresh", json={"refresh_token": person.refresh_token}), 200))


def checkouts(edge_url: str, shop: Shop, keys: list[str]) -> Iterator[Request]:
    """Endless checkouts of one dish, the customers in turn, each with a fresh Idempotency-Key (kept in
    `keys` as it is made)."""
    body = json.dumps({"store_id": shop.store_id, "lines": [{"menu_item_id": shop.dish_id, "quantity": 1}]})
    for customer in cycle(shop.customers):
        key = uuid.uuid4().hex
        keys.append(key)
        yield Request("POST", f"{edge_url}/api/order/orders",
                      {"Authorization": f"Bearer {customer.access_token}", "Idempotency-Key": key,
                       "Content-Type": "application/json"}, body.encode())


class Load:
    """vegeta attacking at a fixed rate until stopped (SIGINT: it stops sending and writes its results)."""

    def __init__(self, work: Path, requests: Iterator[Request], *, rate: float, seconds: float,
                 timeout: float) -> None:
        self.targets, self.results = work / "targets.jsonl", work / "results.bin"
        write_targets(self.targets, islice(requests, int(rate * seconds) + 10))
        per_second = f"{round(rate * 60)}/1m" if rate != int(rate) else f"{int(rate)}/1s"
        with (work / "vegeta.log").open("wb") as log:
            self.process = subprocess.Popen(
                [str(vegeta()), "attack", "-format=json", f"-targets={self.targets}", f"-rate={per_second}",
                 f"-duration={int(seconds)}s", f"-timeout={timeout}s", "-http2=false", f"-output={self.results}"],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log,
            )

    def stop(self) -> list[Hit]:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        if self.process.wait(120) not in (0, -signal.SIGINT):
            raise StackError(f"vegeta exited {self.process.returncode}; see {self.results.parent / 'vegeta.log'}")
        encoded = subprocess.run([str(vegeta()), "encode", "-to", "json", str(self.results)],
                                 capture_output=True, check=True, stdin=subprocess.DEVNULL)
        return [parse_hit(json.loads(line)) for line in encoded.stdout.splitlines() if line.strip()]


def parse_hit(raw: dict[str, Any]) -> Hit:
    order_id = None
    code = int(raw.get("code") or 0)
    if code == 201 and raw.get("body"):
        try:
            order_id = str(json.loads(base64.b64decode(raw["body"]))["order_id"])
        except (ValueError, KeyError, TypeError):
            order_id = None
    return Hit(
        at=datetime.fromisoformat(str(raw["timestamp"]).replace("Z", "+00:00")).timestamp(),
        latency_s=int(raw.get("latency") or 0) / 1e9,
        code=code,
        error=str(raw.get("error") or ""),
        order_id=order_id,
    )


# --- the faults -----------------------------------------------------------------------------------


def rolling_restart(t: ChaosTarget, plan: ChaosPlan, shop: Shop) -> Outcome:
    """Every replica of every service in turn: drained out of the edge, SIGTERM, started, back in."""
    services = list(plan.restart_services or t.services)
    t.replicas().rolling_restart(services)
    counts = {s: len(t.stack.running_instances(s)) for s in services}
    return Outcome(notes=[f"restarted {sum(counts.values())} replicas one at a time"])


def kill_replica(t: ChaosTarget, plan: ChaosPlan, shop: Shop) -> Outcome:
    """SIGKILL of one replica of each service (its last), a few seconds down, started again."""
    killed = []
    for service in t.services:
        name = t.stack.running_instances(service)[-1]
        t.stack.kill(name)
        t.say(f"    {name} killed")
        killed.append(name)
        time.sleep(2.0)
        t.stack.start(name)
        t.stack.wait_ready(name, 180)
        if t.edge is not None:
            t.edge.undrain(t.stack.url(name))  # the supervisor puts it back too; this makes it immediate
    return Outcome(notes=[f"killed {', '.join(killed)}"])


def kafka_kill(t: ChaosTarget, plan: ChaosPlan, shop: Shop) -> Outcome:
    """SIGKILL of the broker (no clean shutdown: it recovers its logs at start), started again."""
    handle = read_pidfile(RUN / "kafka.pid")
    if handle is None:
        raise StackError("Kafka was not started by this checkout (no .data/run/kafka.pid): not killing it")
    handle.send(signal.SIGKILL)
    handle.wait(15)
    time.sleep(plan.outage_seconds)
    started = time.monotonic()
    Kafka().start()
    return Outcome(notes=[f"broker down {plan.outage_seconds:.0f}s, then answering after "
                          f"{time.monotonic() - started:.0f}s of start-up"])


def postgres_restart(t: ChaosTarget, plan: ChaosPlan, shop: Shop) -> Outcome:
    """pg_ctl stop -m fast (every session rolled back and cut), down a few seconds, started again."""
    pg = Postgres()
    if pg.postmaster_pid() is None:
        raise StackError("PostgreSQL is not this checkout's cluster: not restarting it")
    pg.stop()
    time.sleep(plan.outage_seconds)
    pg.start()
    return Outcome(notes=[f"PostgreSQL down {plan.outage_seconds:.0f}s (fast shutdown)"])


def redis_restart(t: ChaosTarget, plan: ChaosPlan, shop: Shop) -> Outcome:
    """Redis stopped (SIGTERM: it saves its snapshot), down a few seconds, started again; a customer's cart
    made before must still be there after."""
    customer = shop.customers[0]
    headers = {"Authorization": f"Bearer {customer.access_token}"}
    with httpx.Client(base_url=t.edge_url, headers=headers, timeout=30.0) as client:
        _expect(client.put(f"/api/order/cart/items/{shop.dish_id}", json={"quantity": 3}), 200)
        redis = Redis()
        if read_pidfile(redis.pidfile) is None:
            raise StackError("Redis was not started by this checkout: not restarting it")
        redis.stop()
        time.sleep(plan.outage_seconds)
        redis.start()
        cart = _expect(client.get("/api/order/cart"), 200)
    quantities = {str(line["menu_item_id"]): line["quantity"] for line in cart["lines"]}
    outcome = Outcome(notes=[f"Redis down {plan.outage_seconds:.0f}s; the cart made before it: "
                             f"{'kept' if quantities.get(shop.dish_id) == 3 else 'LOST'}"])
    if quantities.get(shop.dish_id) != 3:
        outcome.violations.append("cart_lost=1")
    return outcome


def group_members(t: ChaosTarget, service: str) -> int:
    """How many consumers the broker counts in `service`'s group (each holds a share of its partitions)."""
    from aiokafka.admin import AIOKafkaAdminClient

    async def count() -> int:
        admin = AIOKafkaAdminClient(bootstrap_servers=t.kafka_bootstrap, request_timeout_ms=10000)
        await admin.start()
        try:
            responses = await admin.describe_consumer_groups([f"{t.topic_prefix}matjip-{service}"])
            # DescribeGroups: (error_code, group_id, state, protocol_type, protocol, members, ...) per group.
            return sum(len(group[5]) for response in responses for group in response.groups)
        finally:
            await admin.close()

    return asyncio.run(count())


def consumer_stuck(t: ChaosTarget, plan: ChaosPlan, shop: Shop) -> Outcome:
    """One replica of order (the saga's consumer) SIGSTOPped: once the group misses its heartbeats its
    partitions go to the other replica, and after SIGCONT it rejoins and takes its share back."""
    name = t.stack.running_instances("order")[0]
    handle = t.stack.handle(name)
    if handle is None:
        raise StackError(f"{name} is not running")
    before = group_members(t, "order")
    fewest = before
    handle.send(signal.SIGSTOP)
    t.say(f"    {name} stopped (SIGSTOP) for {plan.stuck_seconds:.0f}s")
    frozen = time.monotonic()
    try:
        while time.monotonic() - frozen < plan.stuck_seconds:
            fewest = min(fewest, group_members(t, "order"))
            time.sleep(2.0)
    finally:
        handle.send(signal.SIGCONT)
    resumed = time.monotonic()
    t.stack.wait_ready(name, 120)
    members = group_members(t, "order")
    while members < before and time.monotonic() - resumed < 120:
        time.sleep(1.0)
        members = group_members(t, "order")
    return Outcome(notes=[
        f"{name} frozen {plan.stuck_seconds:.0f}s, then resumed",
        f"order's consumer group: {before} members before, {fewest} while frozen "
        + ("(the frozen one's partitions went to the other replica)" if fewest < before else "(never left)")
        + f", {members} again {time.monotonic() - resumed:.0f}s after it resumed",
    ])


def _lag(t: ChaosTarget) -> tuple[int, int]:
    """(consumer lag, dead letters) as the broker says."""

    async def sample() -> tuple[int, int]:
        broker = Broker(t.kafka_bootstrap, t.topic_prefix)
        await broker.start()
        try:
            got = await broker.sample()
            return got.lag, got.dead_letters
        finally:
            await broker.stop()

    return asyncio.run(sample())


def soak(t: ChaosTarget, plan: ChaosPlan, shop: Shop) -> Outcome:
    """No fault: the load for `soak_seconds`; the RSS of every service process and the consumers' lag
    sampled as it runs."""
    rss: dict[str, list[tuple[float, float]]] = {}
    lags: list[int] = []
    started = time.monotonic()
    while (elapsed := time.monotonic() - started) < plan.soak_seconds:
        for service in t.services:
            for name in t.stack.running_instances(service):
                handle = t.stack.handle(name)
                stat = read_stat(handle.pid) if handle is not None else None
                if stat is not None:
                    rss.setdefault(name, []).append((elapsed / 60, stat.rss_bytes / MIB))
        lags.append(_lag(t)[0])
        time.sleep(max(0.0, plan.sample_seconds - (time.monotonic() - started - elapsed)))
    slopes = {name: round(slope(points), 3) for name, points in sorted(rss.items())}
    return Outcome(
        notes=[f"{len(lags)} samples over {plan.soak_seconds / 60:.1f} min at {plan.soak_rate:g} checkouts/s"],
        rss_slope_mib_per_min=slopes, max_lag=max(lags, default=0), final_lag=lags[-1] if lags else 0,
    )


# The sandbox PG's own fault for each proxy mode (matjip_sandbox_pg.faults): slow answers after the work
# is done, error answers 500 at once, down holds every call unanswered until its caller hangs up.
SANDBOX_FAULT_KINDS: dict[Mode, str] = {"slow": "slow", "failing": "error", "down": "down"}


def sandbox_fault(edge_url: str, mode: Mode, delay_seconds: float, for_seconds: float) -> dict[str, Any]:
    """Set the sandbox PG's fault for every call (through the edge), lifted by itself after `for_seconds`."""
    body: dict[str, Any] = {"kind": SANDBOX_FAULT_KINDS[mode], "forSeconds": for_seconds}
    if mode == "slow":
        body["delaySeconds"] = delay_seconds
    response = httpx.put(f"{edge_url}{SANDBOX_PG.base_path}/fault", json=body, timeout=10.0)
    response.raise_for_status()
    return dict(response.json())


def clear_sandbox_fault(edge_url: str) -> None:
    httpx.delete(f"{edge_url}{SANDBOX_PG.base_path}/fault", timeout=10.0).raise_for_status()


GATEWAY_DELAY_SECONDS = 8.0
"""How late a slow gateway answers: beyond payment's 5 s adapter timeout (the proxy's default too)."""


def _gateway(mode: Mode) -> Callable[[ChaosTarget, ChaosPlan, Shop], Outcome]:
    def fault(t: ChaosTarget, plan: ChaosPlan, shop: Shop) -> Outcome:
        proxy = t.gateway
        if proxy is not None:
            proxy.mode = mode
            delay, how = proxy.delay, "the fault proxy"
        else:
            sandbox_fault(t.edge_url, mode, GATEWAY_DELAY_SECONDS, plan.gateway_seconds + 30)
            delay, how = GATEWAY_DELAY_SECONDS, "the sandbox PG's own fault"
        try:
            time.sleep(plan.gateway_seconds)
        finally:
            if proxy is not None:
                proxy.mode = "pass"
            else:
                clear_sandbox_fault(t.edge_url)
        held = f"; every answer held {delay:g}s, beyond payment's timeout" if mode == "slow" else ""
        return Outcome(notes=[f"the gateway {mode} for {plan.gateway_seconds:.0f}s{held} ({how})"])

    fault.__doc__ = (f"The payment gateway {mode} for `gateway_seconds`: through the fault proxy "
                     "(matjip_bench.fault_proxy) when there is one, else the sandbox PG's own fault.")
    return fault


Fault = Callable[[ChaosTarget, ChaosPlan, Shop], Outcome]
FAULTS: dict[str, tuple[str, Fault]] = {
    "rolling-restart": ("Rolling restart of every service, one replica at a time (SIGTERM, graceful drain)",
                        rolling_restart),
    "kill-replica": ("SIGKILL of one replica of each service mid-load", kill_replica),
    "kafka-kill": ("Kafka broker SIGKILL and restart", kafka_kill),
    "postgres-restart": ("PostgreSQL restart (fast shutdown) while services run", postgres_restart),
    "redis-restart": ("Redis restart (a cart made before it must survive)", redis_restart),
    "consumer-stuck": ("A consumer stuck (SIGSTOP of one order replica) and resumed", consumer_stuck),
    "gateway-slow": ("The payment gateway slow (answers later than the adapter waits)", _gateway("slow")),
    "gateway-failing": ("The payment gateway failing (every call answered an error at once)", _gateway("failing")),
    "gateway-down": ("The payment gateway down (connections closed, or calls never answered)", _gateway("down")),
    "soak": ("Soak: the load alone, RSS and lag sampled", soak),
}
ZERO_FAILURES = frozenset({"rolling-restart", "soak"})
"""Faults after which not one request may have failed."""


# --- one fault, start to finish ----------------------------------------------------------------------


def _settle(t: ChaosTarget, shop: Shop, timeout: float) -> float:
    """Wait until every order of the shop rests; returns how long it took (the timeout if never)."""

    async def waiting() -> int:
        conn = await invariants.connect(t.database_url)
        try:
            orders = await invariants.fetch_orders(conn, shop.store_id, shop.dish_id)
            charges = await invariants.fetch_charges(conn, [o.order_id for o in orders])
            return invariants.unsettled(orders, charges)
        finally:
            await conn.close()

    started = time.monotonic()
    while time.monotonic() - started < timeout:
        try:
            if asyncio.run(waiting()) == 0:
                return time.monotonic() - started
        except (OSError, asyncpg.PostgresError):
            pass  # PostgreSQL may still be coming back
        time.sleep(1.0)
    return timeout


def _tally(t: ChaosTarget, shop: Shop, hits: Sequence[Hit], keys: Sequence[str], timeout: float) -> invariants.Tally:
    """The invariants over the shop's orders. Announcing (the outbox relay) and notification's consumer may
    still be catching up when the orders rest: read again until both are done or `timeout` has passed."""
    deadline = time.monotonic() + timeout
    while True:
        found = _read_tally(t, shop, hits, keys)
        if not (found.unannounced or found.not_notified) or time.monotonic() > deadline:
            return found
        time.sleep(2.0)


def _read_tally(t: ChaosTarget, shop: Shop, hits: Sequence[Hit], keys: Sequence[str]) -> invariants.Tally:
    async def read() -> invariants.Tally:
        conn = await invariants.connect(t.database_url)
        try:
            orders = await invariants.fetch_orders(conn, shop.store_id, shop.dish_id)
            charges = await invariants.fetch_charges(conn, [o.order_id for o in orders])
            announcements = await invariants.read_announcements(t.kafka_bootstrap, f"{t.topic_prefix}order.events")
            ids = {o.order_id for o in orders}
            events = [e for oid, statuses in announcements.by_order.items() if oid in ids
                      for evs in statuses.values() for e in evs]
            notified = await invariants.notified_counts(conn, events)
            stock = await invariants.stock_of(conn, shop.dish_id)
        finally:
            await conn.close()
        return invariants.tally(
            orders, charges, answered_201=[h.order_id for h in hits if h.order_id], keys_sent=keys,
            initial_stock=INITIAL_STOCK, stock_now=stock, announcements=announcements, notified=notified,
        )

    return asyncio.run(read())


def run_fault(t: ChaosTarget, plan: ChaosPlan, name: str, owner: Customer, customers: list[Customer],
              work: Path) -> FaultResult:
    title, inject = FAULTS[name]
    t.say(f"== {name}: {title}")
    rate = plan.soak_rate if name == "soak" else plan.rate
    seconds = plan.lead_seconds + plan.max_fault_seconds + plan.tail_seconds
    if name == "soak":
        seconds = plan.soak_seconds + plan.lead_seconds + plan.tail_seconds + 60
    refresh(t.edge_url, [owner, *customers], seconds + 60)
    shop = open_shop(t.edge_url, owner, customers, f"Chaos {name} {uuid.uuid4().hex[:6]}")
    work.mkdir(parents=True, exist_ok=True)
    dead_before = _lag(t)[1]
    keys: list[str] = []
    load = Load(work, checkouts(t.edge_url, shop, keys), rate=rate, seconds=seconds, timeout=plan.request_timeout)
    try:
        time.sleep(plan.lead_seconds)
        fault_started = time.time()
        outcome = inject(t, plan, shop)
        fault_seconds = time.time() - fault_started
        t.say(f"    fault over after {fault_seconds:.1f}s; load for {plan.tail_seconds:.0f}s more")
        time.sleep(plan.tail_seconds)
    finally:
        hits = load.stop()
    settle = _settle(t, shop, plan.settle_timeout)
    tally = _tally(t, shop, hits, keys, timeout=max(30.0, plan.settle_timeout - settle))
    failed = [h for h in hits if h.code != 201]
    failures: dict[str, int] = {}
    for h in failed:
        what = str(h.code) if h.code else (h.error[-80:] or "no answer")
        failures[what] = failures.get(what, 0) + 1
    ends = [h.at + h.latency_s - fault_started for h in failed]
    result = FaultResult(
        fault=name, title=title, sent=len(hits), failed=len(failed), failures=failures,
        recover_seconds=round(max([0.0, *ends]), 1), fault_seconds=round(fault_seconds, 1),
        settle_seconds=round(settle, 1), dead_letters=_lag(t)[1] - dead_before, tally=tally, outcome=outcome,
    )
    verdict = result.violations(zero_failures=name in ZERO_FAILURES)
    t.say(f"    sent {result.sent}, failed {result.failed} {failures or ''}; placed {tally.placed}, "
          f"lost {tally.lost}, duplicated {tally.duplicated}; " + (f"BROKEN: {verdict}" if verdict else "all hold"))
    return result


def run(t: ChaosTarget, plan: ChaosPlan, work: Path) -> list[FaultResult]:
    """Every fault of the plan in turn, on the same owner and customers."""
    unknown = [f for f in plan.faults if f not in FAULTS]
    if unknown:
        raise StackError(f"unknown faults {unknown}; known: {', '.join(FAULTS)}")
    owner, customers = people(t.edge_url, plan.customers)
    results = []
    for name in plan.faults:
        try:
            results.append(run_fault(t, plan, name, owner, customers, work / name))
        except Exception as exc:  # one fault that could not run must not hide the others' results
            t.say(f"    could not run {name}: {exc!r}")
            results.append(errored(name, exc))
    return results


def errored(name: str, exc: Exception) -> FaultResult:
    """The result of a fault that could not be run to its end (counted as broken)."""
    zero = invariants.Tally(**{f.name: 0 for f in fields(invariants.Tally)})
    return FaultResult(
        fault=name, title=FAULTS[name][0], sent=0, failed=0, failures={}, recover_seconds=0.0, fault_seconds=0.0,
        settle_seconds=0.0, dead_letters=0, tally=zero,
        outcome=Outcome(notes=[f"the fault could not be run to its end: {exc!r}"[:500]], violations=["errored=1"]),
    )
