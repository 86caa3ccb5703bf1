"""What payment does, step by step: authorize an order's payment, refund it, and settle what the
reconciliation finds. Each step runs in the caller's unit of work (a Kafka handler's, or one the
reconciliation opens), locks the order's intent first and emits its events with the change.

The gateway call happens inside that transaction on purpose: if the process dies after the PG charged
but before the commit, the redelivered command asks again with the same Idempotency-Key and gets the
recorded charge, so there is still exactly one charge and one event.
"""

from datetime import datetime
from uuid import UUID

import structlog

from matjip_contracts.events.common import OrderStatus
from matjip_contracts.events.payment import AuthorizePayment, PaymentAuthorized, PaymentFailed, PaymentRefunded
from matjip_payment.domain import gateway as gw
from matjip_payment.domain.intents import (
    AuthorizationDecision,
    IntentStatus,
    PaymentIntent,
    RefundDecision,
    decide_authorization,
    decide_refund,
    refund_due,
)
from matjip_payment.domain.reconciliation import ChargeFinding, examine_charge
from matjip_payment.repository import intents, orders, refunds
from matjip_platform.unit_of_work import UnitOfWork, UnitOfWorkFactory

log = structlog.get_logger(__name__)


async def authorize_payment(uow: UnitOfWork, gateway: gw.PaymentGateway, command: AuthorizePayment) -> None:
    intent = await intents.open_intent(
        uow.conn,
        order_id=command.order_id,
        customer_id=command.customer_id,
        amount=command.amount,
        currency=command.currency,
    )
    decision = decide_authorization(
        intent.status,
        order_cancelled=await orders.status_of(uow.conn, command.order_id) is OrderStatus.CANCELLED,
        refund_requested=await refunds.requested(uow.conn, command.order_id) is not None,
    )
    if decision is AuthorizationDecision.ALREADY_DECIDED:
        # Its outcome already went out through the outbox; publishing it again would only confuse order.
        log.info("authorization_already_decided", status=intent.status)
        return
    if decision is AuthorizationDecision.REFUSE_ORDER_CANCELLED:
        await _fail(uow, intent, gw.ORDER_CANCELLED)
        return
    outcome = await gateway.confirm(order_id=command.order_id, customer_id=command.customer_id, amount=command.amount)
    match outcome:
        case gw.Approved(payment=payment):
            await intents.authorized(uow.conn, intent, payment_key=payment.payment_key, at=payment.approved_at)
            await uow.emit(
                PaymentAuthorized(order_id=intent.order_id, payment_id=intent.payment_id, amount=intent.amount),
            )
            log.info("payment_authorized", amount=intent.amount)
        case gw.Declined(code=code, message=message) as declined:
            await _fail(uow, intent, declined.reason, code=code, detail=message)
        case gw.Unavailable(detail=detail):
            # Fail fast rather than hold the order: a charge made meanwhile is found by the reconciliation,
            # published as PaymentAuthorized, and refunded by order's compensation.
            await _fail(uow, intent, gw.GATEWAY_UNAVAILABLE, detail=detail)


async def _fail(
    uow: UnitOfWork,
    intent: PaymentIntent,
    reason: str,
    *,
    code: str | None = None,
    detail: str | None = None,
) -> None:
    await intents.failed(uow.conn, intent, reason=reason, code=code, detail=detail)
    await uow.emit(PaymentFailed(order_id=intent.order_id, reason=reason))
    log.info("payment_failed", reason=reason, code=code, detail=detail)


async def refund_payment(uow: UnitOfWork, gateway: gw.PaymentGateway, order_id: UUID, reason: str) -> None:
    """RefundPayment: give the money back once. Nothing charged -> the request is recorded and nothing
    is published (order ignores it either way); a charge found later is refunded by the reconciliation."""
    await refunds.record(uow.conn, order_id, reason)
    intent = await intents.lock(uow.conn, order_id)
    match decide_refund(intent.status if intent else None):
        case RefundDecision.REFUND:
            assert intent is not None
            await refund_charge(uow, gateway, intent, reason)
        case RefundDecision.ALREADY_REFUNDED:
            log.info("refund_already_done")
        case RefundDecision.NOTHING_CHARGED:
            await refunds.settle(uow.conn, order_id, refunds.NOTHING_TO_REFUND)
            log.info("refund_nothing_charged", intent_status=intent.status if intent else None)


async def refund_charge(uow: UnitOfWork, gateway: gw.PaymentGateway, intent: PaymentIntent, reason: str) -> bool:
    """Cancel a locked AUTHORIZED intent's charge at the PG; True when the money went back."""
    assert intent.status is IntentStatus.AUTHORIZED and intent.payment_key is not None
    outcome = await gateway.cancel(order_id=intent.order_id, payment_key=intent.payment_key, reason=reason)
    match outcome:
        case gw.Cancelled():
            await _refunded(uow, intent)
            return True
        case gw.Unavailable(detail=detail):
            # The refund stays due: the reconciliation tries again on its next pass.
            await refunds.record(uow.conn, intent.order_id, reason)
            await refunds.settle(uow.conn, intent.order_id, refunds.PENDING, detail)
            log.warning("refund_postponed_gateway_unavailable", detail=detail)
        case gw.NothingToCancel(detail=detail) | gw.CancelRefused(message=detail):
            await refunds.record(uow.conn, intent.order_id, reason)
            await refunds.settle(uow.conn, intent.order_id, refunds.REFUSED, detail)
            log.error("refund_refused_by_gateway", outcome=type(outcome).__name__, detail=detail)
    return False


async def _refunded(uow: UnitOfWork, intent: PaymentIntent) -> None:
    await intents.refunded(uow.conn, intent)
    await refunds.settle(uow.conn, intent.order_id, refunds.REFUNDED)
    await uow.emit(PaymentRefunded(order_id=intent.order_id, payment_id=intent.payment_id, amount=intent.amount))
    log.info("payment_refunded", amount=intent.amount)


async def settle_gateway_charge(uow: UnitOfWork, charge: gw.GatewayPayment) -> ChargeFinding:
    """Make the intent agree with a charge the gateway reports (reconciliation)."""
    intent = await intents.lock(uow.conn, charge.order_id)
    if intent is None and charge.state is gw.ChargeState.CHARGED:
        # No intent at all (its transaction was lost). Creating it waits for an authorization of this order
        # still in flight, whose outcome is then what we see.
        intent = await intents.open_intent(
            uow.conn,
            order_id=charge.order_id,
            customer_id=await orders.customer_of(uow.conn, charge.order_id)
            or gw.customer_of_payment_key(charge.payment_key),
            amount=charge.amount,
            currency="KRW",
            status=IntentStatus.FAILED,  # what the service believed: no charge
        )
    finding = examine_charge(intent.status if intent else None, charge.state)
    if finding is ChargeFinding.UNKNOWN_CHARGE:
        assert intent is not None
        if intent.amount != charge.amount:
            log.error("reconciliation_amount_mismatch", intent_amount=intent.amount, charged=charge.amount)
        await intents.authorized(uow.conn, intent, payment_key=charge.payment_key, at=charge.approved_at)
        await uow.emit(PaymentAuthorized(order_id=intent.order_id, payment_id=intent.payment_id, amount=intent.amount))
        log.warning("reconciliation_recorded_unknown_charge", order_id=str(charge.order_id), amount=charge.amount)
    elif finding is ChargeFinding.REFUNDED_AT_GATEWAY:
        assert intent is not None
        await _refunded(uow, intent)
        log.warning("reconciliation_recorded_gateway_refund", order_id=str(charge.order_id))
    return finding


async def refund_if_due(uow: UnitOfWork, gateway: gw.PaymentGateway, order_id: UUID) -> bool:
    """Refund an order's charge when the order is cancelled or a refund was asked (re-checked under lock)."""
    intent = await intents.lock(uow.conn, order_id)
    reason = await refunds.requested(uow.conn, order_id)
    order_status = await orders.status_of(uow.conn, order_id)
    if intent is None or not refund_due(intent.status, order_status=order_status, refund_requested=reason is not None):
        return False
    log.warning("reconciliation_refunding", order_id=str(order_id), order_status=order_status)
    return await refund_charge(uow, gateway, intent, reason or "order_cancelled")


# --- queries ------------------------------------------------------------------------------------------


async def payment_of(unit_of_work: UnitOfWorkFactory, order_id: UUID) -> PaymentIntent | None:
    async with unit_of_work() as uow:
        return await intents.get(uow.conn, order_id)


async def payments_page(
    unit_of_work: UnitOfWorkFactory, *, after: tuple[datetime, UUID] | None, limit: int
) -> list[PaymentIntent]:
    async with unit_of_work() as uow:
        return await intents.page(uow.conn, after=after, limit=limit)
