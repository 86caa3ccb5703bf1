"""Payment queries: an order's payment (its customer or an admin) and the list of payments (admins)."""

import base64
import binascii
import json
from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from matjip_contracts.events.common import Role
from matjip_payment.application import payment_of, payments_page
from matjip_payment.components import PaymentComponents
from matjip_payment.domain.errors import InvalidCursor, PaymentNotFound
from matjip_payment.domain.intents import IntentStatus, PaymentIntent, visible_to
from matjip_platform.auth import Principal
from matjip_platform.http import CurrentPrincipal, components_of, require_role

router = APIRouter(prefix="/api/payment", tags=["payments"])

Components = Annotated[PaymentComponents, Depends(components_of(PaymentComponents))]


class PaymentView(BaseModel):
    payment_id: UUID
    order_id: UUID
    customer_id: UUID | None
    amount: int
    currency: str
    status: IntentStatus
    failure_reason: str | None
    created_at: datetime
    updated_at: datetime
    authorized_at: datetime | None
    failed_at: datetime | None
    refunded_at: datetime | None

    @classmethod
    def of(cls, intent: PaymentIntent) -> "PaymentView":
        return cls(
            payment_id=intent.payment_id,
            order_id=intent.order_id,
            customer_id=intent.customer_id,
            amount=intent.amount,
            currency=intent.currency,
            status=intent.status,
            failure_reason=intent.failure_reason,
            created_at=intent.created_at,
            updated_at=intent.updated_at,
            authorized_at=intent.authorized_at,
            failed_at=intent.failed_at,
            refunded_at=intent.refunded_at,
        )


class PaymentPage(BaseModel):
    items: list[PaymentView]
    next_cursor: str | None


@router.get("/payments/{order_id}", response_model=PaymentView)
async def get_payment(order_id: UUID, principal: CurrentPrincipal, components: Components) -> PaymentView:
    intent = await payment_of(components.unit_of_work, order_id)
    # Someone else's payment answers exactly like a missing one: ids reveal nothing.
    if intent is None or not visible_to(intent.customer_id, user_id=principal.user_id, role=principal.role):
        raise PaymentNotFound(f"No payment for order {order_id}.")
    return PaymentView.of(intent)


def encode_cursor(intent: PaymentIntent) -> str:
    raw = json.dumps({"created_at": intent.created_at.isoformat(), "payment_id": str(intent.payment_id)})
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, UUID]:
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        return datetime.fromisoformat(raw["created_at"]), UUID(raw["payment_id"])
    except (binascii.Error, ValueError, KeyError, TypeError) as exc:
        raise InvalidCursor(
            "The cursor is not one this API returned.",
            errors=[{"field": "cursor", "in": "query", "message": "not a valid cursor"}],
        ) from exc


@router.get("/payments", response_model=PaymentPage)
async def list_payments(
    components: Components,
    _: Annotated[Principal, Depends(require_role(Role.ADMIN))],
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> PaymentPage:
    after = decode_cursor(cursor) if cursor else None
    found = await payments_page(components.unit_of_work, after=after, limit=limit)
    return PaymentPage(
        items=[PaymentView.of(i) for i in found],
        next_cursor=encode_cursor(found[-1]) if len(found) == limit else None,
    )
