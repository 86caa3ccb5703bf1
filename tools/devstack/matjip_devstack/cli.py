"""`./matjip`: the local stack's command line (up, down, status, restart, logs, topics, tail, psql, test, bench,
chaos, demo, cluster)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Protocol

import httpx

from matjip_devstack import config, web
from matjip_devstack.cluster import cli as cluster_cli
from matjip_devstack.edge import parse_upstreams, spawn_edge, web_root_default
from matjip_devstack.edge_control import ROUTING_FILE, EdgeControl
from matjip_devstack.infra import ensure_infra, stop_infra
from matjip_devstack.kafka import Kafka
from matjip_devstack.paths import ADMIN_ENV, DEMO_ENV, LOGS, ROOT, RUN, ensure_dirs
from matjip_devstack.postgres import Postgres
from matjip_devstack.processes import (
    StackError,
    log_tail,
    read_pidfile,
    spawn,
    stop_pidfile,
    wait_until,
)
from matjip_devstack.progress import StartupProgress
from matjip_devstack.prometheus import Prometheus
from matjip_devstack.redis_server import Redis
from matjip_devstack.replicas import Replicas, load_counts, save_counts
from matjip_devstack.secrets import admin_env, auth_env, sandbox_pg_key
from matjip_devstack.services import PROCESSES, SERVICES
from matjip_devstack.stack import ServiceStack, parse_replicas
from matjip_devstack.topics import end_offsets, run_sync
from matjip_devstack.zipkin import Zipkin

if TYPE_CHECKING:
    from matjip_demo.commands import Target

EDGE_PIDFILE = RUN / "edge.pid"
EDGE_STATE = RUN / "edge"
SUPERVISOR_PIDFILE = RUN / "supervisor.pid"


class _Component(Protocol):
    name: str

    def stop(self) -> bool: ...


def _rel(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _edge_healthy() -> bool:
    try:
        return httpx.get(f"http://{config.HOST}:{config.EDGE_PORT}/health/live", timeout=2.0).status_code == 200
    except httpx.HTTPError:
        return False


def edge_control() -> EdgeControl | None:
    """The running edge's control, None when no edge runs."""
    return EdgeControl(EDGE_STATE) if read_pidfile(EDGE_PIDFILE) is not None else None


def start_edge(upstreams: dict[str, list[str]]) -> bool:
    """Start the edge (nginx) in its own process, or point the running one at `upstreams`; True if this
    call started it. MATJIP_EDGE_UPSTREAMS, when set, replaces `upstreams`."""
    raw = os.environ.get("MATJIP_EDGE_UPSTREAMS")
    if raw:
        upstreams = parse_upstreams(raw)
    if read_pidfile(EDGE_PIDFILE) is not None:
        wait_until(_edge_healthy, 30, "the edge")
        EdgeControl(EDGE_STATE).set_upstreams(upstreams)
        return False
    if _edge_healthy():
        return False
    log = LOGS / "edge.log"
    (EDGE_STATE / ROUTING_FILE).unlink(missing_ok=True)  # nothing is draining in a new edge
    handle = spawn_edge(port=config.EDGE_PORT, upstreams=upstreams, state_dir=EDGE_STATE,
                        log_path=log, web_root=web_root_default(), pid_dir=RUN)

    def ready() -> bool:
        if not handle.alive():
            raise StackError(f"the edge exited at start:\n{log_tail(log)}")
        return _edge_healthy()

    wait_until(ready, 30, "the edge")
    return True


def start_supervisor() -> bool:
    """The edge's active health checks (matjip_devstack.supervisor); True if this call started it."""
    if read_pidfile(SUPERVISOR_PIDFILE) is not None:
        return False
    spawn("supervisor", [sys.executable, "-m", "matjip_devstack.supervisor", "--state-dir", str(EDGE_STATE)],
          log_path=LOGS / "supervisor.log", pid_dir=RUN)
    return True


def stop_supervisor() -> bool:
    stopped = stop_pidfile(SUPERVISOR_PIDFILE, 10)
    control = edge_control()
    if stopped and control is not None:
        control.set_unhealthy(())  # nobody checks any more: route to every replica
    return stopped


def service_stack(*, starting: bool = False, observability: bool = False,
                  replicas: dict[str, int] | None = None) -> ServiceStack:
    """The dev stack's services: conventions' ports, logs in .data/logs, pid files in .data/run, the replica
    counts of the last `up` unless given."""
    # The platform exports traces to Zipkin when MATJIP_ZIPKIN_ENDPOINT is set (OTLP needs a collector).
    env = {"MATJIP_ZIPKIN_ENDPOINT": f"{Zipkin().url()}/api/v2/spans"} if observability else {}
    # Only a start needs (and so creates) the dev secrets.
    counts = replicas if replicas is not None else load_counts(RUN)
    if not starting:
        return ServiceStack(env, LOGS, pid_dir=RUN, replicas=counts)
    return ServiceStack(env, LOGS, pid_dir=RUN, service_env={"auth": auth_env()}, replicas=counts,
                        sandbox_pg_key=sandbox_pg_key())


# --- up / down --------------------------------------------------------------------------------------


def _print_table(stack: ServiceStack | None, services: Sequence[str], observability: bool) -> None:
    rows: list[tuple[str, str]] = []
    if stack is not None:
        edge = f"http://{config.HOST}:{config.EDGE_PORT}"
        rows.append(("edge", f"{edge}/api/<service>/..."))
        for svc in PROCESSES:
            if svc.name in services:
                direct = ", ".join(stack.url(n) for n in stack.instances(svc.name))
                rows.append((svc.name, f"{edge}/api/{svc.name}/  (direct {direct}, docs {edge}/api/{svc.name}/docs)"))
            else:
                rows.append((svc.name, f"not started (module {svc.module} is not installed)"))
    if observability:
        rows.append(("prometheus", f"http://{config.HOST}:{config.PROMETHEUS_PORT}"))
        rows.append(("zipkin", f"http://{config.HOST}:{config.ZIPKIN_PORT}"))
    rows += [
        ("postgres", f"{config.DATABASE_URL}   (./matjip psql)"),
        ("redis", config.REDIS_URL),
        ("kafka", f"{config.KAFKA_BOOTSTRAP}   (./matjip topics, ./matjip tail <topic>)"),
    ]
    if stack is not None:
        rows.append(("admin login", f"{_rel(ADMIN_ENV)} ({admin_env()['MATJIP_ADMIN_EMAIL']})"))
        rows += _demo_rows()
    rows.append(("logs", f"{_rel(LOGS)}/<name>.log   (./matjip logs <name> -f)"))
    width = max(len(name) for name, _ in rows)
    print("\nMatjip local stack is ready:")
    for name, value in rows:
        print(f"  {name.ljust(width)}  {value}")
    print(flush=True)


class _Stopping(Exception):
    pass


def _raise_stopping(signum: int, _frame: FrameType | None) -> None:
    raise _Stopping(signal.Signals(signum).name)


def cmd_up(args: argparse.Namespace) -> int:
    ensure_dirs()
    progress = StartupProgress()
    observability = not args.no_observability
    # What this invocation starts, in start order; stopped in reverse on Ctrl-C, SIGTERM or failure.
    started: list[tuple[str, Callable[[], object]]] = []
    ready = False
    prev_int = signal.signal(signal.SIGINT, _raise_stopping)
    prev_term = signal.signal(signal.SIGTERM, _raise_stopping)
    progress.start()
    try:
        # Infrastructure not running now is ours to stop, even if start-up is interrupted halfway.
        for component in (Postgres(), Redis(), Kafka()):
            if not component.running():
                started.append((component.name, component.stop))
        prometheus, zipkin = Prometheus(), Zipkin()
        if observability:
            # Both take seconds to start: launch them first, wait for them last.
            for obs in (prometheus, zipkin):
                if obs.launch():
                    started.append((obs.name, obs.stop))
        with progress.waiting_for("PostgreSQL, Redis and Kafka (the broker's JVM takes a few seconds)"):
            ensure_infra()
        progress("PostgreSQL, Redis and Kafka ready, topics created")
        stack: ServiceStack | None = None
        services: list[str] = []
        if not args.infra_only:
            counts = _wanted_replicas(args.replicas)
            stack = service_stack(starting=True, observability=observability, replicas=counts)
            services = [s.name for s in PROCESSES if s.installed()]
            missing = [s.name for s in PROCESSES if not s.installed()]
            if missing:
                print(f"warning: not installed, skipped: {', '.join(missing)}", file=sys.stderr)
            new = [n for n in services if not stack.running_instances(n)]
            if new:
                started.append(("services", partial(_stop_services, stack, new)))
            not_ready = set(services)

            def track(step: str) -> None:
                progress(step)
                if step.endswith(" ready"):
                    not_ready.discard(step.removesuffix(" ready"))

            # The web app builds (npm ci the first time) while the services migrate and start.
            builder = ThreadPoolExecutor(1, thread_name_prefix="web-build")
            try:
                web_build = builder.submit(web.ensure_built, progress)
                with progress.waiting_for(lambda: f"services to be ready: {', '.join(sorted(not_ready))}"):
                    stack.migrate_and_start(services, progress=track)
                save_counts(RUN, stack.replicas)
                with progress.waiting_for("the web app's build (npm ci, vite build)"):
                    if web_build.result():
                        progress("web app built (web/dist)")
            finally:
                builder.shutdown(wait=False, cancel_futures=True)
            if start_edge(stack.upstreams(services)):
                started.append(("edge", lambda: stop_pidfile(EDGE_PIDFILE, 10)))
            progress("edge (nginx) ready")
            # Replicas an earlier `up` ran beyond the counts asked now: out of the edge (done above), stopped.
            for name in services:
                for extra in stack.running_instances(name)[stack.replicas[name]:]:
                    stack.stop(extra)
                    progress(f"{extra} stopped (beyond --replicas)")
            if max(stack.replicas.values()) > 1:
                if start_supervisor():
                    started.append(("supervisor", stop_supervisor))
                progress("edge health checks (supervisor) running")
            else:
                stop_supervisor()
        if observability:
            with progress.waiting_for("Prometheus and Zipkin"):
                prometheus.wait_healthy()
                zipkin.wait_healthy()
            progress("Prometheus and Zipkin ready")
        progress.stop()
        _print_table(stack, services, observability)
        print(f"(ready in {progress.elapsed():.1f}s)", flush=True)
        ready = True
        if stack is not None:
            _offer_demo_city(seed=args.seed)
        if args.detach:
            print("running in the background; stop it with ./matjip down", flush=True)
            return 0
        print("Ctrl-C stops what this command started.", flush=True)
        _watch(stack, services)
        return 0
    except _Stopping as exc:
        print(f"\n{exc}: stopping ...", flush=True)
        return 0 if ready else 130
    except (StackError, TimeoutError, subprocess.CalledProcessError) as exc:
        print(f"\nerror: {exc}", file=sys.stderr)
        return 1
    finally:
        progress.stop()
        if not (ready and args.detach):
            _stop_started(started)
        signal.signal(signal.SIGINT, prev_int)
        signal.signal(signal.SIGTERM, prev_term)


def _wanted_replicas(values: list[str] | None) -> dict[str, int]:
    """--replicas as given, else what the running stack was started with."""
    names = [s.name for s in SERVICES]
    if values:
        return parse_replicas(values, names)
    running = ServiceStack(pid_dir=RUN)
    if any(running.running(n) for n in names):
        return {n: 1 for n in names} | load_counts(RUN)
    return dict.fromkeys(names, 1)


def _stop_services(stack: ServiceStack, names: list[str]) -> None:
    stack.stop_all(names)


def _watch(stack: ServiceStack | None, services: Sequence[str]) -> None:
    """Stay in the foreground until a signal; report services that die meanwhile."""
    reported: set[str] = set()
    while True:
        time.sleep(1.0)
        if stack is None:
            continue
        for name in (n for service in services for n in stack.instances(service)):
            if name not in reported and not stack.running(name):
                reported.add(name)
                print(f"!! {name} exited; last lines of {_rel(stack.log_path(name))}:\n"
                      f"{log_tail(stack.log_path(name), 15)}", file=sys.stderr, flush=True)


def _stop_started(started: list[tuple[str, Callable[[], object]]]) -> None:
    # A second Ctrl-C must not abort the clean shutdown halfway.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    # The supervisor, then services (they drain requests still arriving through the edge), then the rest in
    # reverse.
    ordered = sorted(reversed(started), key=lambda item: {"supervisor": 0, "services": 1}.get(item[0], 2))
    for name, stop in ordered:
        print(f"stopping {name} ...", flush=True)
        try:
            stop()
        except Exception as exc:  # keep stopping the rest
            print(f"  could not stop {name}: {exc}", file=sys.stderr)
    print("stopped.", flush=True)


def stop_everything(verbose: bool = True) -> list[str]:
    """Stop every process of the local stack found through pid files (and our PostgreSQL cluster)."""
    stopped: list[str] = []
    if stop_pidfile(SUPERVISOR_PIDFILE, 10):
        stopped.append("supervisor")
    stack = service_stack() if RUN.exists() else None
    if stack is not None:
        for svc in PROCESSES:
            stopped += stack.running_instances(svc.name)
        stack.stop_all()
    components: list[tuple[str, Callable[[], bool]]] = [
        ("edge", lambda: stop_pidfile(EDGE_PIDFILE, 10)),
        ("zipkin", Zipkin().stop),
        ("prometheus", Prometheus().stop),
        ("kafka", Kafka().stop),
        ("redis", Redis().stop),
        ("postgres", Postgres().stop),
    ]
    for name, stop in components:
        if stop():
            stopped.append(name)
            if verbose:
                print(f"stopped {name}", flush=True)
    return stopped


def cmd_down(_: argparse.Namespace) -> int:
    stopped = stop_everything()
    print(f"stopped: {', '.join(stopped)}" if stopped else "nothing was running")
    return 0


# --- status / logs / topics / tail / psql ------------------------------------------------------------


def cmd_status(_: argparse.Namespace) -> int:
    ensure_dirs()
    stack = service_stack()
    rows: list[tuple[str, str, str]] = []
    pg = Postgres()
    rows.append(("postgres", _state(pg.running(), pg.healthy()), config.DATABASE_URL))
    redis = Redis()
    rows.append(("redis", _state(redis.running(), redis.healthy()), config.REDIS_URL))
    kafka = Kafka()
    kafka_running = kafka.running()
    rows.append(("kafka", _state(kafka_running, kafka_running and kafka.healthy()), config.KAFKA_BOOTSTRAP))
    prom, zipkin = Prometheus(), Zipkin()
    rows.append(("prometheus", _state(prom.running(), prom.healthy()), prom.url()))
    rows.append(("zipkin", _state(zipkin.running(), zipkin.healthy()), zipkin.url()))
    control = edge_control()
    routing = control.routing() if control is not None else None
    routed = control.settings() if control is not None else None
    for svc in PROCESSES:
        if not svc.installed():
            rows.append((svc.name, "not installed", ""))
            continue
        names = sorted(set(stack.instances(svc.name)) | set(stack.running_instances(svc.name)),
                       key=lambda n: stack.port(n))
        for name in names:
            url = stack.url(name)
            state = _state(stack.running(name), stack.ready(name))
            pid = handle.pid if (handle := stack.handle(name)) is not None else None
            note = f"pid {pid}" if pid else ""
            if routed is not None and routing is not None:
                if url not in routed.upstreams.get(svc.name, []):
                    note += ", not behind the edge"
                elif url in routing.draining:
                    note += ", draining (out of the edge)"
                elif url in routed.down:
                    note += ", out of the edge (failing readiness)"
            rows.append((name, state, f"{url}  {note.strip(', ')}".rstrip()))
    edge_running = read_pidfile(EDGE_PIDFILE) is not None
    rows.append(("edge", _state(edge_running, _edge_healthy()), f"http://{config.HOST}:{config.EDGE_PORT}"))
    supervisor = read_pidfile(SUPERVISOR_PIDFILE)
    rows.append(("supervisor", "up" if supervisor else "down",
                 f"pid {supervisor.pid}: edge health checks" if supervisor else "(runs with more than one replica)"))
    width = max(len(name) for name, _, _ in rows) + 1
    for name, state, url in rows:
        print(f"{name:<{width}} {state:<10} {url}")
    return 0


def cmd_restart(args: argparse.Namespace) -> int:
    """A rolling restart: each replica in turn drained, stopped gracefully, started, back in rotation."""
    stack = service_stack(starting=True, observability=Zipkin().running())
    names = args.services or [s.name for s in SERVICES if stack.running_instances(s.name)]
    replicas = Replicas(stack, edge_control(), progress=lambda step: print(step, flush=True))
    started = time.monotonic()
    replicas.rolling_restart(names)
    print(f"restarted {', '.join(names)} one replica at a time in {time.monotonic() - started:.1f}s")
    return 0


def _state(running: bool, healthy: bool) -> str:
    if healthy:
        return "up" if running else "up (external)"
    return "starting?" if running else "down"


def cmd_logs(args: argparse.Namespace) -> int:
    path = LOGS / f"{args.name}.log"
    if not path.exists():
        known = sorted(p.stem for p in LOGS.glob("*.log")) if LOGS.exists() else []
        print(f"no log {_rel(path)}; known: {', '.join(known) or 'none'}", file=sys.stderr)
        return 1
    argv = ["tail", "-n", str(args.lines), *(["-F"] if args.follow else []), str(path)]
    os.execvp("tail", argv)


def cmd_topics(args: argparse.Namespace) -> int:
    offsets = run_sync(end_offsets(args.bootstrap))
    if not offsets:
        print("no topics")
    width = max((len(t) for t in offsets), default=10)
    for topic, parts in offsets.items():
        ends = " ".join(f"{p}:{o}" for p, o in parts.items())
        print(f"{topic.ljust(width)}  total {sum(parts.values()):>8}   {ends}")
    return 0


async def _tail(topic: str, bootstrap: str, from_beginning: bool, limit: int | None) -> None:
    from aiokafka import AIOKafkaConsumer

    # No group id: reading with `tail` must not move any service's committed offsets.
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False,
        auto_offset_reset="earliest" if from_beginning else "latest",
    )
    await consumer.start()
    count = 0
    try:
        async for msg in consumer:
            raw = msg.value or b""
            try:
                value: object = json.loads(raw)
            except ValueError:
                value = raw.decode(errors="replace")
            print(json.dumps({
                "topic": msg.topic, "partition": msg.partition, "offset": msg.offset,
                "timestamp": msg.timestamp,
                "key": msg.key.decode(errors="replace") if msg.key is not None else None,
                "headers": {k: v.decode(errors="replace") for k, v in msg.headers},
                "value": value,
            }, ensure_ascii=False), flush=True)
            count += 1
            if limit is not None and count >= limit:
                return
    finally:
        await consumer.stop()


def cmd_tail(args: argparse.Namespace) -> int:
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_tail(args.topic, args.bootstrap, args.from_beginning, args.limit))
    return 0


def cmd_psql(args: argparse.Namespace) -> int:
    argv = Postgres().psql_argv(config.DB_USER, config.DATABASE) + list(args.psql_args)
    os.execv(argv[0], argv)


# --- demo -------------------------------------------------------------------------------------------


def demo_target() -> Target:
    """Where the demo city goes: this stack's edge, and this checkout's .data/demo.env."""
    from matjip_demo.accounts import Urls
    from matjip_demo.commands import Target

    edge = f"http://{config.HOST}:{config.EDGE_PORT}"
    return Target(Urls(edge=edge, zipkin=Zipkin().url(), prometheus=Prometheus().url()), DEMO_ENV)


def _demo_rows() -> list[tuple[str, str]]:
    from matjip_demo.commands import account_rows

    rows = account_rows(demo_target())
    return [(name, f"{value}   ({_rel(DEMO_ENV)})") for name, value in rows]


def _offer_demo_city(*, seed: bool) -> None:
    """On an empty platform, offer the demo city (never load it unasked: `--seed` or a yes at the prompt)."""
    from matjip_demo import commands

    target = demo_target()
    try:
        empty = commands.platform_is_empty(target.urls.edge)
    except httpx.HTTPError:
        return
    if commands.wants_the_city(empty=empty, asked_for=seed, ask=input if sys.stdin.isatty() else None):
        commands.seed(target)
    elif empty:
        print("The platform is empty: `./matjip demo seed` loads a demo city, `./matjip demo rush` a dinner rush.",
              flush=True)


def cmd_demo(args: argparse.Namespace) -> int:
    from matjip_demo import commands
    from matjip_demo.rush.plan import RushPlan

    ensure_dirs()
    target = demo_target()
    if args.demo_command == "seed":
        return commands.seed(target, only=args.only)
    try:
        plan = RushPlan(rate=args.rate, minutes=args.minutes, seed=args.seed)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return commands.rush(target, plan, leave_demo_store=args.leave_demo_store)


# --- test --------------------------------------------------------------------------------------------


def mypy_targets() -> list[str]:
    """The Python packages (directories with __init__.py) and loose modules of every member folder.

    Packages rather than whole folders: every service has its own tests/conftest.py and mypy refuses
    two top-level modules with the same name.
    """
    targets: list[str] = []
    members = [m for group in ("libs", "services", "tools") for m in sorted((ROOT / group).glob("*/"))]
    for member in [*members, ROOT / "bench"]:
        for entry in sorted(member.iterdir()):
            package = entry.is_dir() and (entry / "__init__.py").exists()
            script = entry.suffix == ".py" and entry.name != "conftest.py"  # e.g. a tool's generator
            if package or script:
                targets.append(str(entry.relative_to(ROOT)))
    return targets


def _step(title: str, argv: Sequence[str], env: dict[str, str]) -> int:
    print(f"\n=== {title}: {' '.join(argv)}", flush=True)
    return subprocess.run(list(argv), cwd=ROOT, env=env, stdin=subprocess.DEVNULL).returncode


def _start_cluster_prebuild(pytest_args: Sequence[str], env: dict[str, str]) -> subprocess.Popen[bytes] | None:
    """Start building the cluster's programs when this run includes tests/cluster (once per version)."""
    paths = [a for a in pytest_args if not a.startswith("-")]
    if paths and not any(p.rstrip("/").startswith("tests/cluster") or p in (".", "tests") for p in paths):
        return None
    log = LOGS / "cluster-build.log"
    print(f"building tests/cluster's control plane and controllers in the background if needed "
          f"(log: {_rel(log)})", flush=True)
    with log.open("ab") as out:
        return subprocess.Popen(["nice", "-n", "19", sys.executable, "-m", "matjip_devstack.cluster.build"],
                                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True)


def _web_checks(env: dict[str, str]) -> list[str]:
    """The web app's build (which its browser tests load), type check, lint and unit tests; what failed."""
    print("\n=== web: npm ci and vite build when their inputs changed, Chromium for the browser tests", flush=True)
    try:
        web.ensure_built()
        web.ensure_chromium()
    except StackError as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
        return ["web build"]
    failed = []
    for title, script in (("web typecheck", "typecheck"), ("web lint", "lint"), ("web unit tests", "test")):
        if _step(title, ["npm", "--prefix", "web", "run", "--silent", script], env) != 0:
            failed.append(title)
    return failed


def cmd_test(args: argparse.Namespace) -> int:
    ensure_dirs()
    py = sys.executable
    infra = ensure_infra()
    if infra.started:
        print(f"started for this run: {', '.join(infra.started)} (stopped again at the end)", flush=True)
    env = os.environ | {
        "MATJIP_DATABASE_URL": infra.database_url,
        "MATJIP_KAFKA_BOOTSTRAP": infra.kafka_bootstrap,
        "MATJIP_REDIS_URL": infra.redis_url,
    }
    # The cluster's programs take the longest to build on a cold machine: build them at the lowest
    # priority beside lint and the other suites (mostly waiting on Kafka and HTTP) instead of after them.
    prebuild = _start_cluster_prebuild(args.pytest_args, env)
    try:
        failed: list[str] = []
        if _step("ruff", [py, "-m", "ruff", "check", "."], env) != 0:
            failed.append("ruff")
        if _step("mypy", [py, "-m", "mypy", *mypy_targets()], env) != 0:
            failed.append("mypy")
        failed += _web_checks(env)
        if failed:
            # Said before pytest so that pytest's own summary stays the last line of the run.
            print(f"\n{', '.join(failed)} failed: the run will exit non-zero", flush=True)
        code = _step("pytest", [py, "-m", "pytest", *args.pytest_args], env)
    finally:
        if prebuild is not None and prebuild.poll() is None:
            # Its own session: stop the go commands it started too (a later run resumes from Go's cache).
            with contextlib.suppress(ProcessLookupError):
                os.killpg(prebuild.pid, signal.SIGTERM)
            prebuild.wait(30)
        if infra.started:
            stop_infra(infra.started)
    # pytest's 5 ("no tests collected") is a failure too: a suite that runs nothing proves nothing.
    return 1 if failed or code != 0 else 0


# --- bench -------------------------------------------------------------------------------------------


def cmd_bench(args: argparse.Namespace) -> int:
    # The harness is its own package (bench/), run like a service is: by module name.
    argv = [sys.executable, "-m", "matjip_bench", *args.bench_args]
    os.execv(argv[0], argv)


def cmd_chaos(args: argparse.Namespace) -> int:
    # Faults under load and docs/resilience.md: the benchmark's package (bench/) holds the harness.
    argv = [sys.executable, "-m", "matjip_bench.chaos_cli", *args.chaos_args]
    os.execv(argv[0], argv)


# --- entry point ------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="./matjip", description="Matjip's local stack, no containers.")
    sub = parser.add_subparsers(dest="command", required=True)

    up = sub.add_parser("up", help="install what is missing and start everything")
    up.add_argument("--detach", "-d", action="store_true", help="return once ready, leave it running")
    up.add_argument("--no-observability", action="store_true", help="skip Prometheus and Zipkin")
    up.add_argument("--infra-only", action="store_true", help="only PostgreSQL, Redis, Kafka (+ observability)")
    up.add_argument("--replicas", nargs="+", metavar="N|SERVICE=N",
                    help="processes per service behind the edge, e.g. `--replicas 2 order=3` (default 1; "
                    "a running stack keeps its counts)")
    up.add_argument("--seed", action="store_true", help="load the demo city if the platform is empty (no prompt)")
    up.set_defaults(func=cmd_up)

    restart = sub.add_parser("restart", help="rolling restart: one replica at a time, drained before it stops")
    restart.add_argument("services", nargs="*", metavar="SERVICE", help="default: every running service")
    restart.set_defaults(func=cmd_restart)

    sub.add_parser("down", help="stop a detached, crashed or half-started stack").set_defaults(func=cmd_down)
    sub.add_parser("status", help="what runs and whether it is healthy").set_defaults(func=cmd_status)

    logs = sub.add_parser("logs", help="show a process's log (.data/logs/<name>.log)")
    logs.add_argument("name")
    logs.add_argument("-f", "--follow", action="store_true")
    logs.add_argument("-n", "--lines", type=int, default=200)
    logs.set_defaults(func=cmd_logs)

    topics = sub.add_parser("topics", help="list topics with their partitions' end offsets")
    topics.add_argument("--bootstrap", default=config.KAFKA_BOOTSTRAP)
    topics.set_defaults(func=cmd_topics)

    tail = sub.add_parser("tail", help="print a topic's messages (with headers) as JSON lines")
    tail.add_argument("topic")
    tail.add_argument("--from-beginning", action="store_true")
    tail.add_argument("-n", "--limit", type=int, default=None, help="exit after this many messages")
    tail.add_argument("--bootstrap", default=config.KAFKA_BOOTSTRAP)
    tail.set_defaults(func=cmd_tail)

    psql = sub.add_parser("psql", help="psql on the local database (extra arguments go to psql)")
    psql.add_argument("psql_args", nargs="*", metavar="PSQL_ARG")
    psql.set_defaults(func=cmd_psql)

    demo = sub.add_parser("demo", help="the demo city and its dinner rush (through the running platform)")
    demo_sub = demo.add_subparsers(dest="demo_command", required=True)
    seed = demo_sub.add_parser("seed", help="load the demo city: people, stores, menus, reviews (idempotent)")
    seed.add_argument("--only", action="append", metavar="STORE_KEY",
                      help="only this store (repeatable; the demo store always comes): a quick partial city")
    rush = demo_sub.add_parser("rush", help="simulate a dinner rush of customers and owners, then summarise it")
    rush.add_argument("--rate", type=float, default=1.0, help="customers arriving per second (default 1)")
    rush.add_argument("--minutes", type=float, default=5.0, help="how long customers keep arriving (default 5)")
    rush.add_argument("--seed", type=int, default=1, help="seed of the rush's random choices (default 1)")
    rush.add_argument("--leave-demo-store", action="store_true",
                      help="no simulated owner at the demo store: you run it in the app as the demo owner")
    demo.set_defaults(func=cmd_demo)

    test = sub.add_parser(
        "test", help="ruff, mypy, the web app's checks and pytest on the whole tree, infrastructure included"
    )
    test.add_argument("pytest_args", nargs="*", metavar="PYTEST_ARG", help="passed to pytest")
    test.set_defaults(func=cmd_test)

    bench = sub.add_parser("bench", help="the platform under load beside pgbench and Kafka's limits (see --help)")
    bench.add_argument("bench_args", nargs="*", metavar="BENCH_ARG", help="see ./matjip bench --help")
    bench.set_defaults(func=cmd_bench)

    chaos = sub.add_parser("chaos", help="faults under load with nothing lost; writes docs/resilience.md (see --help)")
    chaos.add_argument("chaos_args", nargs="*", metavar="CHAOS_ARG", help="see ./matjip chaos --help")
    chaos.set_defaults(func=cmd_chaos)

    cluster_cli.add_parser(sub)
    return parser


_PASS_THROUGH = ("psql", "test", "bench", "chaos")  # everything after these goes to psql / pytest / the harness


def main(argv: Sequence[str] | None = None) -> int:
    # `./matjip topics | head` should end quietly, not with a BrokenPipeError traceback.
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    args_list = list(sys.argv[1:] if argv is None else argv)
    rest: list[str] = []
    if args_list and args_list[0] in _PASS_THROUGH:
        # argparse would try to read psql's or pytest's own options (-c, -k, -x) as ours.
        args_list, rest = args_list[:1], args_list[1:]
    elif args_list[:2] == ["cluster", "test"]:
        args_list, rest = args_list[:2], args_list[2:]
    args = build_parser().parse_args(args_list)
    if args.command == "psql":
        args.psql_args = rest
    elif args.command == "test" or (args.command == "cluster" and args.cluster_command == "test"):
        args.pytest_args = rest
    elif args.command == "bench":
        args.bench_args = rest
    elif args.command == "chaos":
        args.chaos_args = rest
    try:
        code: int = args.func(args)
    except StackError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return code
