"""A TCP proxy between the payment service and its gateway that can misbehave on demand, so the fault suite
hurts the gateway without touching the gateway's code: `./matjip chaos` points every payment replica's
gateway URL at it, and it forwards to the sandbox PG (tools/sandbox-pg). It fails at the connection level,
which the sandbox PG's own faults (PUT /api/sandbox-pg/fault, answered by a process that is up) cannot:
`down` here is nothing listening.

Modes, switched at any time from the harness (the proxy runs in a thread with its own event loop):
- `pass`: bytes flow both ways untouched;
- `slow`: every answer from the gateway is held for `delay` seconds before it goes on (the gateway did the
  work; the caller's timeout fires first, as with a PG whose answers are late);
- `failing`: every request is answered 503 at once and never reaches the gateway;
- `down`: every connection is closed as soon as it is accepted (nothing listens behind the balancer).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from typing import Literal

Mode = Literal["pass", "slow", "failing", "down"]
_FAILING_BODY = b'{"code":"PROVIDER_ERROR","message":"the gateway is failing (chaos)"}'
FAILING_ANSWER = (
    b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
    + f"Content-Length: {len(_FAILING_BODY)}\r\nConnection: close\r\n\r\n".encode()
    + _FAILING_BODY
)


class FaultProxy:
    def __init__(self, port: int, upstream_host: str = "127.0.0.1", upstream_port: int = 0,
                 delay: float = 8.0) -> None:
        self.port = port
        self.upstream_host = upstream_host
        self.upstream_port = upstream_port
        self.delay = delay
        self.mode: Mode = "pass"
        self.connections = 0
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="fault-proxy", daemon=True)
        self._server: asyncio.Server | None = None

    def start(self) -> FaultProxy:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError(f"the fault proxy did not listen on {self.port}")
        return self

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._server = self._loop.run_until_complete(asyncio.start_server(self._serve, "127.0.0.1", self.port))
        self._ready.set()
        try:
            self._loop.run_forever()
        finally:
            self._loop.run_until_complete(self._shut_down())
            self._loop.close()

    async def _shut_down(self) -> None:
        """Stop listening and end every connection still open (a held answer, a kept-alive client)."""
        if self._server is not None:
            self._server.close()
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            if self.mode == "down":
                return
            if self.mode == "failing":
                await reader.readuntil(b"\r\n\r\n")
                writer.write(FAILING_ANSWER)
                await writer.drain()
                return
            up_reader, up_writer = await asyncio.open_connection(self.upstream_host, self.upstream_port)
            try:
                await asyncio.gather(self._requests(reader, up_writer, writer), self._answers(up_reader, writer))
            finally:
                up_writer.close()
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()

    async def _requests(self, client: asyncio.StreamReader, upstream: asyncio.StreamWriter,
                        answer: asyncio.StreamWriter) -> None:
        """Client to gateway; a kept-alive connection opened before a fault meets the fault too."""
        try:
            while chunk := await client.read(65536):
                if self.mode == "down":
                    return
                if self.mode == "failing":
                    answer.write(FAILING_ANSWER)
                    await answer.drain()
                    return
                upstream.write(chunk)
                await upstream.drain()
        finally:
            with contextlib.suppress(OSError, RuntimeError):
                upstream.write_eof()

    async def _answers(self, upstream: asyncio.StreamReader, client: asyncio.StreamWriter) -> None:
        """Gateway to client, each chunk held for `delay` while the gateway is slow."""
        try:
            while chunk := await upstream.read(65536):
                if self.mode == "slow":
                    await asyncio.sleep(self.delay)
                client.write(chunk)
                await client.drain()
        finally:
            with contextlib.suppress(OSError, RuntimeError):
                client.write_eof()
