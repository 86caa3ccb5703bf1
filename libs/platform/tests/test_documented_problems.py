"""Every operation documents the answers the platform gives around it, in the problem+json shape the
services really answer in (FastAPI alone documents a 422 shape nobody answers, and no 401/403/429)."""

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from matjip_contracts.events.common import Role
from matjip_platform.auth import Principal
from matjip_platform.documented_problems import PLATFORM_ANSWERS, Problem, needs_token
from matjip_platform.errors import PROBLEM_JSON, problem_response
from matjip_platform.http import CurrentPrincipal, create_app, require_role

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


@needs_token
async def token_in_query(access_token: str | None = None) -> str:
    return access_token or ""


class Body(BaseModel):
    name: str


router = APIRouter(prefix="/api/sample")


@router.get("/open")
async def anyone() -> dict[str, str]:
    return {}


@router.post("/mine")
async def signed_in(body: Body, principal: CurrentPrincipal) -> dict[str, str]:
    return {}


@router.delete(
    "/admin/{thing}", status_code=204,
    responses={401: {"description": "said by the route"}, 404: {"description": "no such thing"}},
)
async def admins_only(thing: str, principal: Annotated[Principal, Depends(require_role(Role.ADMIN))]) -> None:
    return None


@router.get("/stream")
async def streamed(token: Annotated[str, Depends(token_in_query)]) -> dict[str, str]:
    return {}


def responses(document: dict[str, Any], path: str, method: str) -> dict[str, Any]:
    answers: dict[str, Any] = document["paths"][f"/api/sample{path}"][method]["responses"]
    return answers


def test_each_operation_documents_what_the_platform_answers_around_it() -> None:
    app = create_app(name="sample", title="Sample", description="", routers=[router], lifespan=None)
    document = app.openapi()

    assert sorted(responses(document, "/open", "get")) == ["200", "422", "429", "503"]
    assert sorted(responses(document, "/mine", "post")) == ["200", "401", "422", "429", "503"]
    assert sorted(responses(document, "/admin/{thing}", "delete")) == [
        "204", "401", "403", "404", "422", "429", "503"
    ]
    assert sorted(responses(document, "/stream", "get")) == ["200", "401", "422", "429", "503"]
    for status, answer in responses(document, "/admin/{thing}", "delete").items():
        if status in {"401", "403", "422", "429", "503"}:
            assert answer["content"] == {PROBLEM_JSON: {"schema": PROBLEM_REF}}, status
    # The route's own words stay; FastAPI's 422 shape ({"detail": [...]}) is gone with its schemas.
    assert responses(document, "/admin/{thing}", "delete")["401"]["description"] == "said by the route"
    assert responses(document, "/mine", "post")["422"]["description"] == PLATFORM_ANSWERS[422]
    assert "HTTPValidationError" not in document["components"]["schemas"]
    assert "HTTPValidationError" not in json.dumps(document)
    assert app.openapi() is document  # made once


def test_the_documented_problem_is_what_the_platform_answers() -> None:
    schema = create_app(name="sample", title="Sample", description="", routers=[router], lifespan=None).openapi()
    assert set(schema["components"]["schemas"]["Problem"]["required"]) == {"type", "title", "status", "detail", "code"}
    invalid = problem_response(422, "The request is not valid: name", code="validation_failed", instance="/x",
                               errors=[{"field": "name", "in": "body", "message": "Field required"}])
    limited = problem_response(429, "Too many requests; slow down.", code="rate_limited")
    unavailable = problem_response(503, "The database is out of reach.", code="database_unavailable")
    for answer in (invalid, limited, unavailable):
        problem = Problem.model_validate_json(answer.body)
        assert problem.status == answer.status_code and answer.media_type == PROBLEM_JSON
    assert Problem.model_validate_json(invalid.body).errors is not None
