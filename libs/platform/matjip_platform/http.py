"""The HTTP edge of a service: app factory, RED metrics, rate limits, auth dependencies, health."""

import time
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from matjip_contracts.events.common import Role
from matjip_platform import metrics
from matjip_platform.auth import Principal
from matjip_platform.errors import Forbidden, Unauthorized, install_error_handlers, problem_response
from matjip_platform.telemetry import current_trace_headers

if TYPE_CHECKING:
    from matjip_platform.service import Runtime

UNTRACKED_PATHS = ("/health/", "/metrics")


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


def runtime_of(request: Request) -> "Runtime":
    runtime: Runtime = request.app.state.runtime
    return runtime


_bearer = HTTPBearer(auto_error=False)


async def authenticated(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("A bearer access token is required.", code="missing_token")
    verified: tuple[str, Principal] | None = getattr(request.state, "verified_token", None)
    if verified is not None and verified[0] == credentials.credentials:
        return verified[1]  # the rate limiter already checked this very token: RS256 once per request
    principal = await runtime_of(request).verifier.verify(credentials.credentials)
    request.state.verified_token = (credentials.credentials, principal)
    return principal


CurrentPrincipal = Annotated[Principal, Depends(authenticated)]


def require_role(*roles: Role) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency that lets only the given roles through (403 for the others)."""

    async def check(principal: CurrentPrincipal) -> Principal:
        if principal.role not in roles:
            raise Forbidden(
                f"This action needs the role {' or '.join(r.value for r in roles)}.", code="role_required"
            )
        return principal

    return check


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
        if all(ok for ok in checks.values()):
            return {"status": "ready", "checks": checks}
        failing = ", ".join(name for name, ok in checks.items() if not ok)
        return problem_response(503, f"Not ready: {failing}", code="not_ready", checks=checks)

    @router.get("/metrics")
    async def prometheus_metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router


def rate_limit_middleware(
    app: FastAPI,
) -> Callable[[Request, Callable[[Request], Awaitable[Response]]], Awaitable[Response]]:
    async def limit(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        runtime = runtime_of(request)
        exempt = (*UNTRACKED_PATHS, *runtime.definition.rate_limit_exempt_prefixes)
        if request.url.path.startswith(exempt):
            return await call_next(request)
        user_id: str | None = None
        authorization = request.headers.get("authorization", "")
        if authorization.lower().startswith("bearer "):
            # Only a verified token earns a per-user budget; anything else is limited by IP alone.
            token = authorization[7:].strip()
            try:
                principal = await runtime.verifier.verify(token)
                request.state.verified_token = (token, principal)
                user_id = str(principal.user_id)
            except Unauthorized:
                user_id = None
        ip = request.client.host if request.client else "unknown"
        verdict = await runtime.rate_limiter.check(ip, user_id)
        if not verdict.allowed:
            return problem_response(
                429,
                "Too many requests; slow down.",
                code="rate_limited",
                instance=request.url.path,
                headers={"Retry-After": str(verdict.retry_after_seconds)},
            )
        response = await call_next(request)
        # The trace id goes back to the client, so a support ticket can point at the exact trace.
        traceparent = current_trace_headers().get("traceparent")
        if traceparent:
            response.headers["traceparent"] = traceparent
        return response

    return limit


def create_app(
    *, name: str, title: str, description: str, routers: Sequence[APIRouter], lifespan: Any
) -> FastAPI:
    app = FastAPI(
        title=title,
        description=description,
        version="1.0.0",
        lifespan=lifespan,
        openapi_url=f"/api/{name}/openapi.json",
        docs_url=f"/api/{name}/docs",
        redoc_url=None,
    )
    install_error_handlers(app)
    app.include_router(health_router())
    for router in routers:
        app.include_router(router)
    app.middleware("http")(rate_limit_middleware(app))
    app.add_middleware(MetricsMiddleware)
    return app
