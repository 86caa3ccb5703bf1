"""No secret reaches a log line: keys that name secrets and tokens inside text are masked."""

import io
import json
import logging

import structlog

from matjip_platform.logging import REDACTED, redact_secrets, setup_logging

JWT = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"


def test_values_under_secret_names_are_redacted() -> None:
    event = redact_secrets(
        None,
        "info",
        {"event": "login", "password": "hunter22", "refresh_token": "abc", "headers": {"Authorization": "x"}},
    )
    assert event["password"] == REDACTED
    assert event["refresh_token"] == REDACTED
    assert event["headers"] == {"Authorization": REDACTED}
    assert event["event"] == "login"


def test_tokens_inside_free_text_are_masked() -> None:
    event = redact_secrets(None, "info", {"event": f"call failed with Bearer {JWT} and {JWT}"})
    assert JWT not in event["event"]
    assert "Bearer [REDACTED]" in event["event"]


def test_a_real_log_line_is_json_without_the_secret(capsys: object) -> None:
    stream = io.StringIO()
    setup_logging("test-service")
    handler = logging.getLogger().handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(stream)
    structlog.get_logger("t").info("user_logged_in", password="hunter22", note=f"token={JWT}", order_id="o-1")
    line = json.loads(stream.getvalue().strip().splitlines()[-1])
    assert line["service"] == "test-service"
    assert line["level"] == "info"
    assert line["order_id"] == "o-1"
    assert "hunter22" not in stream.getvalue()
    assert JWT not in stream.getvalue()
