"""The HTTP edge of a service: app factory, RED metrics, rate limits, auth dependencies, health.

Middlewares are plain ASGI (no per-request task or body copying): on two cores the framework's cost per
request is what limits a read-heavy endpoint.
"""

import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Annotated, Any, Protocol, TypeVar, cast

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from matjip_contracts.events.common import Role
from matjip_platform import metrics
from matjip_platform.auth import Principal, TokenVerifier, revoked_access_key
from matjip_platform.documented_problems import checks_role, document_problems, needs_token
from matjip_platform.errors import Forbidden, Unauthorized, install_error_handlers, problem_response
from matjip_platform.ratelimit import RateLimiter
from matjip_platform.telemetry import UnsampledRequestsMakeNoSpans, current_trace_headers
from matjip_platform.text_input import RefuseNulCharacters

UNTRACKED_PATHS = ("/health/", "/metrics")

C = TypeVar("C")


class HttpRuntime(Protocol):
    """What the HTTP layer needs from the running service (the platform's Runtime provides it)."""

    @property
    def verifier(self) -> TokenVerifier: ...

    @property
    def rate_limiter(self) -> RateLimiter: ...

    @property
    def rate_limit_exempt(self) -> tuple[str, ...]: ...

    @property
    def crashed_task(self) -> str | None: ...

    async def readiness(self) -> dict[str, bool]: ...


def runtime_of(request: Request) -> HttpRuntime:
    return cast(HttpRuntime, request.app.state.runtime)


def components_of(kind: type[C]) -> Callable[[Request], Awaitable[C]]:
    """A FastAPI dependency giving routes the service's typed components (built at start-up). Async, as
    every dependency here: FastAPI runs a plain `def` dependency on a worker thread, a thread hop per
    request for a dictionary lookup."""

    async def dependency(request: Request) -> C:
        return cast(C, request.app.state.components)

    dependency.__name__ = f"{kind.__name__.lower()}_components"
    return dependency


class MetricsMiddleware:
    """RED metrics per route template (never the raw path: ids would explode the label set)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(UNTRACKED_PATHS):
            await self.app(scope, receive, send)
            return
        status = 500
        started = time.perf_counter()

        async def send_with_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        metrics.http_in_flight.inc()
        try:
            await self.app(scope, receive, send_with_status)
        finally:
            metrics.http_in_flight.dec()
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            method = scope["method"]
            metrics.http_requests.labels(method, route, str(status)).inc()
            metrics.http_request_duration.labels(method, route).observe(time.perf_counter() - started)


class RateLimitMiddleware:
    """Per-IP and per-user budgets, and the caller's token: checked once per request, with one Redis round
    trip for the budgets and the token's revocation. Also puts the trace id on every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        runtime: HttpRuntime = scope["app"].state.runtime
        path: str = scope["path"]
        if path.startswith(UNTRACKED_PATHS) or path.startswith(runtime.rate_limit_exempt):
            await self.app(scope, receive, send)
            return
        principal: Principal | None = None
        token = _bearer_token(scope)
        if token is not None:
            # Only a valid token earns a per-user budget; anything else is limited by IP alone.
            try:
                principal = await runtime.verifier.authenticate(token)
            except Unauthorized:
                principal = None
        client = scope.get("client")
        ip = client[0] if client else "unknown"
        verdict = await runtime.rate_limiter.check(
            ip,
            str(principal.user_id) if principal is not None else None,
            revoked_access_key(principal.token_id) if principal is not None else None,
        )
        if not verdict.allowed:
            response = problem_response(
                429,
                "Too many requests; slow down.",
                code="rate_limited",
                instance=path,
                headers={"Retry-After": str(verdict.retry_after_seconds)},
            )
            await response(scope, receive, send)
            return
        if principal is not None:
            scope.setdefault("state", {})["verified_token"] = (token, principal, verdict.revoked)

        async def send_with_trace(message: Message) -> None:
            if message["type"] == "http.response.start":
                # The trace id goes back to the client, so a support ticket can point at the exact trace.
                traceparent = current_trace_headers().get("traceparent")
                if traceparent:
                    MutableHeaders(scope=message)["traceparent"] = traceparent
            await send(message)

        await self.app(scope, receive, send_with_trace)


def _bearer_token(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"authorization":
            text: str = value.decode("latin-1")
            if text[:7].lower() == "bearer ":
                return text[7:].strip()
            return None
    return None


_bearer = HTTPBearer(auto_error=False)


@needs_token
async def authenticated(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("A bearer access token is required.", code="missing_token")
    checked: tuple[str, Principal, bool] | None = getattr(request.state, "verified_token", None)
    if checked is not None and checked[0] == credentials.credentials:
        _, principal, revoked = checked  # checked by the rate limiter, revocation included
        if revoked:
            raise Unauthorized("The access token has been revoked.", code="token_revoked")
        return principal
    return await runtime_of(request).verifier.verify(credentials.credentials)


CurrentPrincipal = Annotated[Principal, Depends(authenticated)]


def require_role(*roles: Role) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency that lets only the given roles through (403 for the others)."""

    @checks_role
    async def check(principal: CurrentPrincipal) -> Principal:
        if principal.role not in roles:
            raise Forbidden(f"This action needs the role {' or '.join(r.value for r in roles)}.", code="role_required")
        return principal

    return check


# What a pod needs to serve its HTTP traffic: to accept requests and reach its database. Redis and Kafka
# are reported but do not gate: the HTTP paths degrade without them (the rate limiter fails open, events
# wait in the outbox, a cart answers 503 on its own), and a shared Redis or Kafka outage must not empty
# every Service at once - auth's JWKS, which every other service verifies tokens with, least of all.
READINESS_GATES = ("accepting", "database")


def health_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/health/live", response_model=None)
    async def live(request: Request) -> JSONResponse | dict[str, str]:
        crashed = runtime_of(request).crashed_task
        if crashed is not None:
            return problem_response(503, f"The {crashed} loop stopped; restart me.", code="task_crashed")
        return {"status": "up"}

    @router.get("/health/ready", response_model=None)
    async def ready(request: Request) -> JSONResponse | dict[str, Any]:
        checks = await runtime_of(request).readiness()
        failing = [name for name in READINESS_GATES if not checks.get(name, False)]
        degraded = [name for name, ok in checks.items() if not ok and name not in READINESS_GATES]
        if not failing:
            return {"status": "ready", "checks": checks, "degraded": degraded}
        return problem_response(503, f"Not ready: {', '.join(failing)}", code="not_ready", checks=checks)

    @router.get("/metrics")
    async def prometheus_metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router


def create_app(*, name: str, title: str, description: str, routers: Sequence[APIRouter], lifespan: Any) -> FastAPI:
    app = FastAPI(
        title=title,
        description=description,
        version="1.0.0",
        lifespan=lifespan,
        openapi_url=f"/api/{name}/openapi.json",
        docs_url=f"/api/{name}/docs",
        redoc_url=None,
    )
    app.include_router(health_router())
    for router in routers:
        app.include_router(router)
    app.add_middleware(RefuseNulCharacters)
    app.add_middleware(RateLimitMiddleware)
    app.add_middleware(MetricsMiddleware)
    app.add_middleware(UnsampledRequestsMakeNoSpans)
    install_error_handlers(app)  # last: its last resort must be the outermost middleware
    document_problems(app)
    return app
