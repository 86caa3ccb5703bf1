"""How the sandbox PG answers one customer's confirms (set with PUT /api/sandbox-pg/scenarios/{customer_id})."""

from enum import StrEnum


class Behaviour(StrEnum):
    APPROVE = "approve"
    DECLINE = "decline"
    # The first confirm of an order gets no answer until the caller gives up; its retry is approved.
    TIMEOUT_THEN_APPROVE = "timeout_then_approve"
    FAIL_AFTER_CHARGE = "fail_after_charge"  # charges, then answers 500


class ConfirmPlan(StrEnum):
    CHARGE = "CHARGE"
    DECLINE = "DECLINE"
    HOLD = "HOLD"  # charge nothing and answer nothing until the caller hangs up
    CHARGE_THEN_FAIL = "CHARGE_THEN_FAIL"


def plan_confirm(behaviour: Behaviour, attempt: int) -> ConfirmPlan:
    """The plan for the `attempt`-th confirm (1-based) of one order that has no recorded result yet."""
    match behaviour:
        case Behaviour.APPROVE:
            return ConfirmPlan.CHARGE
        case Behaviour.DECLINE:
            return ConfirmPlan.DECLINE
        case Behaviour.TIMEOUT_THEN_APPROVE:
            return ConfirmPlan.HOLD if attempt == 1 else ConfirmPlan.CHARGE
        case Behaviour.FAIL_AFTER_CHARGE:
            return ConfirmPlan.CHARGE_THEN_FAIL
