"""What payment consumes: its commands (payment.commands) and order statuses (order.events)."""

from matjip_contracts.events.order import OrderStatusChanged
from matjip_contracts.events.payment import AuthorizePayment, RefundPayment
from matjip_payment import application
from matjip_payment.components import PaymentComponents
from matjip_payment.repository import orders
from matjip_platform.handlers import EventHandlers, HandlerContext

handlers: EventHandlers[PaymentComponents] = EventHandlers()
Context = HandlerContext[PaymentComponents]


@handlers.on(AuthorizePayment)
async def on_authorize_payment(ctx: Context, command: AuthorizePayment) -> None:
    await application.authorize_payment(ctx, ctx.components.gateway, command)


@handlers.on(RefundPayment)
async def on_refund_payment(ctx: Context, command: RefundPayment) -> None:
    await application.refund_payment(ctx, ctx.components.gateway, command.order_id, command.reason)


@handlers.on(OrderStatusChanged)
async def on_order_status_changed(ctx: Context, event: OrderStatusChanged) -> None:
    # Only kept: the reconciliation refunds charges of cancelled orders from it.
    await orders.record_status(ctx.conn, event)
