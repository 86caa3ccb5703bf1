"""The client of the sandbox PG's control API, for whoever drives the local stack or a test platform:
give a customer a card that is declined, make the whole gateway slow, failing or down for a while, and
see the charges it holds.

    async with SandboxPgClient.at(edge_url) as sandbox:       # the edge's URL, or the sandbox's own
        await sandbox.set_scenario(customer_id, Behaviour.DECLINE)
        await sandbox.set_fault(FaultKind.DOWN, for_seconds=60)
        charges = await sandbox.charges(order_id)

It needs only httpx (and this package's two small enums): importing it starts nothing.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import httpx

from matjip_contracts.services import SANDBOX_PG
from matjip_sandbox_pg.faults import Fault, FaultKind
from matjip_sandbox_pg.scenarios import Behaviour

__all__ = ["BASE_PATH", "Behaviour", "Charge", "Fault", "FaultKind", "SandboxPgClient", "SandboxPgError"]

BASE_PATH = SANDBOX_PG.base_path


class SandboxPgError(Exception):
    def __init__(self, response: httpx.Response) -> None:
        request = response.request
        super().__init__(f"{request.method} {request.url.path}: {response.status_code} {response.text[:300]}")
        self.status = response.status_code


@dataclass(frozen=True)
class Charge:
    """A charge as the sandbox PG holds it."""

    payment_key: str
    order_id: str
    customer_id: UUID | None
    amount: int
    status: str  # DONE | CANCELED
    idempotency_key: str | None  # of the confirm that made it
    approved_at: datetime
    canceled_at: datetime | None
    cancel_reason: str | None

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> Charge:
        return cls(
            payment_key=body["paymentKey"],
            order_id=body["orderId"],
            customer_id=UUID(body["customerId"]) if body["customerId"] else None,
            amount=int(body["amount"]),
            status=body["status"],
            idempotency_key=body["idempotencyKey"],
            approved_at=datetime.fromisoformat(body["approvedAt"]),
            canceled_at=datetime.fromisoformat(body["canceledAt"]) if body["canceledAt"] else None,
            cancel_reason=body["cancelReason"],
        )


def _fault(body: dict[str, Any]) -> Fault:
    until = body["until"]
    return Fault(FaultKind(body["kind"]), body["delaySeconds"], datetime.fromisoformat(until) if until else None)


class SandboxPgClient:
    """The control API over an httpx client whose base URL is the edge's or the sandbox's own root URL."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    @classmethod
    @asynccontextmanager
    async def at(cls, url: str, *, timeout: float = 10.0) -> AsyncIterator[SandboxPgClient]:
        async with httpx.AsyncClient(base_url=url, timeout=timeout) as http:
            yield cls(http)

    async def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        response = await self.http.request(method, BASE_PATH + path, **kwargs)
        if response.is_error:
            raise SandboxPgError(response)
        return response

    async def set_scenario(self, customer_id: UUID | str, behaviour: Behaviour | str) -> None:
        """From now on the PG answers this customer's confirms as `behaviour` says."""
        body = {"behaviour": Behaviour(behaviour).value}
        await self._call("PUT", f"/scenarios/{customer_id}", json=body)

    async def scenario(self, customer_id: UUID | str) -> Behaviour:
        response = await self._call("GET", f"/scenarios/{customer_id}")
        return Behaviour(response.json()["behaviour"])

    async def charges(self, order_id: UUID | str | None = None) -> list[Charge]:
        """The charges of an order (or the first 200 of all), oldest first."""
        params = {"orderId": str(order_id)} if order_id is not None else {}
        response = await self._call("GET", "/charges", params=params)
        return [Charge.from_json(c) for c in response.json()["charges"]]

    async def set_fault(
        self, kind: FaultKind | str, *, delay_seconds: float | None = None, for_seconds: float | None = None
    ) -> Fault:
        """Every PG call of every customer now suffers `kind` (see matjip_sandbox_pg.faults), until
        `for_seconds` have passed or clear_fault()."""
        body: dict[str, Any] = {"kind": FaultKind(kind).value}
        if delay_seconds is not None:
            body["delaySeconds"] = delay_seconds
        if for_seconds is not None:
            body["forSeconds"] = for_seconds
        response = await self._call("PUT", "/fault", json=body)
        return _fault(response.json())

    async def fault(self) -> Fault | None:
        """The gateway's fault, None when it answers normally."""
        try:
            response = await self._call("GET", "/fault")
        except SandboxPgError as exc:
            if exc.status == 404:
                return None
            raise
        return _fault(response.json())

    async def clear_fault(self) -> None:
        await self._call("DELETE", "/fault")
