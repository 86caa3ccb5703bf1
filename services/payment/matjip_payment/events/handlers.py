"""What payment consumes: its commands (payment.commands) and order statuses (order.events)."""

from matjip_contracts.events.order import OrderStatusChanged
from matjip_contracts.events.payment import AuthorizePayment, RefundPayment
from matjip_payment import application
from matjip_payment.components import ComponentsProvider
from matjip_payment.repository import orders
from matjip_platform.handlers import EventHandlers, HandlerContext


def build_handlers(components: ComponentsProvider) -> EventHandlers:
    handlers = EventHandlers()

    @handlers.on(AuthorizePayment)
    async def on_authorize_payment(ctx: HandlerContext, command: AuthorizePayment) -> None:
        await application.authorize_payment(ctx.session, ctx.outbox, components().gateway, command)

    @handlers.on(RefundPayment)
    async def on_refund_payment(ctx: HandlerContext, command: RefundPayment) -> None:
        gateway = components().gateway
        await application.refund_payment(ctx.session, ctx.outbox, gateway, command.order_id, command.reason)

    @handlers.on(OrderStatusChanged)
    async def on_order_status_changed(ctx: HandlerContext, event: OrderStatusChanged) -> None:
        # Only kept: the reconciliation refunds charges of cancelled orders from it.
        await orders.record_status(ctx.session, event)

    return handlers
