"""A stand-in upstream for the edge tests: echoes requests and streams Server-Sent Events.

Run as `python upstream_app.py PORT`; serves under /api/echo/ like a real service would.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route


async def echo(request: Request) -> Response:
    body = await request.body()
    return JSONResponse({
        "method": request.method,
        "path": request.url.path,
        "query": request.url.query,
        "headers": dict(request.headers),
        "body": body.decode(),
    }, headers={"x-upstream": "echo"})


_released = asyncio.Event()


async def sse(request: Request) -> Response:
    """Event 0 at once, then waits for /api/echo/sse-release (or 20 s): the later events say which came
    first, so a proxy that buffers the stream is caught without measuring time."""

    async def events() -> AsyncIterator[bytes]:
        _released.clear()
        yield b"id: 0\nevent: tick\ndata: 0\n\n"
        try:
            await asyncio.wait_for(_released.wait(), 20.0)
            outcome = "released"
        except TimeoutError:
            outcome = "timed-out"
        for i in (1, 2):
            yield f"id: {i}\nevent: tick\ndata: {outcome}\n\n".encode()

    # As sse-starlette (the services' SSE) does: tells a buffering proxy to pass this stream through.
    return StreamingResponse(events(), media_type="text/event-stream", headers={"X-Accel-Buffering": "no"})


_served: dict[str, int] = {}


async def counted(request: Request) -> Response:
    """How many times the upstream answered this path, with the Cache-Control the query asks for."""
    path = request.url.path
    _served[path] = _served.get(path, 0) + 1
    headers = {"Cache-Control": request.query_params["cache"]} if "cache" in request.query_params else {}
    return JSONResponse({"served": _served[path]}, headers=headers)


async def sse_release(request: Request) -> Response:
    _released.set()
    return JSONResponse({"released": True})


app = Starlette(routes=[
    Route("/api/echo/sse", sse),
    Route("/api/echo/sse-release", sse_release, methods=["POST"]),
    Route("/api/echo/counted/{name}", counted),
    Route("/api/echo/{rest:path}", echo, methods=["GET", "POST", "PUT", "DELETE"]),
])

if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
