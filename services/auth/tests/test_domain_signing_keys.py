"""Key rotation: one signer; a retired key stays published until the tokens it signed have expired."""

from datetime import UTC, datetime, timedelta

import pytest

from matjip_auth.domain.signing_keys import KeyRing, new_kid

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
LIFETIME = timedelta(minutes=10)
LEEWAY = timedelta(seconds=60)


def test_a_first_key_signs_and_is_published() -> None:
    ring = KeyRing.first("k1", T0)
    assert ring.active.kid == "k1"
    assert [k.kid for k in ring.published(T0 + timedelta(days=365))] == ["k1"]


def test_rotation_makes_the_new_key_the_signer_and_keeps_both_published() -> None:
    ring = KeyRing.first("k1", T0).rotate("k2", T0 + timedelta(hours=1), LIFETIME, LEEWAY)

    assert ring.active_kid == "k2"
    assert [k.kid for k in ring.published(T0 + timedelta(hours=1))] == ["k2", "k1"]  # signer first
    retired = next(k for k in ring.keys if k.kid == "k1")
    assert retired.retired_at == T0 + timedelta(hours=1)
    assert retired.verify_until == T0 + timedelta(hours=1) + LIFETIME + LEEWAY


def test_a_retired_key_is_published_until_its_last_token_expired_then_dropped() -> None:
    rotated_at = T0 + timedelta(hours=1)
    ring = KeyRing.first("k1", T0).rotate("k2", rotated_at, LIFETIME, LEEWAY)
    last_moment = rotated_at + LIFETIME + LEEWAY

    assert [k.kid for k in ring.published(last_moment - timedelta(seconds=1))] == ["k2", "k1"]
    assert [k.kid for k in ring.published(last_moment)] == ["k2"]
    pruned, removed = ring.prune(last_moment)
    assert removed == ("k1",)
    assert [k.kid for k in pruned.keys] == ["k2"]
    assert pruned.active_kid == "k2"


def test_pruning_keeps_keys_that_may_still_verify() -> None:
    ring = KeyRing.first("k1", T0).rotate("k2", T0, LIFETIME, LEEWAY)
    pruned, removed = ring.prune(T0 + timedelta(minutes=5))
    assert removed == ()
    assert pruned == ring


def test_two_quick_rotations_publish_three_keys_until_the_oldest_expires() -> None:
    ring = (
        KeyRing.first("k1", T0)
        .rotate("k2", T0, LIFETIME, LEEWAY)
        .rotate("k3", T0 + timedelta(minutes=1), LIFETIME, LEEWAY)
    )
    assert [k.kid for k in ring.published(T0 + timedelta(minutes=2))] == ["k3", "k1", "k2"]
    assert [k.kid for k in ring.published(T0 + timedelta(minutes=11, seconds=30))] == ["k3", "k2"]


def test_a_kid_is_never_reused() -> None:
    with pytest.raises(ValueError):
        KeyRing.first("k1", T0).rotate("k1", T0, LIFETIME, LEEWAY)
    assert new_kid(T0) != new_kid(T0)
    assert new_kid(T0).startswith("20250301-")
