"""The local edge: a reverse proxy on 127.0.0.1:8080 routing `/api/<service>/...` to that service.

Paths are forwarded unchanged (every service serves under `/api/<service>`), bodies stream both ways so
Server-Sent Events pass through as they are produced. Rate limiting lives in the services, not here.

Run with `python -m matjip_devstack.edge [--host H] [--port P]`; upstreams default to the
conventions' ports and can be replaced with MATJIP_EDGE_UPSTREAMS='{"auth": "http://127.0.0.1:9001"}'.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from matjip_devstack import config
from matjip_devstack.services import SERVICES

# RFC 9110 hop-by-hop fields: they describe one connection, never the forwarded message.
_HOP_BY_HOP = frozenset({
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
    "transfer-encoding", "upgrade", "proxy-connection",
})
_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


def default_upstreams() -> dict[str, str]:
    raw = os.environ.get("MATJIP_EDGE_UPSTREAMS")
    if raw:
        return {str(k): str(v).rstrip("/") for k, v in json.loads(raw).items()}
    return {s.name: f"http://{config.HOST}:{s.port}" for s in SERVICES}


def problem(status: int, title: str, code: str, detail: str, instance: str) -> JSONResponse:
    return JSONResponse(
        {"type": "about:blank", "title": title, "status": status, "detail": detail, "code": code,
         "instance": instance},
        status_code=status,
        media_type="application/problem+json",
    )


def _forward_headers(request: Request) -> list[tuple[bytes, bytes]]:
    headers = [
        (k, v) for k, v in request.headers.raw
        if k.decode("latin-1").lower() not in _HOP_BY_HOP and k.lower() != b"host"
    ]
    client = request.client.host if request.client else ""
    prior = request.headers.get("x-forwarded-for")
    forwarded_for = f"{prior}, {client}" if prior else client
    headers = [(k, v) for k, v in headers if k.lower() not in (b"x-forwarded-for",)]
    headers += [
        (b"x-forwarded-for", forwarded_for.encode("latin-1")),
        (b"x-forwarded-proto", request.url.scheme.encode("latin-1")),
        (b"x-forwarded-host", request.headers.get("host", "").encode("latin-1")),
    ]
    return headers


def create_app(upstreams: Mapping[str, str] | None = None) -> Starlette:
    """The proxy as an ASGI app; `upstreams` maps a service name to its base URL."""
    routes_to = dict(upstreams) if upstreams is not None else default_upstreams()
    state: dict[str, httpx.AsyncClient] = {}

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        # No read timeout: an SSE stream may stay quiet for minutes.
        timeout = httpx.Timeout(connect=3.0, read=None, write=30.0, pool=10.0)
        limits = httpx.Limits(max_connections=500, max_keepalive_connections=50)
        async with httpx.AsyncClient(timeout=timeout, limits=limits, follow_redirects=False) as client:
            state["client"] = client
            yield

    async def proxy(request: Request) -> Response:
        path = request.url.path
        parts = path.split("/", 3)  # "", "api", service, rest
        if len(parts) < 3 or parts[1] != "api" or not parts[2]:
            return problem(404, "Not Found", "route_not_found",
                           "the edge routes /api/<service>/...", path)
        service = parts[2]
        base = routes_to.get(service)
        if base is None:
            return problem(404, "Not Found", "unknown_service",
                           f"no service named {service!r}; known: {', '.join(sorted(routes_to))}", path)
        client = state["client"]
        raw_path: bytes = request.scope.get("raw_path") or path.encode()
        query: bytes = request.scope.get("query_string", b"")
        url = httpx.URL(base + raw_path.decode("latin-1") + (("?" + query.decode("latin-1")) if query else ""))
        has_body = "content-length" in request.headers or "transfer-encoding" in request.headers
        upstream_request = client.build_request(
            request.method, url, headers=_forward_headers(request),
            content=request.stream() if has_body else None,
        )
        try:
            upstream = await client.send(upstream_request, stream=True)
        except httpx.TimeoutException as exc:
            return problem(504, "Gateway Timeout", "upstream_timeout",
                           f"{service} did not answer: {type(exc).__name__}", path)
        except httpx.TransportError as exc:
            return problem(502, "Bad Gateway", "upstream_unavailable",
                           f"{service} is unreachable at {base}: {type(exc).__name__}", path)
        response = StreamingResponse(upstream.aiter_raw(), status_code=upstream.status_code,
                                     background=BackgroundTask(upstream.aclose))
        # Keep repeated fields (Set-Cookie) and the upstream's own encoding/length as they are.
        response.raw_headers = [
            (k, v) for k, v in upstream.headers.raw if k.decode("latin-1").lower() not in _HOP_BY_HOP
        ]
        return response

    async def live(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def index(_: Request) -> Response:
        return JSONResponse({"routes": {f"/api/{name}/": url for name, url in sorted(routes_to.items())}})

    return Starlette(
        routes=[
            Route("/", index, methods=["GET"]),
            Route("/health/live", live, methods=["GET"]),
            Route("/health/ready", live, methods=["GET"]),
            Route("/{path:path}", proxy, methods=_METHODS),
        ],
        lifespan=lifespan,
    )


def main(argv: list[str] | None = None) -> None:
    import uvicorn

    parser = argparse.ArgumentParser(prog="python -m matjip_devstack.edge", description=__doc__)
    parser.add_argument("--host", default=config.HOST)
    parser.add_argument("--port", type=int, default=config.EDGE_PORT)
    args = parser.parse_args(argv)
    kwargs: dict[str, Any] = {"host": args.host, "port": args.port, "log_level": "info",
                              "proxy_headers": False, "timeout_graceful_shutdown": 5}
    uvicorn.run(create_app(), **kwargs)


if __name__ == "__main__":
    main()
