"""The HTTP edge: problem+json for every error, the field named on bad input, tokens required."""

import uuid
from types import SimpleNamespace
from typing import Annotated

import asyncpg
import httpx
import pytest
from fastapi import APIRouter, Depends, FastAPI
from pydantic import BaseModel, Field

from matjip_contracts.events.common import Role
from matjip_platform.auth import Principal, TokenVerifier
from matjip_platform.errors import Conflict, install_error_handlers
from matjip_platform.http import CurrentPrincipal, MetricsMiddleware, require_role
from matjip_platform.testing import TestKeys

KEYS = TestKeys()


class Line(BaseModel):
    quantity: int = Field(gt=0)


class Body(BaseModel):
    name: str
    lines: list[Line]


class DishSoldOut(Conflict):
    code = "dish_sold_out"


router = APIRouter()


@router.post("/things")
async def create(body: Body, principal: CurrentPrincipal) -> dict[str, str]:
    return {"name": body.name, "by": str(principal.user_id)}


@router.post("/admin-only")
async def admin_only(principal: Annotated[Principal, Depends(require_role(Role.ADMIN))]) -> dict[str, bool]:
    return {"ok": True}


@router.get("/conflict")
async def conflict() -> None:
    raise DishSoldOut("Tteokbokki is sold out.", dish="tteokbokki")


@router.get("/boom")
async def boom() -> None:
    raise RuntimeError("secret internals")


@router.get("/database-restarting")
async def database_restarting() -> None:
    try:
        raise asyncpg.exceptions.CannotConnectNowError("the database system is shutting down")
    except asyncpg.PostgresError as exc:
        raise RuntimeError("the unit of work could not begin") from exc


def client() -> httpx.AsyncClient:
    app = FastAPI()
    app.include_router(router)
    app.add_middleware(MetricsMiddleware)
    install_error_handlers(app)
    app.state.runtime = SimpleNamespace(verifier=TokenVerifier(KEYS.key_set(), issuer="matjip-auth", audience="matjip"))
    # The app must not raise even for a crash: an exception reaching the server closes the connection.
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=True)
    return httpx.AsyncClient(transport=transport, base_url="http://t")


def auth(role: Role = Role.CUSTOMER) -> dict[str, str]:
    return KEYS.auth_header(uuid.uuid4(), role)


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ({}, "missing_token"),
        ({"Authorization": "Bearer nope"}, "invalid_token"),
        ({"Authorization": "Basic a"}, "missing_token"),
    ],
)
async def test_a_request_without_a_valid_token_gets_401_problem(headers: dict[str, str], code: str) -> None:
    async with client() as c:
        response = await c.post("/things", json={"name": "x", "lines": []}, headers=headers)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["code"] == code


async def test_a_malformed_body_names_the_field() -> None:
    async with client() as c:
        response = await c.post("/things", json={"lines": [{"quantity": 0}]}, headers=auth())
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    fields = {error["field"] for error in response.json()["errors"]}
    assert fields == {"name", "lines[0].quantity"}


async def test_a_body_that_is_not_json_is_a_validation_problem() -> None:
    async with client() as c:
        response = await c.post("/things", content=b"{oops", headers={**auth(), "content-type": "application/json"})
    assert response.status_code == 422
    assert response.json()["code"] == "validation_failed"


async def test_a_domain_error_keeps_its_code_and_details() -> None:
    async with client() as c:
        response = await c.get("/conflict")
    assert response.status_code == 409
    assert response.json() == {
        "type": "https://matjip.dev/problems/dish_sold_out",
        "title": "Conflict",
        "status": 409,
        "detail": "Tteokbokki is sold out.",
        "code": "dish_sold_out",
        "instance": "/conflict",
        "dish": "tteokbokki",
    }


async def test_roles_are_enforced() -> None:
    async with client() as c:
        refused = await c.post("/admin-only", headers=auth(Role.OWNER))
        allowed = await c.post("/admin-only", headers=auth(Role.ADMIN))
    assert refused.status_code == 403
    assert refused.json()["code"] == "role_required"
    assert allowed.status_code == 200


async def test_unknown_routes_and_crashes_are_problems_too() -> None:
    async with client() as c:
        missing = await c.get("/nowhere")
        crashed = await c.get("/boom")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert crashed.status_code == 500
    assert "secret internals" not in crashed.text
    assert crashed.json()["code"] == "internal_error"


async def test_requests_are_counted_by_route_template_not_raw_path() -> None:
    from prometheus_client import REGISTRY

    def served() -> float:
        return (
            REGISTRY.get_sample_value("http_requests_total", {"method": "GET", "route": "/conflict", "status": "409"})
            or 0.0
        )

    before = served()
    async with client() as c:
        await c.get("/conflict")
        await c.get("/nowhere/123")
    assert served() == before + 1
    assert REGISTRY.get_sample_value("http_requests_total", {"method": "GET", "route": "unmatched", "status": "404"})


async def test_the_rate_limit_answers_429_with_retry_after_except_on_exempt_paths() -> None:
    from matjip_platform.http import RateLimitMiddleware
    from matjip_platform.ratelimit import Verdict

    class Exhausted:
        async def check(self, ip: str, user_id: str | None, revocation_key: str | None = None) -> Verdict:
            return Verdict(False, retry_after_seconds=17)

    app = FastAPI()
    install_error_handlers(app)

    @app.get("/sandbox/charge")
    async def exempt() -> dict[str, bool]:
        return {"ok": True}

    app.include_router(router)
    app.add_middleware(RateLimitMiddleware)
    app.state.runtime = SimpleNamespace(
        verifier=TokenVerifier(KEYS.key_set(), issuer="matjip-auth", audience="matjip"),
        rate_limiter=Exhausted(),
        rate_limit_exempt=("/sandbox/",),
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        limited = await c.get("/conflict")
        free = await c.get("/sandbox/charge")
    assert limited.status_code == 429
    assert limited.headers["retry-after"] == "17"
    assert limited.json()["code"] == "rate_limited"
    assert free.status_code == 200


async def test_a_database_out_of_reach_is_a_503_to_try_again_not_a_crash() -> None:
    """PostgreSQL restarting (here, anywhere in the exception's causes) says nothing about the request."""
    async with client() as c:
        restarting = await c.get("/database-restarting")
        crashed = await c.get("/boom")
    assert restarting.status_code == 503
    assert restarting.headers["content-type"] == "application/problem+json"
    assert restarting.json()["code"] == "database_unavailable"
    assert int(restarting.headers["retry-after"]) > 0
    assert crashed.status_code == 500  # anything else is still the crash it is
