"""The reconciliation job: compares the gateway's charges with the intents and the order states, and
repairs what disagrees (a charge the intent does not know, a charge of a cancelled order, a refund the
gateway was unavailable for)."""

import asyncio
import contextlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from uuid import UUID

import structlog
from sqlalchemy import text

from matjip_payment import application
from matjip_payment.components import PaymentComponents
from matjip_payment.domain.gateway import GatewayPayment, GatewayUnavailable
from matjip_payment.domain.reconciliation import ChargeFinding, examine_charge
from matjip_payment.repository import intents

log = structlog.get_logger(__name__)

_LEADER_LOCK = "hashtext('matjip-payment-reconciliation')"
_CHUNK = 1000


@dataclass
class ReconciliationReport:
    recorded_charges: list[UUID] = field(default_factory=list)
    recorded_refunds: list[UUID] = field(default_factory=list)
    refunded: list[UUID] = field(default_factory=list)
    gateway_unavailable: bool = False


async def reconcile(components: PaymentComponents, stop: asyncio.Event) -> None:
    """Background task: one pass every `payment_reconcile_interval_seconds`, on one replica at a time."""
    interval = components.settings.payment_reconcile_interval_seconds
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), interval)
        if stop.is_set():
            break
        try:
            report = await reconcile_as_leader(components)
            if report is not None and (report.recorded_charges or report.recorded_refunds or report.refunded):
                log.warning(
                    "reconciliation_repaired",
                    recorded_charges=len(report.recorded_charges),
                    recorded_refunds=len(report.recorded_refunds),
                    refunded=len(report.refunded),
                )
        except Exception:
            # One bad pass must not stop the job (nor the service): the next pass starts afresh.
            log.exception("reconciliation_failed")


async def reconcile_as_leader(components: PaymentComponents) -> ReconciliationReport | None:
    """A pass unless another replica is running one (a session-level advisory lock); None when skipped."""
    async with components.db.engine.connect() as conn:
        if not await conn.scalar(text(f"SELECT pg_try_advisory_lock({_LEADER_LOCK})")):
            return None
        await conn.commit()
        try:
            return await reconcile_once(components)
        finally:
            await conn.execute(text(f"SELECT pg_advisory_unlock({_LEADER_LOCK})"))
            await conn.commit()


async def _disagreeing(components: PaymentComponents, charges: list[GatewayPayment]) -> list[GatewayPayment]:
    """The charges that disagree with their intent at a first, lock-free look (in chunks: a query has a
    bounded number of parameters); only those are examined again under the intent's lock."""
    found: list[GatewayPayment] = []
    for start in range(0, len(charges), _CHUNK):
        chunk = charges[start : start + _CHUNK]
        async with components.unit_of_work() as uow:
            known = await intents.statuses(uow.conn, [c.order_id for c in chunk])
        found += [c for c in chunk if examine_charge(known.get(c.order_id), c.state) is not ChargeFinding.IN_AGREEMENT]
    return found


async def reconcile_once(components: PaymentComponents) -> ReconciliationReport:
    report = ReconciliationReport()
    until = datetime.now(UTC)
    since = until - timedelta(hours=components.settings.payment_reconcile_window_hours)
    try:
        charges = await components.gateway.list_payments(since, until)
    except GatewayUnavailable as exc:
        log.warning("reconciliation_gateway_unavailable", error=str(exc))
        report.gateway_unavailable = True
        charges = []
    for charge in await _disagreeing(components, charges):
        try:
            async with components.unit_of_work() as uow:
                finding = await application.settle_gateway_charge(uow, charge)
        except Exception:
            log.exception("reconciliation_charge_failed", order_id=str(charge.order_id))
            continue
        if finding is ChargeFinding.UNKNOWN_CHARGE:
            report.recorded_charges.append(charge.order_id)
        elif finding is ChargeFinding.REFUNDED_AT_GATEWAY:
            report.recorded_refunds.append(charge.order_id)
    if not report.gateway_unavailable:
        async with components.unit_of_work() as uow:
            due = await intents.orders_with_refund_due(uow.conn)
        for order_id in due:
            try:
                async with components.unit_of_work() as uow:
                    if await application.refund_if_due(uow, components.gateway, order_id):
                        report.refunded.append(order_id)
            except Exception:
                log.exception("reconciliation_refund_failed", order_id=str(order_id))
    return report
