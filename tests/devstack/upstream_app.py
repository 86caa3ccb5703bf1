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


async def sse(request: Request) -> Response:
    async def events() -> AsyncIterator[bytes]:
        for i in range(3):
            yield f"id: {i}\nevent: tick\ndata: {i}\n\n".encode()
            await asyncio.sleep(1.0)

    return StreamingResponse(events(), media_type="text/event-stream")


app = Starlette(routes=[
    Route("/api/echo/sse", sse),
    Route("/api/echo/{rest:path}", echo, methods=["GET", "POST", "PUT", "DELETE"]),
])

if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
