"""Settings of the payment service (MATJIP_PAYMENT_* on top of the platform's MATJIP_* variables)."""

from typing import Literal

from pydantic import Field, SecretStr, model_validator

from matjip_platform.settings import ServiceSettings

TOSS_BASE_URL = "https://api.tosspayments.com"

# The sandbox gateway approves whatever it is told to: it may run only where no real customer pays.
SANDBOX_ENVIRONMENTS = frozenset({"local", "dev"})


class PaymentSettings(ServiceSettings):
    # Required, no default: a deployment that forgets it must fail to start, not take fake payments.
    # Either way payment calls the PG with its one adapter (gateway/toss.py); the value says what answers:
    #   toss    - Toss Payments, where money moves: Toss's URL unless told otherwise, HTTPS only.
    #   sandbox - the sandbox PG of the local stack or a test (tools/sandbox-pg), at the URL it is given;
    #             refused outside local and dev.
    payment_gateway: Literal["sandbox", "toss"]
    payment_gateway_base_url: str = ""
    # Required: the merchant secret key (from the secret store in clusters; generated at start by the
    # local stack and by tests, which give the same key to the sandbox - never a committed value).
    payment_gateway_secret_key: SecretStr = SecretStr("")
    payment_gateway_timeout_seconds: float = Field(default=5.0, gt=0)
    payment_gateway_connect_timeout_seconds: float = Field(default=2.0, gt=0)
    payment_gateway_max_attempts: int = Field(default=3, ge=1)
    payment_gateway_backoff_seconds: float = Field(default=0.2, ge=0)
    payment_reconcile_interval_seconds: float = Field(default=60.0, gt=0)
    # How far back the reconciliation asks the gateway for charges.
    payment_reconcile_window_hours: float = Field(default=48.0, gt=0)

    @model_validator(mode="after")
    def _a_gateway_that_fits_the_environment(self) -> "PaymentSettings":
        if self.payment_gateway == "sandbox" and self.environment not in SANDBOX_ENVIRONMENTS:
            raise ValueError(
                f"MATJIP_PAYMENT_GATEWAY=sandbox is refused in environment {self.environment!r}: "
                f"only {', '.join(sorted(SANDBOX_ENVIRONMENTS))} may run the sandbox payment gateway"
            )
        if self.payment_gateway == "sandbox" and not self.payment_gateway_base_url:
            raise ValueError(
                "MATJIP_PAYMENT_GATEWAY_BASE_URL is required with the sandbox gateway: the sandbox PG's URL "
                "(./matjip up sets it)"
            )
        if self.payment_gateway == "toss" and not self.gateway_base_url.startswith("https://"):
            raise ValueError(f"the real payment gateway is reached over HTTPS only, not {self.gateway_base_url!r}")
        if not self.payment_gateway_secret_key.get_secret_value():
            raise ValueError(
                f"MATJIP_PAYMENT_GATEWAY_SECRET_KEY is required when MATJIP_PAYMENT_GATEWAY={self.payment_gateway}"
            )
        return self

    @property
    def gateway_base_url(self) -> str:
        return (self.payment_gateway_base_url or TOSS_BASE_URL).rstrip("/")
