"""The payment service's collaborators, built once the runtime is up and shared by its handlers, routes
and background tasks."""

from dataclasses import dataclass

import httpx
import structlog

from matjip_payment.gateway.toss import TossPaymentsGateway
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

    async def close(self) -> None:
        await self.http.aclose()


async def build_components(platform: Platform[PaymentSettings]) -> PaymentComponents:
    settings = platform.settings
    http = TossPaymentsGateway.http_client(
        settings.gateway_base_url,
        settings.payment_gateway_secret_key.get_secret_value(),
        timeout_seconds=settings.payment_gateway_timeout_seconds,
        connect_timeout_seconds=settings.payment_gateway_connect_timeout_seconds,
    )
    gateway = TossPaymentsGateway(
        http,
        max_attempts=settings.payment_gateway_max_attempts,
        backoff_seconds=settings.payment_gateway_backoff_seconds,
    )
    log.info("payment_gateway_configured", gateway=settings.payment_gateway, base_url=settings.gateway_base_url)
    return PaymentComponents(settings, platform.unit_of_work, platform.db, gateway, http)


async def close_components(components: PaymentComponents) -> None:
    await components.close()
