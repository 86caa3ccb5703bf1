"""The signing keys on disk: generated once, private (0600), rotated, shared by replicas, pruned."""

import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
import pytest

from matjip_auth.repository.signing_keys import SigningKeyStore

LIFETIME = timedelta(minutes=10)
LEEWAY = timedelta(seconds=60)


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def _store(directory: Path, clock: Clock) -> SigningKeyStore:
    store = SigningKeyStore(directory, clock=clock)
    store.open()
    return store


def _sign(store: SigningKeyStore) -> str:
    kid, key = store.signer()
    return jwt.encode({"sub": "x"}, key, algorithm="RS256", headers={"kid": kid})


def _pem_files(directory: Path) -> list[str]:
    return sorted(p.stem for p in directory.glob("*.pem"))


async def _verifies(store: SigningKeyStore, token: str) -> bool:
    key = await store.key(jwt.get_unverified_header(token)["kid"])
    if key is None:
        return False
    jwt.decode(token, key=key, algorithms=["RS256"])
    return True


def test_the_first_start_generates_a_private_rsa_2048_key(tmp_path: Path, clock: Clock) -> None:
    store = _store(tmp_path / "keys", clock)

    kid, key = store.signer()
    assert key.key_size == 2048
    pem = tmp_path / "keys" / f"{kid}.pem"
    assert stat.S_IMODE(pem.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "keys" / "keyring.json").stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "keys").stat().st_mode) == 0o700
    jwks = store.jwks()["keys"]
    assert [(k["kid"], k["kty"], k["alg"], k["use"]) for k in jwks] == [(kid, "RSA", "RS256", "sig")]
    assert "d" not in jwks[0]  # the JWKS holds public halves only


def test_a_restart_keeps_the_same_key(tmp_path: Path, clock: Clock) -> None:
    first = _store(tmp_path, clock).signer()[0]
    assert _store(tmp_path, clock).signer()[0] == first


def test_an_existing_ring_is_opened_without_writing_to_its_directory(tmp_path: Path, clock: Clock) -> None:
    """A Kubernetes Secret is mounted read-only: opening it must not create files (not even a lock)."""
    first = _store(tmp_path, clock).signer()[0]
    (tmp_path / ".lock").unlink()
    before = sorted(p.name for p in tmp_path.iterdir())

    assert _store(tmp_path, clock).signer()[0] == first
    assert sorted(p.name for p in tmp_path.iterdir()) == before


async def test_rotation_publishes_both_keys_and_tokens_of_both_verify(tmp_path: Path, clock: Clock) -> None:
    store = _store(tmp_path, clock)
    old_token = _sign(store)
    new, previous = store.rotate(token_lifetime=LIFETIME, leeway=LEEWAY)
    new_token = _sign(store)

    assert store.signer()[0] == new != previous
    assert [k["kid"] for k in store.jwks()["keys"]] == [new, previous]
    assert await _verifies(store, old_token)
    assert await _verifies(store, new_token)


async def test_another_replica_sees_a_rotation_without_restarting(tmp_path: Path, clock: Clock) -> None:
    replica_a, replica_b = _store(tmp_path, clock), _store(tmp_path, clock)
    new, _ = replica_a.rotate(token_lifetime=LIFETIME, leeway=LEEWAY)

    assert replica_b.signer()[0] == new
    assert await _verifies(replica_b, _sign(replica_a))


async def test_a_retired_key_stops_verifying_and_is_deleted_once_its_tokens_expired(
    tmp_path: Path, clock: Clock
) -> None:
    store = _store(tmp_path, clock)
    old_token = _sign(store)
    first, retired = store.rotate(token_lifetime=LIFETIME, leeway=LEEWAY)

    clock.now += LIFETIME + LEEWAY
    assert [k["kid"] for k in store.jwks()["keys"]] == [first]
    assert not await _verifies(store, old_token)
    assert _pem_files(tmp_path) == sorted([first, retired])  # deleted at the next rotation, not by a reader

    second, _ = store.rotate(token_lifetime=LIFETIME, leeway=LEEWAY)
    assert _pem_files(tmp_path) == sorted([first, second])


async def test_an_unknown_kid_verifies_nothing(tmp_path: Path, clock: Clock) -> None:
    assert await _store(tmp_path, clock).key("forged") is None
