"""The PG's answers in Toss Payments' shapes: the Payment and transaction objects, and its error body."""

from datetime import timedelta, timezone
from typing import Any

from matjip_sandbox_pg.repository import Charge

KST = timezone(timedelta(hours=9), "KST")
MERCHANT_ID = "matjipsandbox"


def error_body(code: str, message: str) -> dict[str, Any]:
    return {"code": code, "message": message}


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
