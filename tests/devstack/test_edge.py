"""The edge proxy, run as its own process in front of a real upstream process."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from matjip_devstack.edge import spawn_edge
from matjip_devstack.processes import Handle, port_open, spawn, wait_until
from matjip_devstack.stack import free_ports

HERE = Path(__file__).parent


@pytest.fixture(scope="module")
def edge_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    logs = tmp_path_factory.mktemp("edge")
    ports = free_ports(["upstream", "edge", "closed"])
    upstreams = {"echo": [f"http://127.0.0.1:{ports['upstream']}"],
                 "down": [f"http://127.0.0.1:{ports['closed']}"]}
    handles: list[Handle] = []
    try:
        handles.append(spawn("upstream", [sys.executable, str(HERE / "upstream_app.py"), str(ports["upstream"])],
                             log_path=logs / "upstream.log"))
        handles.append(spawn_edge(port=ports["edge"], upstreams=upstreams, state_dir=logs / "state",
                                  log_path=logs / "edge.log"))
        wait_until(lambda: port_open(ports["upstream"]) and port_open(ports["edge"]), 30, "edge and upstream")
        yield f"http://127.0.0.1:{ports['edge']}"
    finally:
        for handle in handles:
            handle.stop(5)


def test_forwards_path_query_headers_and_body(edge_url: str) -> None:
    r = httpx.post(f"{edge_url}/api/echo/items/42?x=1&y=%20z", content=b'{"a": 1}',
                   headers={"Authorization": "Bearer abc", "X-Forwarded-For": "10.0.0.9",
                            "Content-Type": "application/json"})
    assert r.status_code == 200
    assert r.headers["x-upstream"] == "echo"
    seen = r.json()
    assert seen["method"] == "POST"
    assert seen["path"] == "/api/echo/items/42"  # unchanged: services serve under /api/<service>
    assert seen["query"] == "x=1&y=%20z"
    assert seen["body"] == '{"a": 1}'
    assert seen["headers"]["authorization"] == "Bearer abc"
    assert seen["headers"]["x-forwarded-for"] == "10.0.0.9, 127.0.0.1"


def test_server_sent_events_stream_through(edge_url: str) -> None:
    # The upstream holds the stream open after event 0 until it is released: only an unbuffered edge lets
    # the client see event 0 (and so release it) before the upstream gives up waiting.
    with httpx.stream("GET", f"{edge_url}/api/echo/sse", timeout=30) as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        lines = r.iter_lines()
        first = next(line for line in lines if line.startswith("data:"))
        assert first == "data: 0"
        assert httpx.post(f"{edge_url}/api/echo/sse-release").status_code == 200
        rest = [line for line in lines if line.startswith("data:")]
    assert rest == ["data: released", "data: released"], "the edge buffered the stream"


def test_unknown_service_is_404_problem(edge_url: str) -> None:
    r = httpx.get(f"{edge_url}/api/nosuch/things")
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/problem+json"
    problem = r.json()
    assert problem["status"] == 404 and problem["code"] == "unknown_service"
    assert problem["instance"] == "/api/nosuch/things"


def test_upstream_down_is_502_problem(edge_url: str) -> None:
    r = httpx.get(f"{edge_url}/api/down/anything")
    assert r.status_code == 502
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["code"] == "upstream_unavailable"


def test_edge_has_its_own_health(edge_url: str) -> None:
    assert httpx.get(f"{edge_url}/health/live").status_code == 200


def _served(edge_url: str, path: str) -> list[int]:
    return [httpx.get(f"{edge_url}/api/echo/counted/{path}").json()["served"] for _ in range(3)]


def test_a_response_marked_cacheable_is_served_from_the_edge_until_it_expires(edge_url: str) -> None:
    assert _served(edge_url, "menu?cache=public,%20max-age=300") == [1, 1, 1]
    r = httpx.get(f"{edge_url}/api/echo/counted/menu?cache=public,%20max-age=300")
    assert r.headers["x-cache-status"] == "HIT"


@pytest.mark.parametrize(
    "query", ["", "?cache=no-cache", "?cache=private,%20max-age=300", "?cache=no-store", "?cache=max-age=0"]
)
def test_a_response_not_marked_cacheable_always_reaches_the_service(edge_url: str, query: str) -> None:
    name = f"uncached{abs(hash(query))}{query}"
    assert _served(edge_url, name) == [1, 2, 3]
