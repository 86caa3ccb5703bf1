"""Wiring of the payment service."""

from pathlib import Path

from matjip_payment.api import payments, sandbox_mount
from matjip_payment.components import EXTRAS_KEY, ComponentsSlot, build_components, components_of
from matjip_payment.events.handlers import build_handlers
from matjip_payment.reconciliation import reconcile
from matjip_payment.settings import SANDBOX_MOUNT_PATH, PaymentSettings
from matjip_platform.service import Runtime, ServiceDefinition


def create_definition() -> ServiceDefinition:
    """A fresh definition (each has its own slot for the components its handlers use)."""
    slot = ComponentsSlot()

    async def on_startup(runtime: Runtime) -> None:
        components = build_components(runtime)
        runtime.extras[EXTRAS_KEY] = components
        slot.fill(components)

    async def on_shutdown(runtime: Runtime) -> None:
        await components_of(runtime).close()

    return ServiceDefinition(
        name="payment",
        title="Matjip payment",
        description="Payment intents, gateway adapter, refunds and reconciliation.",
        migrations_dir=Path(__file__).resolve().parent.parent / "migrations",
        schema="payment",
        routers=[payments.router, sandbox_mount.router],
        handlers=build_handlers(slot),
        background=[reconcile],
        on_startup=on_startup,
        on_shutdown=on_shutdown,
        settings_class=PaymentSettings,
        # The sandbox PG is called by payment itself over loopback: one IP for every order.
        rate_limit_exempt_prefixes=(SANDBOX_MOUNT_PATH,),
    )


definition = create_definition()
