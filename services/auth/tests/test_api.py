"""auth's API against the real PostgreSQL, Redis and Kafka: sign-up, login, refresh rotation with reuse
detection, logout, throttling, the admin account and signing-key rotation."""

from collections.abc import Callable
from pathlib import Path

import httpx
import jwt
import pytest
from sqlalchemy import func, select

from matjip_contracts.topics import AUTH_EVENTS
from matjip_devstack.infra import Infra
from matjip_platform.auth import revoked_access_key
from matjip_platform.errors import Unauthorized
from matjip_platform.messaging_tables import outbox_events

from .harness import (
    IP_LIMIT,
    PASSWORD,
    AuthUnderTest,
    bearer,
    log_in,
    logins,
    platform_verifier,
    problem_code,
    published,
    refresh,
    sign_up,
    start_auth,
)

# --- sign-up -----------------------------------------------------------------------------------------


async def test_sign_up_creates_the_account_and_publishes_user_registered(
    auth: AuthUnderTest, unique_email: Callable[[], str]
) -> None:
    email = unique_email()
    async with auth.client() as client:
        account = await sign_up(client, email.upper(), role="OWNER")

    assert account["email"] == email  # stored normalized
    assert account["role"] == "OWNER"
    events = await published(auth.kafka_bootstrap, auth.topic_prefix + AUTH_EVENTS, matching={"email": email})
    assert len(events) == 1
    event = events[0]
    assert event.event_type == "auth.user-registered"
    assert event.key == account["user_id"]
    assert event.payload["user_id"] == account["user_id"]
    assert event.payload["role"] == "OWNER"
    assert event.payload["display_name"] == "Kim Minji"


async def test_a_taken_email_is_refused_in_any_case_and_publishes_nothing(
    auth: AuthUnderTest, unique_email: Callable[[], str]
) -> None:
    email = unique_email()
    async with auth.client() as client:
        await sign_up(client, email)
        again = await client.post(
            "/api/auth/signup",
            json={"email": email.title(), "password": PASSWORD, "display_name": "Other", "role": "CUSTOMER"},
        )

    assert again.status_code == 409
    assert problem_code(again) == "email_taken"
    async with auth.service.runtime.db.transaction() as conn:
        rows = await conn.scalar(
            select(func.count()).select_from(outbox_events).where(outbox_events.c.payload["email"].as_string() == email)
        )
    assert rows == 1  # the refused sign-up wrote no event: account and event share one transaction


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"password": "too-short"}, "password"),
        ({"password": " " * 12}, "password"),
        ({"role": "ADMIN"}, "role"),
        ({"email": "not-an-email"}, "email"),
        ({"display_name": "   "}, "display_name"),
        ({"display_name": "Kim \u202enimda"}, "display_name"),  # a right-to-left override: reads as another name
        ({"display_name": "Ki\u200bm"}, "display_name"),  # a zero-width space
        ({"display_name": "Kim\x00"}, "display_name"),  # a NUL, which PostgreSQL cannot store: 422, not 500
        ({"email": "kim\x00@matjip.dev"}, "email"),
        ({"user_id": "00000000-0000-0000-0000-000000000001"}, "user_id"),
    ],
)
async def test_an_invalid_sign_up_names_the_field_and_writes_nothing(
    auth: AuthUnderTest, unique_email: Callable[[], str], change: dict[str, str], field: str
) -> None:
    email = unique_email()
    body = {"email": email, "password": PASSWORD, "display_name": "Kim", "role": "CUSTOMER"} | change
    async with auth.client() as client:
        refused = await client.post("/api/auth/signup", json=body)
        assert refused.status_code == 422
        assert problem_code(refused) == "validation_failed"
        assert [e["field"] for e in refused.json()["errors"]] == [field]
        if field != "email":
            await sign_up(client, email)  # the address is still free


# --- sessions ----------------------------------------------------------------------------------------


async def test_login_issues_a_short_lived_rs256_access_token_with_the_conventional_claims(
    auth: AuthUnderTest, unique_email: Callable[[], str]
) -> None:
    email = unique_email()
    async with auth.client() as client:
        account = await sign_up(client, email)
        before = logins("success")
        tokens = await log_in(client, email.upper())
        me = await client.get("/api/auth/me", headers=bearer(tokens["access_token"]))
        jwks = (await client.get("/api/auth/.well-known/jwks.json")).json()
        metrics = (await client.get("/metrics")).text

    assert tokens["token_type"] == "Bearer"
    assert tokens["expires_in"] == 600
    header = jwt.get_unverified_header(tokens["access_token"])
    assert header["alg"] == "RS256"
    assert header["kid"] in {k["kid"] for k in jwks["keys"]}
    claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    assert set(claims) == {"sub", "role", "iss", "aud", "exp", "iat", "jti", "typ"}
    assert (claims["sub"], claims["role"], claims["iss"], claims["aud"], claims["typ"]) == (
        account["user_id"],
        "CUSTOMER",
        "matjip-auth",
        "matjip",
        "access",
    )
    assert claims["exp"] - claims["iat"] == 600
    assert me.status_code == 200
    assert me.json() == account
    assert logins("success") == before + 1
    assert 'auth_logins_total{outcome="success"}' in metrics


async def test_a_wrong_password_and_an_unknown_account_get_the_same_answer(
    auth: AuthUnderTest, unique_email: Callable[[], str]
) -> None:
    email = unique_email()
    async with auth.client() as client:
        await sign_up(client, email)
        wrong = await client.post("/api/auth/login", json={"email": email, "password": "not the password"})
        unknown = await client.post("/api/auth/login", json={"email": unique_email(), "password": PASSWORD})

    assert wrong.status_code == unknown.status_code == 401
    assert problem_code(wrong) == problem_code(unknown) == "invalid_credentials"
    assert wrong.json()["detail"] == unknown.json()["detail"]


async def test_refresh_rotates_and_a_reused_refresh_token_revokes_the_whole_family(
    auth: AuthUnderTest, unique_email: Callable[[], str]
) -> None:
    email = unique_email()
    async with auth.client() as client:
        await sign_up(client, email)
        first = await log_in(client, email)

        second_response = await refresh(client, first["refresh_token"])
        assert second_response.status_code == 200
        assert second_response.headers["cache-control"] == "no-store"
        second = second_response.json()
        assert second["refresh_token"] != first["refresh_token"]
        assert second["access_token"] != first["access_token"]
        third = (await refresh(client, second["refresh_token"])).json()
        assert (await client.get("/api/auth/me", headers=bearer(third["access_token"]))).status_code == 200

        reused = await refresh(client, first["refresh_token"])  # e.g. a thief replaying a stolen token
        assert reused.status_code == 401
        assert problem_code(reused) == "refresh_token_reused"
        # The legitimate holder's newest token is part of the revoked family too: both must log in again.
        newest = await refresh(client, third["refresh_token"])
        assert newest.status_code == 401
        assert problem_code(newest) == "refresh_token_revoked"

        other_session = await log_in(client, email)
        assert (await refresh(client, other_session["refresh_token"])).status_code == 200


async def test_an_unknown_refresh_token_is_refused(auth: AuthUnderTest) -> None:
    async with auth.client() as client:
        response = await refresh(client, "never-issued")
    assert response.status_code == 401
    assert problem_code(response) == "invalid_refresh_token"


async def test_logout_revokes_the_access_token_for_every_verifier_and_the_refresh_family(
    auth: AuthUnderTest, unique_email: Callable[[], str]
) -> None:
    email = unique_email()
    async with auth.client() as client:
        account = await sign_up(client, email)
        phone, laptop = await log_in(client, email), await log_in(client, email)
        jwks = (await client.get("/api/auth/.well-known/jwks.json")).json()
        async with platform_verifier(jwks, auth.redis_url) as verifier:
            assert str((await verifier.verify(phone["access_token"])).user_id) == account["user_id"]

            out = await client.post(
                "/api/auth/logout",
                headers=bearer(phone["access_token"]),
                json={"refresh_token": phone["refresh_token"]},
            )
            assert out.status_code == 204

            me = await client.get("/api/auth/me", headers=bearer(phone["access_token"]))
            assert me.status_code == 401
            assert problem_code(me) == "token_revoked"
            with pytest.raises(Unauthorized) as rejected:
                await verifier.verify(phone["access_token"])
            assert rejected.value.code == "token_revoked"
            assert str((await verifier.verify(laptop["access_token"])).user_id) == account["user_id"]

        jti = jwt.decode(phone["access_token"], options={"verify_signature": False})["jti"]
        remembered_for = await auth.service.runtime.redis.ttl(revoked_access_key(jti))
        assert 0 < remembered_for <= 600  # no longer than the token could live anyway

        assert problem_code(await refresh(client, phone["refresh_token"])) == "refresh_token_revoked"
        # The other device's session is a different family and stays.
        assert (await client.get("/api/auth/me", headers=bearer(laptop["access_token"]))).status_code == 200
        assert (await refresh(client, laptop["refresh_token"])).status_code == 200


async def test_logout_does_not_touch_someone_elses_refresh_token(
    auth: AuthUnderTest, unique_email: Callable[[], str]
) -> None:
    mine, theirs = unique_email(), unique_email()
    async with auth.client() as client:
        await sign_up(client, mine)
        await sign_up(client, theirs)
        me, them = await log_in(client, mine), await log_in(client, theirs)
        out = await client.post(
            "/api/auth/logout", headers=bearer(me["access_token"]), json={"refresh_token": them["refresh_token"]}
        )
        assert out.status_code == 204
        assert (await refresh(client, them["refresh_token"])).status_code == 200


async def test_logout_everywhere_ends_every_session_of_the_account_only(
    auth: AuthUnderTest, unique_email: Callable[[], str]
) -> None:
    mine, theirs = unique_email(), unique_email()
    async with auth.client() as client:
        await sign_up(client, mine)
        await sign_up(client, theirs)
        phone, laptop, tablet = await log_in(client, mine), await log_in(client, mine), await log_in(client, mine)
        rotated = (await refresh(client, tablet["refresh_token"])).json()  # a session that already rotated
        someone_else = await log_in(client, theirs)

        out = await client.post("/api/auth/logout-everywhere", headers=bearer(phone["access_token"]))
        assert out.status_code == 204

        assert problem_code(await client.get("/api/auth/me", headers=bearer(phone["access_token"]))) == "token_revoked"
        for session in (phone, laptop, rotated):
            assert problem_code(await refresh(client, session["refresh_token"])) == "refresh_token_revoked"
        assert (await refresh(client, someone_else["refresh_token"])).status_code == 200
        # A new login after it is a new session, untouched.
        again = await log_in(client, mine)
        assert (await refresh(client, again["refresh_token"])).status_code == 200
        assert (await client.post("/api/auth/logout-everywhere")).status_code == 401


async def test_me_and_logout_need_a_valid_token(auth: AuthUnderTest) -> None:
    async with auth.client() as client:
        missing = await client.get("/api/auth/me")
        forged = await client.post("/api/auth/logout", headers=bearer("eyJhbGciOiJSUzI1NiJ9.e30.c2ln"))
    assert missing.status_code == forged.status_code == 401
    assert problem_code(missing) == "missing_token"
    assert problem_code(forged) == "invalid_token"


# --- throttling --------------------------------------------------------------------------------------


async def test_five_failures_lock_the_account_with_429_and_retry_after(
    auth: AuthUnderTest, unique_email: Callable[[], str]
) -> None:
    email = unique_email()
    async with auth.client() as client:
        await sign_up(client, email)
        for _ in range(5):
            failed = await client.post("/api/auth/login", json={"email": email, "password": "guess-guess"})
            assert failed.status_code == 401
        throttled_before = logins("throttled")

        locked = await client.post("/api/auth/login", json={"email": email, "password": PASSWORD})

    assert locked.status_code == 429
    assert problem_code(locked) == "login_throttled"
    assert 0 < int(locked.headers["retry-after"]) <= 900
    assert logins("throttled") == throttled_before + 1
    async with auth.client() as elsewhere:  # the lock is on the account, whatever the IP
        assert (await elsewhere.post("/api/auth/login", json={"email": email, "password": PASSWORD})).status_code == 429


async def test_a_successful_login_clears_the_accounts_failures(
    auth: AuthUnderTest, unique_email: Callable[[], str]
) -> None:
    email = unique_email()
    async with auth.client() as client:
        await sign_up(client, email)
        for _ in range(4):
            assert (
                await client.post("/api/auth/login", json={"email": email, "password": "x" * 10})
            ).status_code == 401
        await log_in(client, email)
    async with auth.client() as client:  # another IP: this test is about the account's counter
        for _ in range(5):
            assert (
                await client.post("/api/auth/login", json={"email": email, "password": "x" * 10})
            ).status_code == 401
        assert (await client.post("/api/auth/login", json={"email": email, "password": PASSWORD})).status_code == 429


async def test_too_many_failures_from_one_ip_are_refused_whatever_the_account(
    auth: AuthUnderTest, unique_email: Callable[[], str]
) -> None:
    email = unique_email()
    async with auth.client() as client:
        await sign_up(client, email)
        for _ in range(IP_LIMIT):  # spraying guesses over many accounts
            guess = await client.post("/api/auth/login", json={"email": unique_email(), "password": PASSWORD})
            assert guess.status_code == 401
        refused = await client.post("/api/auth/login", json={"email": email, "password": PASSWORD})
        assert refused.status_code == 429
        assert int(refused.headers["retry-after"]) > 0
    async with auth.client() as other_ip:
        await log_in(other_ip, email)


# --- admin and signing keys --------------------------------------------------------------------------


async def test_the_operator_admin_is_created_at_start(auth: AuthUnderTest) -> None:
    async with auth.client() as client:
        tokens = await log_in(client, auth.admin_email, auth.admin_password)
        me = (await client.get("/api/auth/me", headers=bearer(tokens["access_token"]))).json()
    assert me["role"] == "ADMIN"
    assert me["email"] == auth.admin_email


async def test_key_rotation_keeps_both_keys_published_and_tokens_of_both_verify(
    auth: AuthUnderTest,
    infra: Infra,
    test_database_url: str,
    tmp_path: Path,
    unique_email: Callable[[], str],
) -> None:
    # Its own instance and key directory: the session's keys stay as they are for the other tests.
    async with (
        start_auth(infra, test_database_url, auth.topic_prefix, tmp_path, auth.admin_email, auth.admin_password) as svc,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=svc.app, client=("10.99.0.1", 1)), base_url="http://t"
        ) as client,
    ):
        email = unique_email()
        await sign_up(client, email)
        customer = await log_in(client, email)
        admin_before = await log_in(client, auth.admin_email, auth.admin_password)
        jwks_before = (await client.get("/api/auth/.well-known/jwks.json")).json()
        assert len(jwks_before["keys"]) == 1

        not_admin = await client.post("/api/auth/admin/keys/rotate", headers=bearer(customer["access_token"]))
        assert not_admin.status_code == 403
        assert problem_code(not_admin) == "role_required"
        rotated = await client.post("/api/auth/admin/keys/rotate", headers=bearer(admin_before["access_token"]))
        assert rotated.status_code == 200
        new_kid, old_kid = rotated.json()["kid"], rotated.json()["previous_kid"]

        jwks = (await client.get("/api/auth/.well-known/jwks.json")).json()
        assert [k["kid"] for k in jwks["keys"]] == [new_kid, old_kid]
        assert all(set(k) >= {"kty", "n", "e", "kid", "alg", "use"} and "d" not in k for k in jwks["keys"])
        admin_after = await log_in(client, auth.admin_email, auth.admin_password)
        assert jwt.get_unverified_header(admin_before["access_token"])["kid"] == old_kid
        assert jwt.get_unverified_header(admin_after["access_token"])["kid"] == new_kid

        async with platform_verifier(jwks, auth.redis_url) as verifier:
            for token in (admin_before["access_token"], customer["access_token"], admin_after["access_token"]):
                await verifier.verify(token)
                assert (await client.get("/api/auth/me", headers=bearer(token))).status_code == 200
        async with platform_verifier(jwks_before, auth.redis_url) as stale_verifier:
            with pytest.raises(Unauthorized):  # a verifier that never refetched cannot know the new key
                await stale_verifier.verify(admin_after["access_token"])
