"""Idempotency-Key rules of checkout: a key names one request; replaying it returns the same order."""

import hashlib
import json
import re
from typing import Any

from matjip_order.domain.errors import IdempotencyKeyReused

KEY_PATTERN = r"^[A-Za-z0-9_-]{8,128}$"
_KEY = re.compile(KEY_PATTERN)

# What an empty checkout body means ("order my cart") hashes to this, whatever the cart holds by then:
# a retry after success must find its order even though the cart was cleared.
CART_REQUEST = "checkout-from-cart"


def is_valid_key(key: str) -> bool:
    return _KEY.fullmatch(key) is not None


def request_fingerprint(body: dict[str, Any] | None) -> str:
    """A hash of what the request asks for, blind to JSON formatting and key order."""
    canonical = CART_REQUEST if body is None else json.dumps(body, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def check_replay(key: str, stored_fingerprint: str, fingerprint: str) -> None:
    """A key seen before may only be replayed with the very same request."""
    if stored_fingerprint != fingerprint:
        raise IdempotencyKeyReused(
            f"The Idempotency-Key {key!r} was already used for a different request; use a new key.",
        )
