"""The PG API as Toss Payments answers it: confirm, cancel, look up by order or key, list transactions.

Basic auth with the merchant secret key; an Idempotency-Key makes a retried call get the first answer
and never charge (or cancel) twice; errors are Toss's `{code, message}`, not problem+json. Each call
first goes through the gateway's fault (matjip_sandbox_pg.faults), then the customer's scenario
(matjip_sandbox_pg.scenarios) decides a confirm.
"""

import asyncio
import contextlib
from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import UUID

import structlog
from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncConnection

from matjip_contracts.services import SANDBOX_PG
from matjip_payment.domain.gateway import customer_of_payment_key
from matjip_sandbox_pg import repository as store
from matjip_sandbox_pg.faults import Fault, FaultKind
from matjip_sandbox_pg.runtime import Sandbox
from matjip_sandbox_pg.scenarios import ConfirmPlan, plan_confirm
from matjip_sandbox_pg.toss_objects import error_body, payment_object, transaction_object

log = structlog.get_logger(__name__)

# Full paths on the router itself: the route label of the HTTP metrics is the route's own path.
PREFIX = SANDBOX_PG.base_path + "/v1"


class PgError(Exception):
    """An answer in the PG's own error format."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def pg_error_response(exc: PgError) -> JSONResponse:
    return JSONResponse(error_body(exc.code, exc.message), status_code=exc.status)


def not_found() -> PgError:
    return PgError(404, "NOT_FOUND_PAYMENT", "존재하지 않는 결제 정보 입니다.")


def internal_failure() -> PgError:
    return PgError(500, "FAILED_INTERNAL_SYSTEM_PROCESSING", "내부 시스템 처리 작업이 실패했습니다.")


def no_answer() -> PgError:
    """What a held call finally gets, should its caller still be there."""
    return PgError(504, "PROVIDER_ERROR", "응답 지연")


class ConfirmRequest(BaseModel):
    paymentKey: str = Field(min_length=1, max_length=200)  # the PG's field names
    orderId: str = Field(min_length=6, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    amount: int = Field(ge=0)


class CancelRequest(BaseModel):
    cancelReason: str = Field(min_length=1, max_length=200)


async def hold_until_caller_hangs_up(request: Request, at_most: float) -> None:
    """Answer nothing until the caller gives up and closes the connection (at most `at_most` seconds), as
    a PG that never answers: the caller alone decides how long that takes, through its own timeout."""

    async def hung_up() -> None:
        while (await request.receive())["type"] != "http.disconnect":
            pass  # the (already read) request body; the next message is the disconnect

    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(hung_up(), at_most)


async def suffer(fault: Fault, request: Request, hold_seconds: float) -> None:
    match fault.kind:
        case FaultKind.SLOW:
            await asyncio.sleep(fault.delay_seconds or 0.0)
        case FaultKind.ERROR:
            raise internal_failure()
        case FaultKind.DOWN:
            await hold_until_caller_hangs_up(request, hold_seconds)
            raise no_answer()


async def admit(request: Request, sandbox: Sandbox, authorization: Annotated[str | None, Header()] = None) -> None:
    """Every PG call: the gateway's fault first (a PG that is down checks no key), then the merchant key."""
    async with sandbox.db.transaction() as conn:
        fault = await store.active_fault(conn)
    if fault is not None:
        await suffer(fault, request, sandbox.settings.sandbox_pg_hold_seconds)
    if not sandbox.authorizes(authorization):
        raise PgError(401, "UNAUTHORIZED_KEY", "인증되지 않은 시크릿 키 혹은 클라이언트 키 입니다.")


Admitted = Annotated[None, Depends(admit)]
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=300)]

router = APIRouter(prefix=PREFIX)


@router.post("/payments/confirm")
async def confirm(
    body: ConfirmRequest, request: Request, sandbox: Sandbox, _: Admitted, idempotency_key: IdempotencyKey = None
) -> JSONResponse:
    async with sandbox.db.transaction() as conn:
        if idempotency_key:
            await store.lock_key(conn, idempotency_key)
            stored = await store.stored_answer(conn, idempotency_key)
            if stored is not None:
                return JSONResponse(stored[1], status_code=stored[0])
        customer_id = customer_of_payment_key(body.paymentKey)
        behaviour = await store.behaviour_of(conn, customer_id)
        plan = plan_confirm(behaviour, await store.count_attempt(conn, body.orderId))
        if plan is not ConfirmPlan.HOLD:
            status, answer = await _decide_confirm(conn, body, plan, customer_id, idempotency_key)
            if idempotency_key:
                await store.store_answer(conn, idempotency_key, "confirm", status, answer)
    log.info("sandbox_pg_confirm", order_id=body.orderId, behaviour=behaviour.value, plan=plan.value)
    if plan is ConfirmPlan.HOLD:
        # Nothing charged, nothing stored: the caller gives up waiting and retries with the same key.
        await hold_until_caller_hangs_up(request, sandbox.settings.sandbox_pg_hold_seconds)
        raise no_answer()
    if plan is ConfirmPlan.CHARGE_THEN_FAIL and status == 200:
        # Charged and recorded, but the caller hears a failure.
        raise internal_failure()
    return JSONResponse(answer, status_code=status)


async def _decide_confirm(
    conn: AsyncConnection,
    body: ConfirmRequest,
    plan: ConfirmPlan,
    customer_id: UUID | None,
    idempotency_key: str | None,
) -> tuple[int, dict[str, Any]]:
    if await store.charge(conn, body.paymentKey) is not None:
        return 400, error_body("ALREADY_PROCESSED_PAYMENT", "이미 처리된 결제 입니다.")
    if plan is ConfirmPlan.DECLINE:
        return 403, error_body("REJECT_CARD_PAYMENT", "한도초과 혹은 잔액부족으로 결제에 실패했습니다.")
    charge = await store.add_charge(
        conn,
        payment_key=body.paymentKey,
        order_id=body.orderId,
        customer_id=customer_id,
        amount=body.amount,
        idempotency_key=idempotency_key,
        at=datetime.now(UTC),
    )
    return 200, payment_object(charge)


@router.post("/payments/{payment_key}/cancel")
async def cancel(
    payment_key: str, body: CancelRequest, sandbox: Sandbox, _: Admitted, idempotency_key: IdempotencyKey = None
) -> JSONResponse:
    async with sandbox.db.transaction() as conn:
        if idempotency_key:
            await store.lock_key(conn, idempotency_key)
            stored = await store.stored_answer(conn, idempotency_key)
            if stored is not None:
                return JSONResponse(stored[1], status_code=stored[0])
        charge = await store.charge(conn, payment_key, for_update=True)
        if charge is None:
            missing = not_found()
            status, answer = missing.status, error_body(missing.code, missing.message)
        elif charge.status == "CANCELED":
            status, answer = 400, error_body("ALREADY_CANCELED_PAYMENT", "이미 취소된 결제 입니다.")
        else:
            cancelled = await store.cancel_charge(conn, payment_key, body.cancelReason, datetime.now(UTC))
            status, answer = 200, payment_object(cancelled)
        if idempotency_key:
            await store.store_answer(conn, idempotency_key, "cancel", status, answer)
    log.info("sandbox_pg_cancel", payment_key=payment_key, status=status)
    return JSONResponse(answer, status_code=status)


@router.get("/payments/orders/{order_id}")
async def payment_of_order(order_id: str, sandbox: Sandbox, _: Admitted) -> JSONResponse:
    async with sandbox.db.transaction() as conn:
        charge = await store.latest_charge_of_order(conn, order_id)
    if charge is None:
        raise not_found()
    return JSONResponse(payment_object(charge))


@router.get("/payments/{payment_key}")
async def payment(payment_key: str, sandbox: Sandbox, _: Admitted) -> JSONResponse:
    async with sandbox.db.transaction() as conn:
        charge = await store.charge(conn, payment_key)
    if charge is None:
        raise not_found()
    return JSONResponse(payment_object(charge))


@router.get("/transactions")
async def transactions(
    start_date: Annotated[datetime, Query(alias="startDate")],
    end_date: Annotated[datetime, Query(alias="endDate")],
    sandbox: Sandbox,
    _: Admitted,
    starting_after: Annotated[str | None, Query(alias="startingAfter")] = None,
    limit: Annotated[int, Query(ge=1, le=10000)] = 100,
) -> JSONResponse:
    async with sandbox.db.transaction() as conn:
        charges = await store.charges_between(conn, start_date, end_date, starting_after, limit)
    return JSONResponse([transaction_object(c) for c in charges])
