"""The payment gateway is a deliberate choice: required, real in production, sandbox only locally."""

import pytest
from pydantic import ValidationError

from matjip_payment.settings import PaymentSettings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("MATJIP_PAYMENT_GATEWAY", "MATJIP_ENVIRONMENT", "MATJIP_PAYMENT_GATEWAY_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)


def test_the_gateway_has_no_default(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValidationError, match="payment_gateway"):
        PaymentSettings()


@pytest.mark.parametrize("environment", ["prod", "staging"])
def test_the_sandbox_is_refused_where_customers_pay(monkeypatch: pytest.MonkeyPatch, environment: str) -> None:
    monkeypatch.setenv("MATJIP_PAYMENT_GATEWAY", "sandbox")
    monkeypatch.setenv("MATJIP_ENVIRONMENT", environment)
    with pytest.raises(ValidationError, match="sandbox is refused"):
        PaymentSettings()


@pytest.mark.parametrize("environment", ["local", "dev"])
def test_the_sandbox_runs_locally_and_in_dev(monkeypatch: pytest.MonkeyPatch, environment: str) -> None:
    monkeypatch.setenv("MATJIP_PAYMENT_GATEWAY", "sandbox")
    monkeypatch.setenv("MATJIP_ENVIRONMENT", environment)
    assert PaymentSettings().sandbox_mode


def test_the_real_gateway_needs_its_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MATJIP_PAYMENT_GATEWAY", "toss")
    monkeypatch.setenv("MATJIP_ENVIRONMENT", "prod")
    with pytest.raises(ValidationError, match="SECRET_KEY is required"):
        PaymentSettings()
    monkeypatch.setenv("MATJIP_PAYMENT_GATEWAY_SECRET_KEY", "from-the-secret-store")
    settings = PaymentSettings()
    assert not settings.sandbox_mode and settings.gateway_base_url == "https://api.tosspayments.com"
