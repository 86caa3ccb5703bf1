"""Tagging work with the order it is about."""

from uuid import UUID

import structlog

from matjip_platform.telemetry import set_order_id


def about_order(order_id: UUID) -> None:
    """Tag the current span and the request's log lines with the order they are about."""
    set_order_id(order_id)
    structlog.contextvars.bind_contextvars(order_id=str(order_id))
