"""The owner's order inbox: one entry per order awaiting or under the store's hands.

PENDING -> ACCEPTED -> PREPARING -> READY -> PICKED_UP (a rider or the customer collected it) or DELIVERED
(the store delivered it itself), PENDING -> REJECTED by the owner, PENDING -> EXPIRED when nobody answered by
the order's deadline (store decides that, under the entry's lock, so an acceptance and an expiry never both
happen), and any entry that is not final -> WITHDRAWN when the saga releases the order (customer cancelled,
payment failed).
"""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Literal
from uuid import UUID

from matjip_contracts.events.common import OrderLine
from matjip_platform.errors import Conflict, NotFound


class InboxStatus(StrEnum):
    PENDING = "PENDING"
    ACCEPTED = "ACCEPTED"
    PREPARING = "PREPARING"
    READY = "READY"
    PICKED_UP = "PICKED_UP"
    DELIVERED = "DELIVERED"
    REJECTED = "REJECTED"
    EXPIRED = "EXPIRED"
    WITHDRAWN = "WITHDRAWN"


FINAL_STATUSES = frozenset(
    {InboxStatus.PICKED_UP, InboxStatus.DELIVERED, InboxStatus.REJECTED, InboxStatus.EXPIRED, InboxStatus.WITHDRAWN}
)
# The reason an expired order's rejection gives (OrderRejectedByStore.reason, with timed_out=True).
EXPIRED_REASON = "store_timeout"

_OWNER_TRANSITIONS: dict[InboxStatus, frozenset[InboxStatus]] = {
    InboxStatus.PENDING: frozenset({InboxStatus.ACCEPTED, InboxStatus.REJECTED}),
    InboxStatus.ACCEPTED: frozenset({InboxStatus.PREPARING}),
    InboxStatus.PREPARING: frozenset({InboxStatus.READY}),
    InboxStatus.READY: frozenset({InboxStatus.PICKED_UP, InboxStatus.DELIVERED}),
}

# The stage each progress step reports to the order saga (OrderProgressedAtStore.stage).
ProgressStage = Literal["PREPARING", "READY", "PICKED_UP", "DELIVERED"]
PROGRESS_STAGES: dict[InboxStatus, ProgressStage] = {
    InboxStatus.PREPARING: "PREPARING",
    InboxStatus.READY: "READY",
    InboxStatus.PICKED_UP: "PICKED_UP",
    InboxStatus.DELIVERED: "DELIVERED",
}


class InboxEntryNotFound(NotFound):
    code = "order_not_found"


class AcceptanceDeadlinePassed(Conflict):
    code = "acceptance_deadline_passed"


class OrderWithdrawn(Conflict):
    code = "order_withdrawn"


class InboxTransitionRefused(Conflict):
    code = "inbox_transition_refused"


def can_transition(current: InboxStatus, target: InboxStatus) -> bool:
    """The whole state machine in one place: what the owner may do, the deadline's expiry, and the saga's
    withdrawal."""
    if target is InboxStatus.WITHDRAWN:
        return current not in FINAL_STATUSES
    if target is InboxStatus.EXPIRED:
        return current is InboxStatus.PENDING
    return target in _OWNER_TRANSITIONS.get(current, frozenset())


def decide(current: InboxStatus, target: InboxStatus) -> InboxStatus:
    """The owner's step from `current` to `target`, or the Conflict that says why it is refused."""
    if current is InboxStatus.WITHDRAWN:
        raise OrderWithdrawn("The order was withdrawn (cancelled) before this decision.")
    if current is InboxStatus.EXPIRED:
        raise AcceptanceDeadlinePassed("Nobody accepted this order in time; it has been cancelled.")
    if target in (InboxStatus.WITHDRAWN, InboxStatus.EXPIRED) or not can_transition(current, target):
        raise InboxTransitionRefused(
            f"An order that is {current} cannot become {target}.", current=current.value, requested=target.value
        )
    return target


def withdraw(current: InboxStatus) -> InboxStatus:
    """The saga released the order: a live entry is withdrawn, a finished one stays as it ended."""
    return InboxStatus.WITHDRAWN if can_transition(current, InboxStatus.WITHDRAWN) else current


@dataclass(frozen=True)
class InboxEntry:
    order_id: UUID
    store_id: UUID
    customer_id: UUID
    status: InboxStatus
    lines: tuple[OrderLine, ...]
    total_amount: int
    accept_by: datetime
    received_at: datetime
    updated_at: datetime
    prep_minutes: int | None = None
    reject_reason: str | None = None


def is_overdue(entry: InboxEntry, now: datetime) -> bool:
    return now > entry.accept_by


def ensure_within_deadline(entry: InboxEntry, now: datetime) -> None:
    """An order nobody accepted by `accept_by` expires (and the saga cancels it); accepting it later would
    only mislead the owner into cooking for a cancelled order."""
    if now > entry.accept_by:
        raise AcceptanceDeadlinePassed(
            "The time to accept this order has passed; it is being cancelled.", accept_by=entry.accept_by.isoformat()
        )
