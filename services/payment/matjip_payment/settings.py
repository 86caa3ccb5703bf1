"""Settings of the payment service (MATJIP_PAYMENT_* on top of the platform's MATJIP_* variables)."""

from typing import Literal

from pydantic import Field, SecretStr, model_validator

from matjip_platform.settings import ServiceSettings

SANDBOX_MOUNT_PATH = "/api/payment/sandbox-pg"
TOSS_BASE_URL = "https://api.tosspayments.com"


# The sandbox gateway approves whatever it is told to: it may run only where no real customer pays.
SANDBOX_ENVIRONMENTS = frozenset({"local", "dev"})


class PaymentSettings(ServiceSettings):
    # Required, no default: a deployment that forgets it must fail to start, not take fake payments.
    # `toss` is the real gateway (MATJIP_PAYMENT_GATEWAY_SECRET_KEY required); `sandbox` mounts the local
    # PG inside this process and points the adapter at it over loopback HTTP (local and dev only).
    payment_gateway: Literal["sandbox", "toss"]
    payment_gateway_base_url: str = ""
    # Empty in sandbox mode: a random key is generated at start (never a committed value).
    payment_gateway_secret_key: SecretStr = SecretStr("")
    payment_gateway_timeout_seconds: float = Field(default=5.0, gt=0)
    payment_gateway_connect_timeout_seconds: float = Field(default=2.0, gt=0)
    payment_gateway_max_attempts: int = Field(default=3, ge=1)
    payment_gateway_backoff_seconds: float = Field(default=0.2, ge=0)
    payment_reconcile_interval_seconds: float = Field(default=60.0, gt=0)
    # How far back the reconciliation asks the gateway for charges.
    payment_reconcile_window_hours: float = Field(default=48.0, gt=0)

    @model_validator(mode="after")
    def _sandbox_only_where_nobody_pays(self) -> "PaymentSettings":
        if self.payment_gateway == "sandbox" and self.environment not in SANDBOX_ENVIRONMENTS:
            raise ValueError(
                f"MATJIP_PAYMENT_GATEWAY=sandbox is refused in environment {self.environment!r}: "
                f"only {', '.join(sorted(SANDBOX_ENVIRONMENTS))} may run the sandbox payment gateway"
            )
        if self.payment_gateway == "toss" and not self.payment_gateway_secret_key.get_secret_value():
            raise ValueError("MATJIP_PAYMENT_GATEWAY_SECRET_KEY is required when MATJIP_PAYMENT_GATEWAY=toss")
        return self

    @property
    def sandbox_mode(self) -> bool:
        return self.payment_gateway == "sandbox"

    @property
    def gateway_base_url(self) -> str:
        if self.payment_gateway_base_url:
            return self.payment_gateway_base_url.rstrip("/")
        if self.sandbox_mode:
            # Loopback, whatever the bind address: the sandbox lives in this very process.
            return f"http://127.0.0.1:{self.http_port}{SANDBOX_MOUNT_PATH}"
        return TOSS_BASE_URL
