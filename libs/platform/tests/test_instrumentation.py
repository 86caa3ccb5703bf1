"""Tokens in query strings (SSE's ?access_token=) never reach a span."""

from opentelemetry.sdk.trace import TracerProvider

from matjip_platform.instrumentation import redact_secret_query, redacted_query


def test_secret_query_parameters_are_masked_and_others_kept() -> None:
    assert redacted_query("access_token=eyJabc.def.ghi&after=42") == "access_token=%5BREDACTED%5D&after=42"


def test_the_hook_rewrites_the_url_attributes_of_the_server_span() -> None:
    tracer = TracerProvider().get_tracer("t")
    with tracer.start_as_current_span(
        "GET /api/notification/stream",
        attributes={
            "http.url": "http://svc/api/notification/stream?access_token=eyJsecret&after=3",
            "http.target": "/api/notification/stream?access_token=eyJsecret&after=3",
        },
    ) as span:
        scope = {"path": "/api/notification/stream", "query_string": b"access_token=eyJsecret&after=3"}
        redact_secret_query(span, scope)
        recorded = dict(span.attributes or {})  # type: ignore[attr-defined]
    assert all("eyJsecret" not in str(value) for value in recorded.values())
    assert recorded["http.url"].endswith("after=3")
    assert recorded["http.target"].startswith("/api/notification/stream?access_token=")
