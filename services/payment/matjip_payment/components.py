"""The payment service's collaborators, built once the runtime is up and shared by its handlers, routes
and background tasks."""

import secrets
from collections.abc import Callable
from dataclasses import dataclass

import httpx
import structlog
from fastapi import FastAPI

from matjip_payment.gateway.toss import TossPaymentsGateway
from matjip_payment.sandbox.app import create_sandbox_gateway
from matjip_payment.settings import PaymentSettings
from matjip_platform.db import Database
from matjip_platform.outbox import Outbox
from matjip_platform.relay import OutboxRelay
from matjip_platform.service import Runtime

log = structlog.get_logger(__name__)

EXTRAS_KEY = "payment"


@dataclass
class PaymentComponents:
    settings: PaymentSettings
    db: Database
    outbox: Outbox
    relay: OutboxRelay
    gateway: TossPaymentsGateway
    http: httpx.AsyncClient
    sandbox: FastAPI | None  # the sandbox PG's ASGI app, in sandbox mode only

    async def close(self) -> None:
        await self.http.aclose()


def build_components(runtime: Runtime) -> PaymentComponents:
    settings = runtime.settings
    assert isinstance(settings, PaymentSettings), "the payment definition uses PaymentSettings"
    secret_key = settings.payment_gateway_secret_key.get_secret_value()
    sandbox: FastAPI | None = None
    if settings.sandbox_mode:
        # The sandbox and its only client live in this process: a key made now is all they need.
        secret_key = secret_key or f"test_sk_{secrets.token_urlsafe(24)}"
        sandbox = create_sandbox_gateway(
            runtime.db, secret_key=secret_key, stall_seconds=settings.payment_gateway_timeout_seconds + 1.0
        )
    elif not secret_key:
        raise RuntimeError("MATJIP_PAYMENT_GATEWAY_SECRET_KEY is required when MATJIP_PAYMENT_GATEWAY=toss")
    http = TossPaymentsGateway.http_client(
        settings.gateway_base_url,
        secret_key,
        timeout_seconds=settings.payment_gateway_timeout_seconds,
        connect_timeout_seconds=settings.payment_gateway_connect_timeout_seconds,
    )
    gateway = TossPaymentsGateway(
        http,
        max_attempts=settings.payment_gateway_max_attempts,
        backoff_seconds=settings.payment_gateway_backoff_seconds,
    )
    log.info("payment_gateway_configured", mode=settings.payment_gateway, base_url=settings.gateway_base_url)
    return PaymentComponents(settings, runtime.db, runtime.outbox, runtime.relay, gateway, http, sandbox)


def components_of(runtime: Runtime) -> PaymentComponents:
    components: PaymentComponents = runtime.extras[EXTRAS_KEY]
    return components


class ComponentsSlot:
    """Where the Kafka handlers find the components: filled by on_startup, before consuming starts."""

    def __init__(self) -> None:
        self._components: PaymentComponents | None = None

    def fill(self, components: PaymentComponents) -> None:
        self._components = components

    def __call__(self) -> PaymentComponents:
        assert self._components is not None, "payment components are built in on_startup"
        return self._components


ComponentsProvider = Callable[[], PaymentComponents]
