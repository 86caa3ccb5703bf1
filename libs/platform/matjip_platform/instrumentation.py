"""OpenTelemetry auto-instrumentation of the libraries a service uses (HTTP server and client, SQL, Redis)."""

from typing import Any
from urllib.parse import parse_qsl, urlencode

from fastapi import FastAPI
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
from opentelemetry.instrumentation.redis import RedisInstrumentor
from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
from opentelemetry.trace import Span
from sqlalchemy.ext.asyncio import AsyncEngine

from matjip_platform.logging import REDACTED

# Browsers' EventSource cannot send headers, so SSE takes the token in the query string: never keep it.
SECRET_QUERY_PARAMETERS = frozenset({"access_token", "token", "refresh_token"})


def redacted_query(query: str) -> str:
    pairs = parse_qsl(query, keep_blank_values=True)
    return urlencode([(k, REDACTED if k in SECRET_QUERY_PARAMETERS else v) for k, v in pairs])


def redact_secret_query(span: Span, scope: dict[str, Any]) -> None:
    """FastAPI server-request hook: rewrite the URL attributes the instrumentation already recorded."""
    raw = scope.get("query_string", b"").decode("latin-1")
    if not span.is_recording() or not any(f"{name}=" in raw for name in SECRET_QUERY_PARAMETERS):
        return
    query = redacted_query(raw)
    path = scope.get("path", "")
    span.set_attribute("url.query", query)
    span.set_attribute("http.target", f"{path}?{query}")
    attributes = getattr(span, "attributes", None) or {}
    for key in ("http.url", "url.full"):
        if key in attributes:
            span.set_attribute(key, str(attributes[key]).split("?", 1)[0] + "?" + query)


def instrument(app: FastAPI) -> None:
    FastAPIInstrumentor.instrument_app(
        app,
        excluded_urls="/health/.*,/metrics",
        server_request_hook=redact_secret_query,
        # The ASGI send/receive of every response chunk as spans of their own: three spans per request
        # where one tells the story (and an SSE stream would add one per frame).
        exclude_spans=["receive", "send"],
    )
    HTTPXClientInstrumentor().instrument()
    RedisInstrumentor().instrument()


def instrument_engine(engine: AsyncEngine) -> None:
    SQLAlchemyInstrumentor().instrument(engine=engine.sync_engine, enable_commenter=False)
