"""What each customer scenario makes of a confirm (no I/O)."""

import pytest

from matjip_sandbox_pg.scenarios import Behaviour, ConfirmPlan, plan_confirm


@pytest.mark.parametrize("attempt", [1, 2, 3])
def test_approve_and_decline_do_the_same_on_every_attempt(attempt: int) -> None:
    assert plan_confirm(Behaviour.APPROVE, attempt) is ConfirmPlan.CHARGE
    assert plan_confirm(Behaviour.DECLINE, attempt) is ConfirmPlan.DECLINE


def test_timeout_then_approve_holds_the_first_attempt_only() -> None:
    assert plan_confirm(Behaviour.TIMEOUT_THEN_APPROVE, 1) is ConfirmPlan.HOLD
    assert plan_confirm(Behaviour.TIMEOUT_THEN_APPROVE, 2) is ConfirmPlan.CHARGE
    assert plan_confirm(Behaviour.TIMEOUT_THEN_APPROVE, 3) is ConfirmPlan.CHARGE


def test_fail_after_charge_charges_then_fails() -> None:
    assert plan_confirm(Behaviour.FAIL_AFTER_CHARGE, 1) is ConfirmPlan.CHARGE_THEN_FAIL


def test_every_behaviour_has_a_plan() -> None:
    for behaviour in Behaviour:
        assert isinstance(plan_confirm(behaviour, 1), ConfirmPlan)
