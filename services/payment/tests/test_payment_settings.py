"""The payment gateway is a deliberate choice: required, real in production, the sandbox only locally and
at a URL given to it, and a key always (from the secret store, or generated at start)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from matjip_payment.settings import PaymentSettings

SANDBOX_URL = "http://127.0.0.1:8190/api/sandbox-pg"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "MATJIP_PAYMENT_GATEWAY",
        "MATJIP_ENVIRONMENT",
        "MATJIP_PAYMENT_GATEWAY_SECRET_KEY",
        "MATJIP_PAYMENT_GATEWAY_BASE_URL",
    ):
        monkeypatch.delenv(name, raising=False)


def test_the_gateway_has_no_default() -> None:
    with pytest.raises(ValidationError, match="payment_gateway"):
        PaymentSettings()


@pytest.mark.parametrize("environment", ["prod", "staging"])
def test_the_sandbox_is_refused_where_customers_pay(monkeypatch: pytest.MonkeyPatch, environment: str) -> None:
    monkeypatch.setenv("MATJIP_PAYMENT_GATEWAY", "sandbox")
    monkeypatch.setenv("MATJIP_PAYMENT_GATEWAY_BASE_URL", SANDBOX_URL)
    monkeypatch.setenv("MATJIP_PAYMENT_GATEWAY_SECRET_KEY", "made-at-start")
    monkeypatch.setenv("MATJIP_ENVIRONMENT", environment)
    with pytest.raises(ValidationError, match="sandbox is refused"):
        PaymentSettings()


@pytest.mark.parametrize("environment", ["local", "dev"])
def test_the_sandbox_runs_locally_and_in_dev_at_its_url(monkeypatch: pytest.MonkeyPatch, environment: str) -> None:
    monkeypatch.setenv("MATJIP_PAYMENT_GATEWAY", "sandbox")
    monkeypatch.setenv("MATJIP_PAYMENT_GATEWAY_SECRET_KEY", "made-at-start")
    monkeypatch.setenv("MATJIP_ENVIRONMENT", environment)
    with pytest.raises(ValidationError, match="BASE_URL is required"):
        PaymentSettings()  # the sandbox lives in no payment process: nowhere to fall back on
    monkeypatch.setenv("MATJIP_PAYMENT_GATEWAY_BASE_URL", SANDBOX_URL + "/")
    assert PaymentSettings().gateway_base_url == SANDBOX_URL


@pytest.mark.parametrize("gateway", ["toss", "sandbox"])
def test_every_gateway_needs_its_key(monkeypatch: pytest.MonkeyPatch, gateway: str) -> None:
    monkeypatch.setenv("MATJIP_PAYMENT_GATEWAY", gateway)
    monkeypatch.setenv("MATJIP_PAYMENT_GATEWAY_BASE_URL", SANDBOX_URL if gateway == "sandbox" else "")
    with pytest.raises(ValidationError, match="SECRET_KEY is required"):
        PaymentSettings()


def test_the_real_gateway_is_toss_over_https(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MATJIP_PAYMENT_GATEWAY", "toss")
    monkeypatch.setenv("MATJIP_ENVIRONMENT", "prod")
    monkeypatch.setenv("MATJIP_PAYMENT_GATEWAY_SECRET_KEY", "from-the-secret-store")
    assert PaymentSettings().gateway_base_url == "https://api.tosspayments.com"
    monkeypatch.setenv("MATJIP_PAYMENT_GATEWAY_BASE_URL", SANDBOX_URL)  # a sandbox is no real gateway
    with pytest.raises(ValidationError, match="HTTPS only"):
        PaymentSettings()


def test_the_payment_process_refuses_to_start_with_the_sandbox_where_customers_pay(tmp_path: Path) -> None:
    """As a deploy would start it: `python -m matjip_payment serve` exits before it serves anything."""
    unreachable = "127.0.0.1:9"  # were the refusal gone, it would fail on these, not on anyone's stack
    env = {k: v for k, v in os.environ.items() if not k.startswith("MATJIP_")} | {
        "MATJIP_ENVIRONMENT": "prod",
        "MATJIP_PAYMENT_GATEWAY": "sandbox",
        "MATJIP_PAYMENT_GATEWAY_BASE_URL": SANDBOX_URL,
        "MATJIP_PAYMENT_GATEWAY_SECRET_KEY": "made-at-start",
        "MATJIP_DATABASE_URL": f"postgresql+asyncpg://nobody@{unreachable}/none",
        "MATJIP_KAFKA_BOOTSTRAP": unreachable,
        "MATJIP_REDIS_URL": f"redis://{unreachable}/0",
    }
    result = subprocess.run(
        [sys.executable, "-m", "matjip_payment", "serve"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert "MATJIP_PAYMENT_GATEWAY=sandbox is refused in environment 'prod'" in result.stderr + result.stdout
