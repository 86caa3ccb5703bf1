"""Tokens are verified, never trusted: expired, forged, tampered and malformed tokens are refused."""

import base64
import json
import uuid
from datetime import timedelta

import jwt
import pytest

from matjip_contracts.events.common import Role
from matjip_platform.auth import Principal, TokenVerifier
from matjip_platform.errors import Unauthorized
from matjip_platform.testing import TestKeys

KEYS = TestKeys()
OTHER_KEYS = TestKeys(kid=KEYS.kid)  # same kid, different key: a forgery


def verifier(revoked: set[str] | None = None) -> TokenVerifier:
    async def is_revoked(jti: str) -> bool:
        return jti in (revoked or set())

    return TokenVerifier(KEYS.key_set(), issuer="matjip-auth", audience="matjip", is_revoked=is_revoked)


async def test_a_valid_token_gives_the_principal() -> None:
    user_id = uuid.uuid4()
    principal = await verifier().verify(KEYS.token(user_id, Role.OWNER))
    assert principal == Principal(user_id=user_id, role=Role.OWNER, token_id=principal.token_id)


async def test_an_expired_token_is_refused() -> None:
    token = KEYS.token(uuid.uuid4(), expires_in=timedelta(minutes=-1))
    with pytest.raises(Unauthorized) as caught:
        await verifier().verify(token)
    assert caught.value.code == "token_expired"


async def test_a_token_signed_with_another_key_is_refused() -> None:
    with pytest.raises(Unauthorized, match="not valid"):
        await verifier().verify(OTHER_KEYS.token(uuid.uuid4()))


async def test_a_token_with_an_unknown_key_id_is_refused() -> None:
    with pytest.raises(Unauthorized, match="unknown key"):
        await verifier().verify(TestKeys().token(uuid.uuid4()))


async def test_a_tampered_payload_is_refused() -> None:
    header, payload, signature = KEYS.token(uuid.uuid4(), Role.CUSTOMER).split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["role"] = "ADMIN"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    with pytest.raises(Unauthorized, match="not valid"):
        await verifier().verify(f"{header}.{forged}.{signature}")


async def test_unsigned_and_symmetric_tokens_are_refused() -> None:
    claims = {"sub": str(uuid.uuid4()), "role": "ADMIN", "iss": "matjip-auth", "aud": "matjip"}
    for token in (
        jwt.encode(claims, key="", algorithm="none"),
        jwt.encode(claims, key="a-guessable-shared-secret-of-32-bytes!", algorithm="HS256"),
    ):
        with pytest.raises(Unauthorized, match="RS256"):
            await verifier().verify(token)


@pytest.mark.parametrize("claims", [{"aud": "someone-else"}, {"iss": "evil"}, {"role": "ROOT"}, {"typ": "refresh"}])
async def test_tokens_with_wrong_claims_are_refused(claims: dict[str, str]) -> None:
    with pytest.raises(Unauthorized):
        await verifier().verify(KEYS.token(uuid.uuid4(), **claims))  # type: ignore[arg-type]


async def test_garbage_is_refused() -> None:
    with pytest.raises(Unauthorized, match="malformed"):
        await verifier().verify("not-a-jwt")


async def test_a_revoked_token_is_refused() -> None:
    token = KEYS.token(uuid.uuid4())
    jti = jwt.decode(token, options={"verify_signature": False})["jti"]
    with pytest.raises(Unauthorized) as caught:
        await verifier(revoked={jti}).verify(token)
    assert caught.value.code == "token_revoked"
