"""Wiring of the payment service."""

from pathlib import Path

from matjip_payment.api import payments
from matjip_payment.components import PaymentComponents, build_components, close_components
from matjip_payment.events.handlers import handlers
from matjip_payment.reconciliation import reconcile
from matjip_payment.settings import PaymentSettings
from matjip_platform.service import ServiceDefinition

definition: ServiceDefinition[PaymentSettings, PaymentComponents] = ServiceDefinition(
    name="payment",
    title="Matjip payment",
    description="Payment intents, gateway adapter, refunds and reconciliation.",
    migrations_dir=Path(__file__).resolve().parent.parent / "migrations",
    schema="payment",
    settings_class=PaymentSettings,
    components=build_components,
    routers=[payments.router],
    handlers=handlers,
    background=[reconcile],
    close=close_components,
)
