"""Login throttling: 5 failures per account and 50 per IP within 15 minutes by default."""

import pytest

from matjip_auth.domain.throttling import AttemptCount, LoginThrottlePolicy, ThrottleVerdict
from matjip_auth.settings import AuthSettings

POLICY = LoginThrottlePolicy()
FRESH = AttemptCount(attempts=1, resets_in_seconds=900)


def test_defaults_are_five_per_account_and_fifty_per_ip_in_fifteen_minutes() -> None:
    assert (POLICY.max_failures_per_account, POLICY.max_failures_per_ip, POLICY.window_seconds) == (5, 50, 900)
    settings = AuthSettings()
    assert settings.login_max_failures_per_account == 5
    assert settings.login_max_failures_per_ip == 50
    assert settings.login_failure_window_seconds == 900


@pytest.mark.parametrize("attempt", [1, 2, 3, 4, 5])
def test_the_first_five_attempts_on_an_account_may_check_a_password(attempt: int) -> None:
    assert POLICY.judge(AttemptCount(attempt, 600), FRESH) == ThrottleVerdict(True)


def test_the_sixth_attempt_on_an_account_waits_for_the_window_to_end() -> None:
    assert POLICY.judge(AttemptCount(6, 437), FRESH) == ThrottleVerdict(False, retry_after_seconds=437)


def test_the_fifty_first_attempt_from_an_ip_is_refused_even_on_a_fresh_account() -> None:
    assert POLICY.judge(FRESH, AttemptCount(50, 300)).allowed
    assert POLICY.judge(FRESH, AttemptCount(51, 300)) == ThrottleVerdict(False, retry_after_seconds=300)


def test_when_both_limits_are_hit_the_client_waits_for_the_later_window() -> None:
    assert POLICY.judge(AttemptCount(9, 100), AttemptCount(70, 800)).retry_after_seconds == 800


@pytest.mark.parametrize("ttl", [0, -1, -2])
def test_a_counter_without_known_expiry_waits_a_whole_window_never_zero(ttl: int) -> None:
    assert POLICY.judge(AttemptCount(6, ttl), FRESH).retry_after_seconds == 900


def test_limits_follow_the_policy() -> None:
    strict = LoginThrottlePolicy(max_failures_per_account=2, max_failures_per_ip=3, window_seconds=60)
    assert strict.judge(AttemptCount(2, 60), AttemptCount(3, 60)).allowed
    assert not strict.judge(AttemptCount(3, 60), AttemptCount(3, 60)).allowed
    assert not strict.judge(AttemptCount(1, 60), AttemptCount(4, 60)).allowed
