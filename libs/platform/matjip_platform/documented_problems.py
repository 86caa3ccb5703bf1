"""The error answers the platform itself gives, written into every service's OpenAPI document.

FastAPI documents only 2xx and a 422 in its own shape (`{"detail": [...]}`), while every service answers
errors as problem+json (matjip_platform.errors) and the platform adds answers of its own around each
route. Those are known from the route alone, so they are documented here once, for every operation:

| status | when | which operations |
| --- | --- | --- |
| 422 | a field is not valid, or holds a NUL (RefuseNulCharacters, for any query string) | all |
| 429 | the caller's IP or user spent its budget (RateLimitMiddleware) | all |
| 503 | the database is out of reach (UnexpectedErrorMiddleware, matjip_platform.unavailable) | all |
| 401 | no valid access token | those that need one (`authenticated` or a dependency marked `needs_token`) |
| 403 | the caller's role may not (`require_role`) | those that check a role |

What a route's own domain answers (404, 409, 400 ...) is the route's to declare with `responses=`
(`problem_responses(...)` below builds them).
"""

from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts
from pydantic import BaseModel, ConfigDict, Field

from matjip_platform.errors import PROBLEM_JSON

PROBLEM_SCHEMA = "Problem"
_REF = f"#/components/schemas/{PROBLEM_SCHEMA}"

PLATFORM_ANSWERS = {
    422: "The request is not valid: each field at fault is named in `errors` (a NUL character included).",
    429: "Too many requests from this IP or user: wait `Retry-After` seconds.",
    503: "The database is out of reach for a moment (restarting): try again after `Retry-After` seconds.",
}
NO_TOKEN = "No valid access token: missing, expired, forged or revoked."
WRONG_ROLE = "The caller's role may not do this."


class FieldError(BaseModel):
    field: str
    in_: str = Field(alias="in", description="body, query, path or header")
    message: str


class Problem(BaseModel):
    """An error answer (RFC 9457 problem details, application/problem+json)."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    detail: str
    code: str = Field(description="stable, machine-readable: what the client branches on")
    instance: str | None = None
    errors: list[FieldError] | None = Field(default=None, description="422 only: the fields at fault")


F = TypeVar("F", bound=Callable[..., Any])

# Dependencies that answer 401 or 403, recorded by the functions that make them (matjip_platform.http).
_TOKEN_DEPENDENCIES: set[Callable[..., Any]] = set()
_ROLE_DEPENDENCIES: set[Callable[..., Any]] = set()


def needs_token(dependency: F) -> F:
    """Marks a dependency that answers 401 without a valid access token."""
    _TOKEN_DEPENDENCIES.add(dependency)
    return dependency


def checks_role(dependency: F) -> F:
    """Marks a dependency that answers 403 to a role it does not let through."""
    _ROLE_DEPENDENCIES.add(dependency)
    return dependency


def problem_responses(**answers: str) -> dict[int | str, dict[str, Any]]:
    """`responses=` of a route for its own problem answers: `problem_responses(**{"404": "no such store"})`."""
    return {int(status): problem_answer(description) for status, description in answers.items()}


def problem_answer(description: str) -> dict[str, Any]:
    return {"description": description, "content": {PROBLEM_JSON: {"schema": {"$ref": _REF}}}}


def _calls(dependant: Dependant) -> Iterator[Any]:
    for dependency in dependant.dependencies:
        yield dependency.call
        yield from _calls(dependency)


def platform_answers(route: APIRoute | RouteContext) -> dict[int, str]:
    """What the platform may answer for `route` besides the route's own answers."""
    answers = dict(PLATFORM_ANSWERS)
    calls = set(_calls(route.dependant))
    if calls & _TOKEN_DEPENDENCIES or calls & _ROLE_DEPENDENCIES:
        answers[401] = NO_TOKEN
    if calls & _ROLE_DEPENDENCIES:
        answers[403] = WRONG_ROLE
    return answers


def document_problems(app: FastAPI) -> None:
    """Make `app.openapi()` document the platform's answers of every operation as problem+json (replacing
    FastAPI's own 422, whose shape the services never answer)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = generate()
        schemas = document.setdefault("components", {}).setdefault("schemas", {})
        problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}", by_alias=True)
        schemas.update(problem.pop("$defs", {}))
        schemas[PROBLEM_SCHEMA] = problem
        for name in ("HTTPValidationError", "ValidationError"):  # FastAPI's 422 shape, answered by no one
            schemas.pop(name, None)
        # Each route as it is served (FastAPI keeps included routers as such: their routes come with the
        # router's prefix and dependencies only through their contexts).
        for route in iter_route_contexts(app.routes):
            if not isinstance(route.original_route, APIRoute) or not route.include_in_schema:
                continue
            for method in route.methods or ():
                operation = document["paths"].get(route.path_format, {}).get(method.lower())
                if operation is None:
                    continue
                responses = operation.setdefault("responses", {})
                for status, description in platform_answers(route).items():
                    own = responses.get(str(status))
                    if own is None or status == 422:  # FastAPI's own 422 is replaced
                        responses[str(status)] = problem_answer(description)
                    else:  # the route's description stays, in the shape every error is answered in
                        own.setdefault("description", description)
                        own["content"] = problem_answer(description)["content"]
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]
