"""auth's RSA signing keys on disk (MATJIP_AUTH_KEY_DIR): one PEM per key (0600) and `keyring.json`
saying which key signs and until when retired ones stay published.

Every replica reads the same directory and reloads it when `keyring.json` changes, so a rotation made
through one replica reaches the others at their next token or JWKS request. Writers take a file lock and
replace files atomically: a PEM is written before the ring that names it, and deleted after the ring
that drops it.
"""

import fcntl
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import structlog
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt import PyJWK
from jwt.algorithms import RSAAlgorithm

from matjip_auth.domain.signing_keys import KeyRing, SigningKeyInfo, new_kid

log = structlog.get_logger(__name__)

RING_FILE = "keyring.json"
LOCK_FILE = ".lock"
KEY_SIZE = 2048


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _ring_to_json(ring: KeyRing) -> dict[str, Any]:
    def moment(value: datetime | None) -> str | None:
        return value.isoformat() if value is not None else None

    return {
        "active_kid": ring.active_kid,
        "keys": [
            {
                "kid": k.kid,
                "created_at": moment(k.created_at),
                "retired_at": moment(k.retired_at),
                "verify_until": moment(k.verify_until),
            }
            for k in ring.keys
        ],
    }


def _ring_from_json(data: dict[str, Any]) -> KeyRing:
    def moment(value: str | None) -> datetime | None:
        return datetime.fromisoformat(value) if value else None

    keys = tuple(
        SigningKeyInfo(
            kid=k["kid"],
            created_at=datetime.fromisoformat(k["created_at"]),
            retired_at=moment(k.get("retired_at")),
            verify_until=moment(k.get("verify_until")),
        )
        for k in data["keys"]
    )
    return KeyRing(active_kid=data["active_kid"], keys=keys)


def _public_jwk(kid: str, key: rsa.RSAPrivateKey) -> dict[str, Any]:
    jwk: dict[str, Any] = RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
    return {**jwk, "kid": kid, "use": "sig", "alg": "RS256"}


@dataclass(frozen=True)
class _Loaded:
    """One consistent view of the directory, swapped in whole (readers never see half a rotation)."""

    ring: KeyRing
    private_keys: dict[str, rsa.RSAPrivateKey]
    jwks: dict[str, dict[str, Any]]  # kid -> public JWK
    verifiers: dict[str, PyJWK]
    stamp: tuple[int, int]  # (inode, mtime_ns) of keyring.json when read


class SigningKeyStore:
    """The keys auth signs with, also the KeySet its own token verifier uses."""

    def __init__(self, directory: Path, *, clock: Callable[[], datetime] = _utcnow) -> None:
        self.directory = directory
        self.clock = clock
        self._loaded: _Loaded | None = None

    # --- reading -------------------------------------------------------------------------------------

    def open(self) -> None:
        """Load the keys, generating the first one when the directory has none."""
        if (self.directory / RING_FILE).exists():
            # In Kubernetes the ring is a read-only Secret mount, rotated by updating the Secret:
            # nothing to create, so no lock file to write either.
            self._loaded = self._read()
            return
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        with self._locked():
            if not (self.directory / RING_FILE).exists():
                now = self.clock()
                kid = new_kid(now)
                self._write_private_key(kid, rsa.generate_private_key(public_exponent=65537, key_size=KEY_SIZE))
                self._write_ring(KeyRing.first(kid, now))
                log.info("signing_key_generated", kid=kid)
            self._loaded = self._read()

    def _current(self) -> _Loaded:
        loaded = self._loaded
        if loaded is None:
            raise RuntimeError("SigningKeyStore.open() was not called")
        try:
            stat = (self.directory / RING_FILE).stat()
        except FileNotFoundError:
            return loaded  # an operator is mid-restore; keep serving what we have
        if (stat.st_ino, stat.st_mtime_ns) != loaded.stamp:
            try:
                loaded = self._loaded = self._read()
            except (OSError, ValueError):
                # Read between another replica's writes (a PEM of the ring we saw just pruned): the
                # next call reads the finished state.
                log.warning("signing_keys_reload_failed", exc_info=True)
        return loaded

    def _read(self) -> _Loaded:
        path = self.directory / RING_FILE
        stat = path.stat()
        ring = _ring_from_json(json.loads(path.read_text()))
        private_keys: dict[str, rsa.RSAPrivateKey] = {}
        for info in ring.keys:
            key = serialization.load_pem_private_key(self._pem_path(info.kid).read_bytes(), password=None)
            if not isinstance(key, rsa.RSAPrivateKey):
                raise ValueError(f"signing key {info.kid} is not an RSA key")
            private_keys[info.kid] = key
        jwks = {kid: _public_jwk(kid, key) for kid, key in private_keys.items()}
        verifiers = {kid: PyJWK.from_dict(jwk, algorithm="RS256") for kid, jwk in jwks.items()}
        return _Loaded(ring, private_keys, jwks, verifiers, (stat.st_ino, stat.st_mtime_ns))

    def signer(self) -> tuple[str, rsa.RSAPrivateKey]:
        loaded = self._current()
        return loaded.ring.active_kid, loaded.private_keys[loaded.ring.active_kid]

    def jwks(self) -> dict[str, Any]:
        loaded = self._current()
        return {"keys": [loaded.jwks[k.kid] for k in loaded.ring.published(self.clock())]}

    async def key(self, kid: str) -> PyJWK | None:
        """KeySet protocol: a published key only (a key past its verification window verifies nothing)."""
        loaded = self._current()
        if not any(k.kid == kid for k in loaded.ring.published(self.clock())):
            return None
        return loaded.verifiers.get(kid)

    # --- writing -------------------------------------------------------------------------------------

    def rotate(self, *, token_lifetime: timedelta, leeway: timedelta) -> tuple[str, str]:
        """Generate a key and make it the signer; returns (new kid, previous kid). Blocking (RSA key
        generation): call it in a thread."""
        new_key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_SIZE)
        with self._locked():
            current = self._read()  # another replica may have rotated since we last looked
            now = self.clock()
            kid = new_kid(now)
            ring, dropped = current.ring.rotate(kid, now, token_lifetime, leeway).prune(now)
            self._write_private_key(kid, new_key)
            self._write_ring(ring)
            for old in dropped:
                self._pem_path(old).unlink(missing_ok=True)
            self._loaded = self._read()
        log.info("signing_key_rotated", kid=kid, previous_kid=current.ring.active_kid, dropped=list(dropped))
        return kid, current.ring.active_kid

    def _pem_path(self, kid: str) -> Path:
        return self.directory / f"{kid}.pem"

    def _write_private_key(self, kid: str, key: rsa.RSAPrivateKey) -> None:
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        self._write_atomically(self._pem_path(kid), pem)

    def _write_ring(self, ring: KeyRing) -> None:
        self._write_atomically(self.directory / RING_FILE, json.dumps(_ring_to_json(ring), indent=2).encode())

    def _write_atomically(self, path: Path, content: bytes) -> None:
        # mkstemp creates the file 0600 from the start: the private key is never readable by others.
        fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(content)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    @contextmanager
    def _locked(self) -> Iterator[None]:
        # Two replicas starting (or rotating) together must not both create a first key.
        with (self.directory / LOCK_FILE).open("a") as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(f, fcntl.LOCK_UN)
