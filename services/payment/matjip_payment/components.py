"""The payment service's collaborators, built once the runtime is up and shared by its handlers, routes
and background tasks."""

import secrets
from dataclasses import dataclass

import httpx
import structlog
from fastapi import FastAPI

from matjip_payment.gateway.toss import TossPaymentsGateway
from matjip_payment.sandbox.app import create_sandbox_gateway
from matjip_payment.settings import PaymentSettings
from matjip_platform.db import Database
from matjip_platform.service import Platform
from matjip_platform.unit_of_work import UnitOfWorkFactory

log = structlog.get_logger(__name__)


@dataclass
class PaymentComponents:
    settings: PaymentSettings
    unit_of_work: UnitOfWorkFactory
    db: Database  # the reconciliation's session-level leader lock
    gateway: TossPaymentsGateway
    http: httpx.AsyncClient
    sandbox: FastAPI | None  # the sandbox PG's ASGI app, in sandbox mode only

    async def close(self) -> None:
        await self.http.aclose()


async def build_components(platform: Platform[PaymentSettings]) -> PaymentComponents:
    settings = platform.settings
    secret_key = settings.payment_gateway_secret_key.get_secret_value()
    sandbox: FastAPI | None = None
    if settings.sandbox_mode:
        # The sandbox and its only client live in this process: a key made now is all they need.
        secret_key = secret_key or f"test_sk_{secrets.token_urlsafe(24)}"
        sandbox = create_sandbox_gateway(
            platform.db, secret_key=secret_key, stall_seconds=settings.payment_gateway_timeout_seconds + 1.0
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
    return PaymentComponents(settings, platform.unit_of_work, platform.db, gateway, http, sandbox)


async def close_components(components: PaymentComponents) -> None:
    await components.close()
