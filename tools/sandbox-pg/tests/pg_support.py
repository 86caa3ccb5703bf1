"""What the sandbox's tests send: confirms as payment's adapter makes them."""

import uuid
from typing import Any

from matjip_payment.domain.gateway import checkout_payment_key


def confirm_body(order_id: uuid.UUID, customer_id: uuid.UUID, amount: int = 10000) -> dict[str, Any]:
    """A confirm as payment sends it: its paymentKey names the customer whose scenario applies."""
    return {"paymentKey": checkout_payment_key(order_id, customer_id), "orderId": str(order_id), "amount": amount}


def key_of(order_id: uuid.UUID) -> dict[str, str]:
    """An Idempotency-Key of this order's confirm (payment's own shape does not matter to the PG)."""
    return {"Idempotency-Key": f"k-{order_id}"}
