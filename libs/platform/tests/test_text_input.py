"""A NUL character (which PostgreSQL cannot store) is refused with 422 naming the field; everything else
reaches the route unchanged; a name shown to others refuses invisible formatting characters."""

from __future__ import annotations

import httpx
import pytest
from fastapi import APIRouter, FastAPI
from pydantic import BaseModel

from matjip_platform.errors import install_error_handlers
from matjip_platform.text_input import RefuseNulCharacters, nul_fields, visible_name


class Line(BaseModel):
    name: str


class Body(BaseModel):
    name: str
    lines: list[Line] = []


router = APIRouter()


@router.post("/things")
async def create(body: Body) -> dict[str, object]:
    return body.model_dump()


@router.get("/search")
async def search(q: str = "") -> dict[str, str]:
    return {"q": q}


def client() -> httpx.AsyncClient:
    app = FastAPI()
    app.include_router(router)
    app.add_middleware(RefuseNulCharacters)
    install_error_handlers(app)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


def test_the_fields_holding_a_nul_are_named_like_validation_errors() -> None:
    document = {"name": "ok", "lines": [{"name": "a"}, {"name": "b\x00"}], "k\x00": 1}
    assert nul_fields(document) == ["lines[1].name", "k\x00"]
    assert nul_fields("top\x00") == ["body"]
    assert nul_fields({"name": "fine", "n": 3, "x": None}) == []


async def test_a_nul_in_the_body_is_refused_with_422_naming_the_field() -> None:
    async with client() as c:
        response = await c.post("/things", content=b'{"name": "Kimbap", "lines": [{"name": "x\\u0000y"}]}',
                                headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"] == [
        {"field": "lines[0].name", "in": "body", "message": "must not contain the NUL character (U+0000)"}
    ]


async def test_a_nul_in_the_query_is_refused() -> None:
    async with client() as c:
        response = await c.get("/search?q=tteok%00bokki")
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "q"


async def test_other_text_reaches_the_route_unchanged() -> None:
    # An escaped backslash followed by "u0000" is six ordinary characters, not a NUL.
    raw = b'{"name": "back\\\\u0000slash", "lines": [{"name": "\\ud55c\\uae00"}]}'
    async with client() as c:
        response = await c.post("/things", content=raw, headers={"Content-Type": "application/json"})
        searched = await c.get("/search", params={"q": "떡볶이 100%"})
    assert response.status_code == 200
    assert response.json() == {"name": "back\\u0000slash", "lines": [{"name": "한글"}]}
    assert searched.json() == {"q": "떡볶이 100%"}


@pytest.mark.parametrize("name", ["Kimbap \u202eyrots", "Kim\u200bbap", "\ufeffKimbap", "a\u2066b\u2069", "x\u200dy"])
def test_a_name_with_invisible_formatting_is_refused(name: str) -> None:
    with pytest.raises(ValueError, match="invisible formatting characters"):
        visible_name(name)


@pytest.mark.parametrize(
    "name", ["김밥천국", "Chef \U0001f469\u200d\U0001f373", "Café Noir", "שלום Tteok", "\u2764\ufe0f"]
)
def test_ordinary_names_pass_unchanged(name: str) -> None:
    assert visible_name(name) == name
