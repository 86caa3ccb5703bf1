"""What payment consumes: its commands (payment.commands) and order statuses (order.events)."""

from matjip_contracts.events.common import OrderStatus
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


# Only an order's end matters here (the reconciliation refunds charges of cancelled orders, authorization
# refuses a cancelled one): the statuses on the way are skipped before any transaction.
@handlers.on(OrderStatusChanged, only=lambda event: event.status in (OrderStatus.CANCELLED, OrderStatus.COMPLETED))
async def on_order_status_changed(ctx: Context, event: OrderStatusChanged) -> None:
    await orders.record_status(ctx.conn, event)
