"""The sandbox PG: an ASGI app that answers like Toss Payments' confirm/cancel API, for dev and tests.

It honours Idempotency-Key (the same key gets the first answer and never charges twice), keeps its
charges in payment's schema (they survive restarts), and behaves per customer as told through
`PUT /scenarios/{customer_id}`. The payment process mounts it under /api/payment/sandbox-pg only in
sandbox mode; its control endpoints (scenarios, charges) are unauthenticated because it exists only there.
"""

import asyncio
import base64
import hmac
from datetime import UTC, datetime, timedelta, timezone
from typing import Annotated, Any
from uuid import UUID

from fastapi import FastAPI, Header, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from matjip_payment.domain.gateway import customer_of_payment_key
from matjip_payment.sandbox import repository as store
from matjip_payment.sandbox.behaviours import Behaviour, ConfirmPlan, plan_confirm
from matjip_payment.sandbox.repository import Charge
from matjip_platform.db import Database

KST = timezone(timedelta(hours=9), "KST")
MERCHANT_ID = "matjipsandbox"


class PgError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _error_body(code: str, message: str) -> dict[str, Any]:
    return {"code": code, "message": message}


class ConfirmRequest(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    paymentKey: str = Field(min_length=1, max_length=200)  # the PG's field names
    orderId: str = Field(min_length=6, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    amount: int = Field(ge=0)


class CancelRequest(BaseModel):
    cancelReason: str = Field(min_length=1, max_length=200)


class ScenarioRequest(BaseModel):
    behaviour: Behaviour


def payment_object(charge: Charge) -> dict[str, Any]:
    """A subset of the PG's Payment object."""
    cancelled = charge.status == "CANCELED"
    return {
        "mId": MERCHANT_ID,
        "version": "2022-11-16",
        "paymentKey": charge.payment_key,
        "orderId": charge.order_id,
        "orderName": "Matjip order",
        "status": charge.status,
        "type": "NORMAL",
        "method": "카드",
        "currency": "KRW",
        "totalAmount": charge.amount,
        "balanceAmount": 0 if cancelled else charge.amount,
        "requestedAt": charge.requested_at.astimezone(KST).isoformat(),
        "approvedAt": charge.approved_at.astimezone(KST).isoformat(),
        "cancels": (
            [
                {
                    "cancelAmount": charge.amount,
                    "cancelReason": charge.cancel_reason,
                    "canceledAt": charge.canceled_at.astimezone(KST).isoformat(),
                    "transactionKey": f"cancel_{charge.payment_key}",
                }
            ]
            if cancelled and charge.canceled_at is not None
            else None
        ),
    }


def transaction_object(charge: Charge) -> dict[str, Any]:
    return {
        "mId": MERCHANT_ID,
        "transactionKey": charge.payment_key,
        "paymentKey": charge.payment_key,
        "orderId": charge.order_id,
        "method": "카드",
        "status": charge.status,
        "transactionAt": charge.approved_at.astimezone(KST).isoformat(),
        "currency": "KRW",
        "amount": charge.amount,
    }


def charge_view(charge: Charge) -> dict[str, Any]:
    return {
        "paymentKey": charge.payment_key,
        "orderId": charge.order_id,
        "customerId": str(charge.customer_id) if charge.customer_id else None,
        "amount": charge.amount,
        "status": charge.status,
        "idempotencyKey": charge.confirm_idempotency_key,
        "approvedAt": charge.approved_at.isoformat(),
        "canceledAt": charge.canceled_at.isoformat() if charge.canceled_at else None,
        "cancelReason": charge.cancel_reason,
    }


def create_sandbox_gateway(db: Database, *, secret_key: str, stall_seconds: float) -> FastAPI:
    """`stall_seconds` must exceed the adapter's timeout: that is what timeout_then_approve simulates."""
    app = FastAPI(title="Matjip sandbox PG", openapi_url=None, docs_url=None, redoc_url=None)
    expected_auth = "Basic " + base64.b64encode(f"{secret_key}:".encode()).decode()

    @app.exception_handler(PgError)
    async def on_pg_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, PgError)
        return JSONResponse(_error_body(exc.code, exc.message), status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def on_invalid(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        fields = ", ".join(".".join(str(p) for p in e.get("loc", ())[1:]) for e in exc.errors())
        return JSONResponse(_error_body("INVALID_REQUEST", f"invalid fields: {fields}"), status_code=400)

    def authenticate(authorization: str | None) -> None:
        if authorization is None or not hmac.compare_digest(authorization.encode(), expected_auth.encode()):
            raise PgError(401, "UNAUTHORIZED_KEY", "인증되지 않은 시크릿 키 혹은 클라이언트 키 입니다.")

    @app.post("/v1/payments/confirm")
    async def confirm(
        body: ConfirmRequest,
        authorization: Annotated[str | None, Header()] = None,
        idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=300)] = None,
    ) -> JSONResponse:
        authenticate(authorization)
        now = datetime.now(UTC)
        async with db.transaction() as conn:
            if idempotency_key:
                await store.lock_key(conn, idempotency_key)
                stored = await store.stored_answer(conn, idempotency_key)
                if stored is not None:
                    return JSONResponse(stored[1], status_code=stored[0])
            customer_id = customer_of_payment_key(body.paymentKey)
            behaviour = await store.behaviour_of(conn, customer_id)
            plan = plan_confirm(behaviour, await store.count_attempt(conn, body.orderId))
            if plan is not ConfirmPlan.STALL:
                status, answer = await _decide_confirm(conn, body, plan, customer_id, idempotency_key, now)
                if idempotency_key:
                    await store.store_answer(conn, idempotency_key, "confirm", status, answer)
        if plan is ConfirmPlan.STALL:
            # Nothing charged, nothing stored: the caller gives up waiting and retries with the same key.
            await asyncio.sleep(stall_seconds)
            return JSONResponse(_error_body("PROVIDER_ERROR", "응답 지연"), status_code=504)
        if plan is ConfirmPlan.CHARGE_THEN_FAIL and status == 200:
            # Charged and recorded, but the caller hears a failure.
            failure = _error_body("FAILED_INTERNAL_SYSTEM_PROCESSING", "내부 시스템 처리 작업이 실패했습니다.")
            return JSONResponse(failure, status_code=500)
        return JSONResponse(answer, status_code=status)

    async def _decide_confirm(
        conn: Any,
        body: ConfirmRequest,
        plan: ConfirmPlan,
        customer_id: UUID | None,
        idempotency_key: str | None,
        now: datetime,
    ) -> tuple[int, dict[str, Any]]:
        if await store.charge(conn, body.paymentKey) is not None:
            return 400, _error_body("ALREADY_PROCESSED_PAYMENT", "이미 처리된 결제 입니다.")
        if plan is ConfirmPlan.DECLINE:
            return 403, _error_body("REJECT_CARD_PAYMENT", "한도초과 혹은 잔액부족으로 결제에 실패했습니다.")
        charge = await store.add_charge(
            conn,
            payment_key=body.paymentKey,
            order_id=body.orderId,
            customer_id=customer_id,
            amount=body.amount,
            idempotency_key=idempotency_key,
            at=now,
        )
        return 200, payment_object(charge)

    @app.post("/v1/payments/{payment_key}/cancel")
    async def cancel(
        payment_key: str,
        body: CancelRequest,
        authorization: Annotated[str | None, Header()] = None,
        idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=300)] = None,
    ) -> JSONResponse:
        authenticate(authorization)
        async with db.transaction() as conn:
            if idempotency_key:
                await store.lock_key(conn, idempotency_key)
                stored = await store.stored_answer(conn, idempotency_key)
                if stored is not None:
                    return JSONResponse(stored[1], status_code=stored[0])
            charge = await store.charge(conn, payment_key, for_update=True)
            if charge is None:
                status, answer = 404, _error_body("NOT_FOUND_PAYMENT", "존재하지 않는 결제 정보 입니다.")
            elif charge.status == "CANCELED":
                status, answer = 400, _error_body("ALREADY_CANCELED_PAYMENT", "이미 취소된 결제 입니다.")
            else:
                cancelled = await store.cancel_charge(conn, payment_key, body.cancelReason, datetime.now(UTC))
                status, answer = 200, payment_object(cancelled)
            if idempotency_key:
                await store.store_answer(conn, idempotency_key, "cancel", status, answer)
        return JSONResponse(answer, status_code=status)

    @app.get("/v1/payments/orders/{order_id}")
    async def payment_of_order(order_id: str, authorization: Annotated[str | None, Header()] = None) -> JSONResponse:
        authenticate(authorization)
        async with db.transaction() as conn:
            charge = await store.latest_charge_of_order(conn, order_id)
        if charge is None:
            raise PgError(404, "NOT_FOUND_PAYMENT", "존재하지 않는 결제 정보 입니다.")
        return JSONResponse(payment_object(charge))

    @app.get("/v1/payments/{payment_key}")
    async def payment(payment_key: str, authorization: Annotated[str | None, Header()] = None) -> JSONResponse:
        authenticate(authorization)
        async with db.transaction() as conn:
            charge = await store.charge(conn, payment_key)
        if charge is None:
            raise PgError(404, "NOT_FOUND_PAYMENT", "존재하지 않는 결제 정보 입니다.")
        return JSONResponse(payment_object(charge))

    @app.get("/v1/transactions")
    async def transactions(
        start_date: Annotated[datetime, Query(alias="startDate")],
        end_date: Annotated[datetime, Query(alias="endDate")],
        starting_after: Annotated[str | None, Query(alias="startingAfter")] = None,
        limit: Annotated[int, Query(ge=1, le=10000)] = 100,
        authorization: Annotated[str | None, Header()] = None,
    ) -> JSONResponse:
        authenticate(authorization)
        async with db.transaction() as conn:
            charges = await store.charges_between(conn, start_date, end_date, starting_after, limit)
        return JSONResponse([transaction_object(c) for c in charges])

    @app.put("/scenarios/{customer_id}")
    async def set_scenario(customer_id: UUID, body: ScenarioRequest) -> dict[str, str]:
        async with db.transaction() as conn:
            await store.set_behaviour(conn, customer_id, body.behaviour)
        return {"customerId": str(customer_id), "behaviour": body.behaviour.value}

    @app.get("/scenarios/{customer_id}")
    async def get_scenario(customer_id: UUID) -> dict[str, str]:
        async with db.transaction() as conn:
            behaviour = await store.behaviour_of(conn, customer_id)
        return {"customerId": str(customer_id), "behaviour": behaviour.value}

    @app.get("/charges")
    async def charges(order_id: Annotated[str | None, Query(alias="orderId", max_length=64)] = None) -> dict[str, Any]:
        async with db.transaction() as conn:
            found = await store.charges_of_order(conn, order_id)
        return {"charges": [charge_view(c) for c in found]}

    return app
