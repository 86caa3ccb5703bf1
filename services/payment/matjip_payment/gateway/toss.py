"""Adapter to a Toss Payments-style PG: `POST /v1/payments/confirm`, `POST /v1/payments/{paymentKey}/cancel`,
`GET /v1/payments/orders/{orderId}` and `GET /v1/transactions`, with basic auth (secret key) and an
Idempotency-Key on every state-changing call.

Retry rule: only a timeout or a network error is retried (with backoff, same Idempotency-Key, so the PG
answers the first result instead of charging twice). An HTTP answer is never retried: a 4xx is the PG's
decision, and after a 5xx the adapter asks the PG what happened to the order instead of repeating it.
"""

import asyncio
import random
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any
from uuid import UUID

import httpx
import structlog

from matjip_payment.domain.gateway import (
    CONFIGURATION_ERROR_CODES,
    Approved,
    Cancelled,
    CancelOutcome,
    CancelRefused,
    ChargeState,
    ConfirmOutcome,
    Declined,
    GatewayPayment,
    GatewayUnavailable,
    NothingToCancel,
    Unavailable,
    checkout_payment_key,
    idempotency_key,
)
from matjip_payment.metrics import gateway_requests

log = structlog.get_logger(__name__)

Sleep = Callable[[float], Awaitable[None]]

_PG_STATES = {"DONE": ChargeState.CHARGED, "PARTIAL_CANCELED": ChargeState.CHARGED, "CANCELED": ChargeState.CANCELLED}


def parse_payment(body: dict[str, Any]) -> GatewayPayment:
    """A PG Payment (or transaction) object; raises ValueError/KeyError when it is not one."""
    approved_at = body.get("approvedAt") or body.get("transactionAt")
    return GatewayPayment(
        payment_key=str(body["paymentKey"]),
        order_id=UUID(str(body["orderId"])),
        amount=int(body.get("totalAmount", body.get("amount", 0))),
        state=_PG_STATES.get(str(body.get("status")), ChargeState.NOT_CHARGED),
        approved_at=datetime.fromisoformat(approved_at) if approved_at else None,
    )


def _error_of(response: httpx.Response) -> tuple[str, str]:
    try:
        body = response.json()
        return str(body.get("code") or f"HTTP_{response.status_code}"), str(body.get("message") or "")
    except ValueError:
        return f"HTTP_{response.status_code}", response.text[:200]


class TossPaymentsGateway:
    """The PaymentGateway over HTTP. `client` carries the base URL, the timeouts and the basic auth."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        max_attempts: int = 3,
        backoff_seconds: float = 0.2,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.client = client
        self.max_attempts = max_attempts
        self.backoff_seconds = backoff_seconds
        self.sleep = sleep

    @staticmethod
    def http_client(
        base_url: str, secret_key: str, *, timeout_seconds: float, connect_timeout_seconds: float
    ) -> httpx.AsyncClient:
        # Toss's scheme: "Basic base64(secretKey + ':')", i.e. the key as user name and no password.
        return httpx.AsyncClient(
            base_url=base_url,
            auth=httpx.BasicAuth(secret_key, ""),
            timeout=httpx.Timeout(timeout_seconds, connect=connect_timeout_seconds),
            headers={"Accept": "application/json"},
        )

    async def confirm(self, *, order_id: UUID, customer_id: UUID, amount: int) -> ConfirmOutcome:
        body = {"paymentKey": checkout_payment_key(order_id, customer_id), "orderId": str(order_id), "amount": amount}
        try:
            response = await self._send(
                "confirm", "POST", "/v1/payments/confirm", json=body, key=idempotency_key(order_id, "confirm")
            )
        except GatewayUnavailable as exc:
            # The PG may have charged before the line went quiet: ask it.
            return await self._confirm_outcome_from_lookup(order_id, str(exc))
        if response.is_success:
            return Approved(parse_payment(response.json()))
        code, message = _error_of(response)
        if response.status_code >= 500 or code == "ALREADY_PROCESSED_PAYMENT":
            return await self._confirm_outcome_from_lookup(order_id, f"{code}: {message}")
        if code in CONFIGURATION_ERROR_CODES or response.status_code == 429:
            log.error("payment_gateway_refused_us", operation="confirm", code=code, detail=message)
            return Unavailable(f"{code}: {message}")
        return Declined(code, message)

    async def _confirm_outcome_from_lookup(self, order_id: UUID, detail: str) -> ConfirmOutcome:
        try:
            payment = await self.find_payment(order_id)
        except GatewayUnavailable as exc:
            return Unavailable(f"{detail}; lookup failed: {exc}")
        if payment is not None and payment.state is ChargeState.CHARGED:
            log.info("payment_gateway_charge_found_after_error", detail=detail)
            return Approved(payment)
        return Unavailable(detail)

    async def cancel(self, *, order_id: UUID, payment_key: str, reason: str) -> CancelOutcome:
        try:
            response = await self._send(
                "cancel",
                "POST",
                f"/v1/payments/{payment_key}/cancel",
                json={"cancelReason": reason},
                key=idempotency_key(order_id, "cancel"),
            )
        except GatewayUnavailable as exc:
            return await self._cancel_outcome_from_lookup(order_id, payment_key, str(exc))
        if response.is_success:
            return Cancelled(payment_key)
        code, message = _error_of(response)
        if code == "ALREADY_CANCELED_PAYMENT":
            return Cancelled(payment_key)
        if code == "NOT_FOUND_PAYMENT":
            return NothingToCancel(message)
        if response.status_code >= 500:
            return await self._cancel_outcome_from_lookup(order_id, payment_key, f"{code}: {message}")
        if code in CONFIGURATION_ERROR_CODES or response.status_code == 429:
            log.error("payment_gateway_refused_us", operation="cancel", code=code, detail=message)
            return Unavailable(f"{code}: {message}")
        return CancelRefused(code, message)

    async def _cancel_outcome_from_lookup(self, order_id: UUID, payment_key: str, detail: str) -> CancelOutcome:
        try:
            payment = await self.find_payment(order_id)
        except GatewayUnavailable as exc:
            return Unavailable(f"{detail}; lookup failed: {exc}")
        if payment is not None and payment.payment_key == payment_key and payment.state is ChargeState.CANCELLED:
            return Cancelled(payment_key)
        return Unavailable(detail)

    async def find_payment(self, order_id: UUID) -> GatewayPayment | None:
        """The PG's payment of an order, None when it has none; GatewayUnavailable when it cannot say."""
        response = await self._send("lookup", "GET", f"/v1/payments/orders/{order_id}")
        if response.status_code == 404:
            return None
        if not response.is_success:
            code, message = _error_of(response)
            raise GatewayUnavailable(f"lookup answered {response.status_code} {code}: {message}")
        return parse_payment(response.json())

    async def list_payments(self, since: datetime, until: datetime) -> list[GatewayPayment]:
        """Every payment the PG recorded in [since, until], following the `startingAfter` cursor."""
        found: list[GatewayPayment] = []
        starting_after: str | None = None
        while True:
            params = {"startDate": since.isoformat(), "endDate": until.isoformat(), "limit": "100"}
            if starting_after:
                params["startingAfter"] = starting_after
            response = await self._send("list", "GET", "/v1/transactions", params=params)
            if not response.is_success:
                code, message = _error_of(response)
                raise GatewayUnavailable(f"transactions answered {response.status_code} {code}: {message}")
            page: list[dict[str, Any]] = response.json()
            found.extend(parse_payment(item) for item in page)
            if len(page) < 100:
                return found
            starting_after = str(page[-1]["transactionKey"])

    async def _send(
        self,
        operation: str,
        method: str,
        path: str,
        *,
        json: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
        key: str | None = None,
    ) -> httpx.Response:
        """One call, retried on timeouts and network errors only; raises GatewayUnavailable when those
        exhaust the attempts. Any HTTP answer (even a 5xx) is returned to the caller to interpret."""
        headers = {"Idempotency-Key": key} if key else {}
        for attempt in range(1, self.max_attempts + 1):
            try:
                response = await self.client.request(method, path, json=json, params=params, headers=headers)
            except httpx.TimeoutException as exc:
                gateway_requests.labels(operation, "timeout").inc()
                failure: Exception = exc
            except httpx.TransportError as exc:
                gateway_requests.labels(operation, "network_error").inc()
                failure = exc
            else:
                gateway_requests.labels(operation, _outcome_label(response.status_code)).inc()
                return response
            log.warning(
                "payment_gateway_call_failed",
                operation=operation,
                attempt=attempt,
                error=f"{type(failure).__name__}: {failure}",
            )
            if attempt < self.max_attempts:
                await self.sleep(self._backoff(attempt))
        raise GatewayUnavailable(f"{operation}: no answer after {self.max_attempts} attempts ({failure!r})")

    def _backoff(self, attempt: int) -> float:
        # Exponential with jitter, so the replicas that lost the PG together do not retry in lockstep.
        base: float = self.backoff_seconds * 2 ** (attempt - 1)
        return base * random.uniform(0.5, 1.0)


def _outcome_label(status: int) -> str:
    if status < 400:
        return "success"
    if status < 500:
        return "rejected"
    return "server_error"
