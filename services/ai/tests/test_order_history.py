"""The order read model follows the saga forward only, whatever order its events arrive in."""

import itertools

import pytest

from matjip_ai.domain.order_history import FINAL_STATUSES, counts_for_recommendations, followed_status
from matjip_contracts.events.common import OrderStatus as S

SAGA = [S.PLACED, S.STOCK_RESERVED, S.AWAITING_STORE, S.ACCEPTED, S.PREPARING, S.READY, S.PICKED_UP, S.COMPLETED]


def position(status: S) -> int:
    """Where a status sits in the happy path; DELIVERED is the alternative to PICKED_UP."""
    return SAGA.index(S.PICKED_UP if status is S.DELIVERED else status)


def test_the_first_status_heard_is_taken_as_it_is() -> None:
    for status in S:
        assert followed_status(None, status) is status


@pytest.mark.parametrize(("current", "reported"), list(itertools.product(list(S), list(S))))
def test_every_pair_of_statuses(current: S, reported: S) -> None:
    followed = followed_status(current, reported)
    if current in FINAL_STATUSES:
        expected = current  # COMPLETED and CANCELLED are never left
    elif reported is S.CANCELLED:
        expected = S.CANCELLED
    elif {current, reported} == {S.PICKED_UP, S.DELIVERED}:
        expected = current  # alternatives at the same step: the first one heard stays
    else:
        expected = reported if position(reported) > position(current) else current
    assert followed is expected


def test_the_saga_replayed_in_any_order_ends_completed() -> None:
    for shuffled in itertools.islice(itertools.permutations(SAGA), 0, None, 997):
        status = None
        for reported in shuffled:
            status = followed_status(status, reported)
        assert status is S.COMPLETED


def test_a_redelivered_early_status_does_not_undo_completion() -> None:
    assert followed_status(S.COMPLETED, S.AWAITING_STORE) is S.COMPLETED
    assert followed_status(S.CANCELLED, S.COMPLETED) is S.CANCELLED


def test_only_completed_orders_count_for_recommendations() -> None:
    assert [s for s in S if counts_for_recommendations(s)] == [S.COMPLETED]
