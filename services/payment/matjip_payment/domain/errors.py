"""Errors of the payment API (problem+json codes)."""

from matjip_platform.errors import DomainError, NotFound


class PaymentNotFound(NotFound):
    code = "payment_not_found"


class InvalidCursor(DomainError):
    status, code, title = 422, "invalid_cursor", "Validation failed"
