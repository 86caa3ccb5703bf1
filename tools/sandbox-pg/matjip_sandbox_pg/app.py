"""The sandbox PG's HTTP app: the PG API and the control API under /api/sandbox-pg (so the dev edge
routes it like a service), the platform's health and metrics endpoints, JSON logs."""

import asyncio
import inspect
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from matjip_contracts.services import SANDBOX_PG
from matjip_platform.db import Database
from matjip_platform.errors import install_error_handlers
from matjip_platform.http import MetricsMiddleware, health_router
from matjip_platform.migrations import assert_schema_runnable
from matjip_sandbox_pg import control_api, pg_api
from matjip_sandbox_pg.runtime import SandboxPgRuntime
from matjip_sandbox_pg.settings import MIGRATIONS_DIR, SandboxPgSettings
from matjip_sandbox_pg.toss_objects import error_body

log = structlog.get_logger(__name__)

BASE_PATH = SANDBOX_PG.base_path
PG_API_PATH = pg_api.PREFIX


def create_app(settings: SandboxPgSettings) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        db = Database.from_settings(settings)
        await db.ping()
        schema = await asyncio.to_thread(assert_schema_runnable, settings, MIGRATIONS_DIR)
        if schema.warning:
            log.warning("schema_newer_than_image", detail=schema.warning)
        runtime = SandboxPgRuntime(settings, db)
        app.state.runtime = runtime
        log.info("sandbox_pg_started", port=settings.http_port, environment=settings.environment)
        try:
            yield
        finally:
            runtime.draining = True
            await db.close()
            log.info("sandbox_pg_stopped")

    app = FastAPI(
        title="Matjip sandbox PG",
        description="A Toss Payments-style payment gateway for the local stack and tests: "
        "per-customer scenarios, gateway faults. Never deployed.",
        version="1.0.0",
        lifespan=lifespan,
        openapi_url=f"{BASE_PATH}/openapi.json",
        docs_url=f"{BASE_PATH}/docs",
        redoc_url=None,
    )
    install_error_handlers(app)
    as_problem = app.exception_handlers[RequestValidationError]

    async def on_invalid(request: Request, exc: Exception) -> Response:
        # The PG API answers as the PG does; the control API as every Matjip API (problem+json).
        if not request.url.path.startswith(PG_API_PATH):
            problem = as_problem(request, exc)
            return await problem if inspect.isawaitable(problem) else problem
        assert isinstance(exc, RequestValidationError)
        fields = ", ".join(".".join(str(p) for p in e.get("loc", ())[1:]) for e in exc.errors())
        return JSONResponse(error_body("INVALID_REQUEST", f"invalid fields: {fields}"), status_code=400)

    async def on_pg_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, pg_api.PgError)
        return pg_api.pg_error_response(exc)

    app.add_exception_handler(RequestValidationError, on_invalid)
    app.add_exception_handler(pg_api.PgError, on_pg_error)
    app.include_router(health_router())
    app.include_router(pg_api.router)
    app.include_router(control_api.router)
    app.add_middleware(MetricsMiddleware)
    return app
