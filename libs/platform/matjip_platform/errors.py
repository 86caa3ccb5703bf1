"""Errors as values with a type and a code, turned into application/problem+json (RFC 9457) at the edge."""

from http import HTTPStatus
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from matjip_platform.unavailable import database_unavailable

PROBLEM_JSON = "application/problem+json"
DATABASE_RETRY_AFTER_SECONDS = 2  # a PostgreSQL restart (fast shutdown) is over in a few seconds
log = structlog.get_logger(__name__)


class DomainError(Exception):
    """A rule of the domain said no. Subclasses name the rule (`code`) and its HTTP status."""

    status: int = 400
    code: str = "bad_request"
    title: str = "Bad request"

    def __init__(self, detail: str, *, code: str | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        if code is not None:
            self.code = code
        self.extra = extra


class NotFound(DomainError):
    status, code, title = 404, "not_found", "Not found"


class Conflict(DomainError):
    status, code, title = 409, "conflict", "Conflict"


class Forbidden(DomainError):
    status, code, title = 403, "forbidden", "Forbidden"


class Unauthorized(DomainError):
    status, code, title = 401, "unauthorized", "Unauthorized"


class TooManyRequests(DomainError):
    status, code, title = 429, "rate_limited", "Too many requests"


def problem_response(
    status: int,
    detail: str,
    *,
    code: str,
    title: str | None = None,
    instance: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"https://matjip.dev/problems/{code}",
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "code": code,
    }
    if instance:
        body["instance"] = instance
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _field_name(location: tuple[Any, ...] | list[Any]) -> str:
    # ("body", "items", 0, "quantity") -> "items[0].quantity"; the first element only says where.
    name = ""
    for part in list(location)[1:]:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return (name or str(location[0])) if location else ""


async def _on_domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    extra = dict(exc.extra)
    headers = extra.pop("headers", None)
    if exc.status == 401:
        headers = {"WWW-Authenticate": 'Bearer realm="matjip"', **(headers or {})}
    return problem_response(
        exc.status,
        exc.detail,
        code=exc.code,
        title=exc.title,
        instance=request.url.path,
        headers=headers,
        **extra,
    )


async def _on_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"field": _field_name(err.get("loc", ())), "in": str(err.get("loc", ("body",))[0]), "message": err["msg"]}
        for err in exc.errors()
    ]
    fields = ", ".join(e["field"] for e in errors)
    return problem_response(
        422,
        f"The request is not valid: {fields}",
        code="validation_failed",
        title="Validation failed",
        instance=request.url.path,
        errors=errors,
    )


async def _on_http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = HTTPStatus(exc.status_code).phrase.lower().replace(" ", "_")
    return problem_response(
        exc.status_code,
        str(exc.detail),
        code=code,
        instance=request.url.path,
        headers=dict(exc.headers) if exc.headers else None,
    )


class UnexpectedErrorMiddleware:
    """An exception nothing else answered becomes a 500 problem, and the connection stays usable.

    Starlette's own last resort answers 500 and then re-raises, and uvicorn closes the keep-alive connection
    of a request that raised. A proxy that pooled that connection (the edge, an ALB) may already have sent
    the next, unrelated request into it, and answers that one 502. So the exception ends here. Only an
    exception after the response started (a broken stream) still closes the connection: nothing else can
    tell the client its response is incomplete.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            if started:
                raise
            if database_unavailable(exc):
                # PostgreSQL restarting or out of reach: the request was fine and may be sent again shortly.
                log.warning("database_unavailable", path=scope["path"], error=f"{type(exc).__name__}: {exc}")
                response = problem_response(
                    503, "The database is out of reach for a moment; try again.", code="database_unavailable",
                    instance=scope["path"], headers={"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)},
                )
            else:
                log.exception("unhandled_error", path=scope["path"])
                response = problem_response(
                    500, "An unexpected error occurred.", code="internal_error", instance=scope["path"]
                )
            await response(scope, receive, send)


def install_error_handlers(app: FastAPI) -> None:
    """Problem answers for every error. Call it after adding the app's other middlewares: the last resort
    must be the outermost, so that it also answers for an exception raised in one of them."""
    app.add_exception_handler(DomainError, _on_domain_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    app.add_middleware(UnexpectedErrorMiddleware)
