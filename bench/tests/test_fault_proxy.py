"""The proxy the fault suite puts in front of the payment gateway: it passes, fails, drops and holds
answers as told."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from matjip_bench.fault_proxy import FaultProxy
from matjip_devstack.stack import free_ports


class Gateway(BaseHTTPRequestHandler):
    calls = 0

    def do_POST(self) -> None:
        Gateway.calls += 1
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def proxy() -> Iterator[FaultProxy]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Gateway)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    running = FaultProxy(free_ports(["proxy"])["proxy"], upstream_port=server.server_address[1], delay=2.0).start()
    try:
        yield running
    finally:
        running.stop()
        server.shutdown()


def test_each_mode_does_what_it_says(proxy: FaultProxy) -> None:
    url = f"http://127.0.0.1:{proxy.port}/v1/payments/confirm"
    with httpx.Client(timeout=10.0) as client:
        assert client.post(url, content=b"charge").content == b"charge"
        calls = Gateway.calls

        proxy.mode = "failing"
        failed = client.post(url, content=b"charge")
        assert failed.status_code == 503 and failed.json()["code"] == "PROVIDER_ERROR"
        assert Gateway.calls == calls  # a failing gateway did nothing

        proxy.mode = "down"
        with pytest.raises(httpx.TransportError):
            client.post(url, content=b"charge")
        assert Gateway.calls == calls

        proxy.mode = "slow"
        with pytest.raises(httpx.ReadTimeout):
            client.post(url, content=b"charge", timeout=httpx.Timeout(10.0, read=0.5))
        assert Gateway.calls == calls + 1  # the gateway did the work; only its answer was late

        proxy.mode = "pass"
        assert client.post(url, content=b"again").content == b"again"
