"""The sandbox's own API, for tests and drills (not the PG's): each customer's scenario, the gateway's
fault, and the charges it holds. Unauthenticated: the sandbox runs only in the local stack and in tests,
on loopback. Errors are problem+json like every Matjip API's."""

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Self
from uuid import UUID

import structlog
from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field, model_validator

from matjip_contracts.services import SANDBOX_PG
from matjip_platform.errors import NotFound
from matjip_sandbox_pg import repository as store
from matjip_sandbox_pg.faults import Fault, FaultKind
from matjip_sandbox_pg.repository import Charge
from matjip_sandbox_pg.runtime import Sandbox
from matjip_sandbox_pg.scenarios import Behaviour

log = structlog.get_logger(__name__)

# Full paths on the router itself: the route label of the HTTP metrics is the route's own path.
router = APIRouter(prefix=SANDBOX_PG.base_path, tags=["sandbox control"])


class ScenarioRequest(BaseModel):
    behaviour: Behaviour


class FaultRequest(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    kind: FaultKind
    delay_seconds: float | None = Field(default=None, alias="delaySeconds", gt=0, le=600)
    # Cleared by itself after this long ("down for a minute"); without it, until DELETE /fault.
    for_seconds: float | None = Field(default=None, alias="forSeconds", gt=0, le=86_400)

    @model_validator(mode="after")
    def _delay_for_slow_only(self) -> Self:
        if (self.kind is FaultKind.SLOW) != (self.delay_seconds is not None):
            raise ValueError("delaySeconds is required for a slow gateway and only for it")
        return self


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


def fault_view(fault: Fault) -> dict[str, Any]:
    return {
        "kind": fault.kind.value,
        "delaySeconds": fault.delay_seconds,
        "until": fault.until.isoformat() if fault.until else None,
    }


@router.put("/scenarios/{customer_id}")
async def set_scenario(customer_id: UUID, body: ScenarioRequest, sandbox: Sandbox) -> dict[str, str]:
    async with sandbox.db.transaction() as conn:
        await store.set_behaviour(conn, customer_id, body.behaviour)
    log.info("sandbox_pg_scenario_set", customer_id=str(customer_id), behaviour=body.behaviour.value)
    return {"customerId": str(customer_id), "behaviour": body.behaviour.value}


@router.get("/scenarios/{customer_id}")
async def get_scenario(customer_id: UUID, sandbox: Sandbox) -> dict[str, str]:
    async with sandbox.db.transaction() as conn:
        behaviour = await store.behaviour_of(conn, customer_id)
    return {"customerId": str(customer_id), "behaviour": behaviour.value}


@router.get("/charges")
async def charges(
    sandbox: Sandbox, order_id: Annotated[str | None, Query(alias="orderId", max_length=64)] = None
) -> dict[str, Any]:
    async with sandbox.db.transaction() as conn:
        found = await store.charges_of_order(conn, order_id)
    return {"charges": [charge_view(c) for c in found]}


@router.put("/fault")
async def set_fault(body: FaultRequest, sandbox: Sandbox) -> dict[str, Any]:
    until = datetime.now(UTC) + timedelta(seconds=body.for_seconds) if body.for_seconds is not None else None
    fault = Fault(body.kind, body.delay_seconds, until)
    async with sandbox.db.transaction() as conn:
        await store.set_fault(conn, fault)
    log.warning("sandbox_pg_fault_set", **fault_view(fault))
    return fault_view(fault)


@router.get("/fault")
async def get_fault(sandbox: Sandbox) -> dict[str, Any]:
    async with sandbox.db.transaction() as conn:
        fault = await store.active_fault(conn)
    if fault is None:
        raise NotFound("The gateway has no fault: it answers normally.", code="no_fault")
    return fault_view(fault)


@router.delete("/fault", status_code=204)
async def clear_fault(sandbox: Sandbox) -> Response:
    async with sandbox.db.transaction() as conn:
        await store.clear_fault(conn)
    log.info("sandbox_pg_fault_cleared")
    return Response(status_code=204)
