"""The edge in front of several replicas (real nginx, real uvicorn processes): balancing, draining before a
stop, the supervisor's health checks, and what happens to the request after a 500."""

from __future__ import annotations

import signal
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from matjip_devstack.edge import render_config, spawn_edge
from matjip_devstack.edge_control import EdgeControl, Routing, out_of_rotation
from matjip_devstack.processes import Handle, StackError, port_open, spawn, wait_until
from matjip_devstack.stack import free_ports, parse_replicas

HERE = Path(__file__).parent
SERVICES = ["auth", "order", "store"]


class Replicas:
    """Replica processes of a stand-in `order` service behind an edge of their own."""

    def __init__(self, work: Path, names: list[str], mode: str) -> None:
        self.work = work
        self.mode = mode
        self.ports = free_ports([*names, "edge"])
        self.handles: dict[str, Handle] = {}
        for name in names:
            self.start(name)
        self.edge = spawn_edge(port=self.ports["edge"], upstreams={"order": [self.url(n) for n in names]},
                               state_dir=work / "edge", log_path=work / "edge.log")
        wait_until(lambda: all(port_open(p) for p in self.ports.values()), 30, "replicas and edge")
        self.control = EdgeControl(work / "edge")
        self.edge_url = f"http://127.0.0.1:{self.ports['edge']}"

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"

    def start(self, name: str) -> None:
        self.handles[name] = spawn(name, [sys.executable, str(HERE / "replica_app.py"), str(self.ports[name]), name,
                                          self.mode], log_path=self.work / f"{name}.log")
        wait_until(lambda: port_open(self.ports[name]), 30, name)

    def close(self) -> None:
        self.edge.stop(5)
        for handle in self.handles.values():
            handle.stop(5)


@pytest.fixture
def replicas(tmp_path: Path) -> Iterator[Replicas]:
    running = Replicas(tmp_path, ["a", "b"], "platform")
    try:
        yield running
    finally:
        running.close()


def served_by(edge_url: str, count: int) -> Counter[str]:
    with httpx.Client(base_url=edge_url, timeout=10) as client:
        return Counter(client.get("/api/order/who").headers.get("x-replica", "none") for _ in range(count))


def test_requests_are_spread_over_replicas_and_a_drained_one_gets_none(replicas: Replicas) -> None:
    assert set(served_by(replicas.edge_url, 40)) == {"a", "b"}
    assert replicas.control.drain(replicas.url("a"))
    assert served_by(replicas.edge_url, 40) == Counter({"b": 40})
    assert replicas.control.undrain(replicas.url("a"))
    assert set(served_by(replicas.edge_url, 40)) == {"a", "b"}


def keyed_checkout(client: httpx.Client, key: str) -> tuple[int, int]:
    """(status, resends) of a checkout sent the way Go's net/http (vegeta) and browsers send it: a request
    that may be replayed (an Idempotency-Key makes a POST so) is resent once when the keep-alive connection
    it went out on was closed before any byte of an answer, which an nginx reload does to idle client
    connections of its old workers (RFC 9112 9.3.1)."""
    for resends in range(2):
        try:
            answer = client.post("/api/order/orders", content=b"{}", headers={"Idempotency-Key": key})
            return answer.status_code, resends
        except httpx.RemoteProtocolError:
            continue
    return 0, 2


def test_a_replica_drained_then_stopped_under_traffic_fails_no_request(replicas: Replicas) -> None:
    statuses: Counter[int] = Counter()
    resent: Counter[int] = Counter()
    stop = threading.Event()

    def traffic(worker: int) -> None:
        with httpx.Client(base_url=replicas.edge_url, timeout=10) as client:
            n = 0
            while not stop.is_set():
                n += 1
                try:
                    status, resends = keyed_checkout(client, f"key-{worker}-{n:08d}")
                except httpx.HTTPError as exc:
                    status, resends = -1, 0
                    print(f"request failed: {exc!r}")
                statuses[status] += 1
                resent[resends] += 1

    workers = [threading.Thread(target=traffic, args=(i,)) for i in range(4)]
    for worker in workers:
        worker.start()
    try:
        # Generous timeouts: on a machine shared with other work, 100 requests may take a while.
        wait_until(lambda: statuses.total() > 50, 120, "traffic")
        replicas.control.drain(replicas.url("a"))
        replicas.handles["a"].stop(60)  # SIGTERM: uvicorn finishes what it holds (SIGKILL only past 60 s)
        seen = statuses.total()
        wait_until(lambda: statuses.total() > seen + 100, 120, "traffic after the stop")
        replicas.start("a")
        replicas.control.undrain(replicas.url("a"))
        seen = statuses.total()
        wait_until(lambda: statuses.total() > seen + 100, 120, "traffic after the return")
    finally:
        stop.set()
        for worker in workers:
            worker.join()
    assert set(statuses) == {200}, (statuses, resent)


def test_the_supervisor_takes_a_stopped_replica_out_and_brings_it_back(replicas: Replicas) -> None:
    supervisor = spawn("supervisor", [sys.executable, "-m", "matjip_devstack.supervisor", "--state-dir",
                                      str(replicas.work / "edge")], log_path=replicas.work / "supervisor.log")
    try:
        replicas.handles["b"].send(signal.SIGSTOP)  # accepts connections, answers nothing
        wait_until(lambda: replicas.control.routing().unhealthy == {replicas.url("b")}, 30, "b taken out")
        assert served_by(replicas.edge_url, 20) == Counter({"a": 20})
        replicas.handles["b"].send(signal.SIGCONT)
        wait_until(lambda: not replicas.control.routing().unhealthy, 30, "b back")
        assert set(served_by(replicas.edge_url, 40)) == {"a", "b"}
    finally:
        replicas.handles["b"].send(signal.SIGCONT)
        supervisor.stop(5)


def test_when_every_replica_fails_its_checks_all_stay_in_rotation() -> None:
    upstreams = {"order": ["http://h:1", "http://h:2"], "auth": ["http://h:3"]}
    assert out_of_rotation(upstreams, Routing(unhealthy={"http://h:1"})) == ("http://h:1",)
    assert out_of_rotation(upstreams, Routing(unhealthy={"http://h:1", "http://h:2", "http://h:3"})) == ()
    assert out_of_rotation(upstreams, Routing(draining={"http://h:1"}, unhealthy={"http://h:2"})) == ("http://h:1",)


def test_after_a_500_the_next_unrelated_post_is_answered(tmp_path: Path) -> None:
    """The platform answers a crash without closing its keep-alive connection, so the edge's pooled
    connection is still good for the next request, even a POST the edge may not resend."""
    running = Replicas(tmp_path, ["a"], "platform")
    try:
        statuses: Counter[int] = Counter()
        with httpx.Client(base_url=running.edge_url, timeout=10) as client:
            for i in range(300):
                assert client.get("/api/order/crash").status_code == 500
                answer = client.post("/api/order/reviews", content=f'{{"n": {i}}}'.encode())
                statuses[answer.status_code] += 1
                assert answer.status_code != 200 or answer.json()["body"] == f'{{"n": {i}}}'
        assert statuses == Counter({200: 300})
    finally:
        running.close()


def test_a_keyed_checkout_and_a_get_survive_a_connection_the_service_closed(tmp_path: Path) -> None:
    """Behind a server that does close its connection after a 500 (Starlette's fallback), a checkout with an
    Idempotency-Key and a GET are sent again on a fresh connection by the edge, body and all."""
    running = Replicas(tmp_path, ["a"], "bare")
    try:
        statuses: Counter[int] = Counter()
        with httpx.Client(base_url=running.edge_url, timeout=10) as client:
            for i in range(300):
                client.get("/api/order/crash")
                checkout = client.post("/api/order/orders", content=f'{{"n": {i}}}'.encode(),
                                       headers={"Idempotency-Key": f"key-{i:06d}"})
                statuses[checkout.status_code] += 1
                assert checkout.status_code != 200 or checkout.json()["body"] == f'{{"n": {i}}}'
                client.get("/api/order/crash")
                statuses[client.get("/api/order/menu").status_code] += 1
        assert statuses == Counter({200: 600})
    finally:
        running.close()


def test_the_edge_configuration_marks_drained_replicas_down_and_resends_only_keyed_checkouts(tmp_path: Path) -> None:
    conf = render_config(host="127.0.0.1", port=8080, upstreams={"order": ["http://127.0.0.1:1", "http://127.0.0.1:2"],
                                                                   "auth": ["http://127.0.0.1:3"]},
                         state_dir=tmp_path, log_path=tmp_path / "e.log", web_root=None, run_as_root=False,
                         down=["http://127.0.0.1:2"])
    assert "server 127.0.0.1:1 max_fails=1 fail_timeout=2s;" in conf
    assert "server 127.0.0.1:2 max_fails=1 fail_timeout=2s down;" in conf
    assert conf.count("non_idempotent") == 1  # only order's keyed location
    assert '"~^POST /api/order/orders/? [^ ]+$" 1;' in conf


def test_replica_counts_are_read_from_the_command_line() -> None:
    assert parse_replicas(["2", "order=3"], SERVICES) == {"auth": 2, "order": 3, "store": 2}
    assert parse_replicas(["order=3,store=2"], SERVICES) == {"auth": 1, "order": 3, "store": 2}
    assert parse_replicas([], SERVICES) == {"auth": 1, "order": 1, "store": 1}
    for bad in (["0"], ["7"], ["pay=2"], ["order=x"]):
        with pytest.raises(StackError):
            parse_replicas(bad, SERVICES)
