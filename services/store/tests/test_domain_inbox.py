"""The inbox state machine, checked for every pair of states."""

import itertools

import pytest

from matjip_store.domain.inbox import (
    FINAL_STATUSES,
    AcceptanceDeadlinePassed,
    InboxStatus,
    InboxTransitionRefused,
    OrderWithdrawn,
    can_transition,
    decide,
    withdraw,
)

S = InboxStatus
ALLOWED = {
    (S.PENDING, S.ACCEPTED),
    (S.PENDING, S.REJECTED),
    (S.ACCEPTED, S.PREPARING),
    (S.PREPARING, S.READY),
    (S.READY, S.PICKED_UP),
    (S.READY, S.DELIVERED),
    # Only the expiry task ends an entry nobody answered in time.
    (S.PENDING, S.EXPIRED),
    # The saga may withdraw any entry that has not ended.
    (S.PENDING, S.WITHDRAWN),
    (S.ACCEPTED, S.WITHDRAWN),
    (S.PREPARING, S.WITHDRAWN),
    (S.READY, S.WITHDRAWN),
}
ALL_PAIRS = list(itertools.product(InboxStatus, repeat=2))


@pytest.mark.parametrize(("current", "target"), ALL_PAIRS)
def test_every_pair_of_states(current: InboxStatus, target: InboxStatus) -> None:
    assert can_transition(current, target) is ((current, target) in ALLOWED)


@pytest.mark.parametrize(("current", "target"), ALL_PAIRS)
def test_owner_decisions_follow_the_table_and_never_withdraw_or_expire(
    current: InboxStatus, target: InboxStatus
) -> None:
    owner_may = (current, target) in ALLOWED and target not in (S.WITHDRAWN, S.EXPIRED)
    if owner_may:
        assert decide(current, target) is target
    elif current is S.EXPIRED:
        with pytest.raises(AcceptanceDeadlinePassed) as expired:
            decide(current, target)
        assert expired.value.status == 409
    elif current is S.WITHDRAWN:
        with pytest.raises(OrderWithdrawn) as withdrawn:
            decide(current, target)
        assert withdrawn.value.status == 409
        assert withdrawn.value.code == "order_withdrawn"
    else:
        with pytest.raises(InboxTransitionRefused) as refused:
            decide(current, target)
        assert refused.value.status == 409
        assert refused.value.extra == {"current": current.value, "requested": target.value}


@pytest.mark.parametrize("current", list(InboxStatus))
def test_withdrawal_ends_live_entries_and_leaves_finished_ones(current: InboxStatus) -> None:
    expected = current if current in FINAL_STATUSES else S.WITHDRAWN
    assert withdraw(current) is expected


def test_final_states_have_no_way_out() -> None:
    for final in FINAL_STATUSES:
        assert not any(can_transition(final, target) for target in InboxStatus)
