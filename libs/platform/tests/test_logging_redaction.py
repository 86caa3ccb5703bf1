"""No secret reaches a log line: keys that name secrets and tokens inside text are masked."""

import io
import json
import logging
import sys

import pytest
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


def test_a_real_log_line_is_json_without_the_secret(capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging("test-service")
    structlog.get_logger("t").info("user_logged_in", password="hunter22", note=f"token={JWT}", order_id="o-1")
    written = capsys.readouterr().out
    line = json.loads(written.strip().splitlines()[-1])
    assert line["service"] == "test-service"
    assert line["level"] == "info"
    assert line["order_id"] == "o-1"
    assert "hunter22" not in written
    assert JWT not in written


def test_a_library_line_goes_through_the_same_redaction(capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging("test-service")
    logging.getLogger("somelib").warning("retrying with Bearer %s", JWT)
    written = capsys.readouterr().out
    line = json.loads(written.strip().splitlines()[-1])
    assert line["service"] == "test-service"
    assert line["logger"] == "somelib"
    assert JWT not in written


def test_lines_follow_stdout_when_it_is_swapped(monkeypatch: pytest.MonkeyPatch) -> None:
    """A logger cached on first use must not keep writing to a stream that was swapped out and closed."""
    setup_logging("test-service")
    log = structlog.get_logger("t")
    first_bytes, second_bytes = io.BytesIO(), io.BytesIO()
    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(first_bytes))
    log.info("first")
    assert b'"event":"first"' in first_bytes.getvalue()
    sys.stdout.close()
    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(second_bytes))
    log.info("second")
    assert b'"event":"second"' in second_bytes.getvalue()
