"""How the sandbox PG answers a confirm, per customer scenario (set with PUT /scenarios/{customer_id})."""

from enum import StrEnum


class Behaviour(StrEnum):
    APPROVE = "approve"
    DECLINE = "decline"
    TIMEOUT_THEN_APPROVE = "timeout_then_approve"  # the first confirm of an order stalls past the caller's timeout
    FAIL_AFTER_CHARGE = "fail_after_charge"  # charges, then answers 500


class ConfirmPlan(StrEnum):
    CHARGE = "CHARGE"
    DECLINE = "DECLINE"
    STALL = "STALL"  # charge nothing and answer too late for anyone to hear
    CHARGE_THEN_FAIL = "CHARGE_THEN_FAIL"


def plan_confirm(behaviour: Behaviour, attempt: int) -> ConfirmPlan:
    """The plan for the `attempt`-th confirm (1-based) of one order that has no recorded result yet."""
    match behaviour:
        case Behaviour.APPROVE:
            return ConfirmPlan.CHARGE
        case Behaviour.DECLINE:
            return ConfirmPlan.DECLINE
        case Behaviour.TIMEOUT_THEN_APPROVE:
            return ConfirmPlan.STALL if attempt == 1 else ConfirmPlan.CHARGE
        case Behaviour.FAIL_AFTER_CHARGE:
            return ConfirmPlan.CHARGE_THEN_FAIL
