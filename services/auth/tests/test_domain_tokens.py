"""Access-token claims and the refresh-token rotation/reuse rules."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from matjip_auth.domain.tokens import (
    AccessTokenPolicy,
    RefreshFamily,
    RefreshTokenRecord,
    RefreshTokenStatus,
    RefreshVerdict,
    access_token_claims,
    judge_refresh,
    new_refresh_token,
    refresh_token_digest,
    remaining_lifetime_seconds,
)
from matjip_contracts.events.common import Role

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
USER = uuid4()
POLICY = AccessTokenPolicy(issuer="matjip-auth", audience="matjip", lifetime=timedelta(minutes=10))


def test_access_token_carries_exactly_the_conventional_claims() -> None:
    claims = access_token_claims(POLICY, USER, Role.OWNER, now=NOW, jti="j1")

    assert claims == {
        "sub": str(USER),
        "role": "OWNER",
        "iss": "matjip-auth",
        "aud": "matjip",
        "iat": int(NOW.timestamp()),
        "exp": int(NOW.timestamp()) + 600,
        "jti": "j1",
        "typ": "access",
    }


def test_every_access_token_gets_its_own_jti() -> None:
    first = access_token_claims(POLICY, USER, Role.CUSTOMER, now=NOW)
    second = access_token_claims(POLICY, USER, Role.CUSTOMER, now=NOW)
    assert first["jti"] != second["jti"]


def test_a_revocation_is_remembered_for_the_tokens_remaining_life_and_never_zero() -> None:
    now_epoch = int(NOW.timestamp())
    assert remaining_lifetime_seconds(now_epoch + 420, NOW) == 420
    assert remaining_lifetime_seconds(now_epoch - 5, NOW) == 1  # already expired: a TTL of 0 would be an error


def test_refresh_tokens_are_random_and_stored_only_as_a_digest() -> None:
    tokens = {new_refresh_token() for _ in range(50)}
    assert len(tokens) == 50
    token = tokens.pop()
    assert len(token) >= 43  # 256 bits in URL-safe base64
    digest = refresh_token_digest(token)
    assert digest == refresh_token_digest(token)
    assert token not in digest and len(digest) == 64


def _record(
    status: RefreshTokenStatus = RefreshTokenStatus.ACTIVE, expires_in: timedelta = timedelta(days=1)
) -> RefreshTokenRecord:
    return RefreshTokenRecord(family_id="f1", user_id=USER, status=status, expires_at=NOW + expires_in)


def _family(revoked: bool = False, user_id: object = USER) -> RefreshFamily:
    return RefreshFamily(family_id="f1", user_id=user_id, revoked=revoked)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("record", "family", "verdict"),
    [
        pytest.param(None, None, RefreshVerdict.UNKNOWN, id="never issued or long expired"),
        pytest.param(_record(), _family(), RefreshVerdict.ROTATE, id="active token of a live family rotates"),
        pytest.param(
            _record(RefreshTokenStatus.ROTATED), _family(), RefreshVerdict.REUSED, id="a rotated token again is reuse"
        ),
        pytest.param(_record(), _family(revoked=True), RefreshVerdict.REVOKED, id="family revoked by logout or reuse"),
        pytest.param(
            _record(RefreshTokenStatus.ROTATED),
            _family(revoked=True),
            RefreshVerdict.REVOKED,
            id="reuse after revocation changes nothing",
        ),
        pytest.param(_record(), None, RefreshVerdict.REVOKED, id="family gone"),
        pytest.param(_record(), _family(user_id=uuid4()), RefreshVerdict.REVOKED, id="family of another user"),
        pytest.param(_record(expires_in=timedelta(0)), _family(), RefreshVerdict.EXPIRED, id="expired"),
        pytest.param(
            _record(RefreshTokenStatus.ROTATED, expires_in=-timedelta(seconds=1)),
            _family(),
            RefreshVerdict.REUSED,
            id="an expired rotated token is still reuse",
        ),
    ],
)
def test_judging_a_presented_refresh_token(
    record: RefreshTokenRecord | None, family: RefreshFamily | None, verdict: RefreshVerdict
) -> None:
    assert judge_refresh(record, family, NOW) is verdict
