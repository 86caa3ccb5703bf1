"""Dev-only secrets generated at first start into .data/ (never committed: .data/ is git-ignored)."""

from __future__ import annotations

import secrets as _secrets

from matjip_devstack import config
from matjip_devstack.paths import ADMIN_ENV, KEY_DIR, SANDBOX_PG_KEY


def admin_env() -> dict[str, str]:
    """The admin account's credentials from .data/admin.env, created with a random password if absent."""
    values: dict[str, str] = {}
    if ADMIN_ENV.exists():
        for line in ADMIN_ENV.read_text().splitlines():
            key, sep, value = line.partition("=")
            if sep and not key.startswith("#"):
                values[key.strip()] = value.strip()
    if not values.get("MATJIP_ADMIN_PASSWORD"):
        values = {"MATJIP_ADMIN_EMAIL": config.ADMIN_EMAIL,
                  "MATJIP_ADMIN_PASSWORD": _secrets.token_urlsafe(18)}
        ADMIN_ENV.parent.mkdir(parents=True, exist_ok=True)
        ADMIN_ENV.touch(mode=0o600)
        ADMIN_ENV.write_text("".join(f"{k}={v}\n" for k, v in values.items()))
    return values


def auth_env() -> dict[str, str]:
    """What only the auth service needs: its key directory and the admin account to create."""
    KEY_DIR.mkdir(parents=True, exist_ok=True, mode=0o700)
    return {"MATJIP_AUTH_KEY_DIR": str(KEY_DIR), **admin_env()}


def new_sandbox_pg_key() -> str:
    """A merchant secret key for the sandbox PG, in the shape of Toss's test keys."""
    return f"test_sk_{_secrets.token_urlsafe(24)}"


def sandbox_pg_key() -> str:
    """The key payment and the sandbox PG share in the local stack, made at first start into
    .data/sandbox-pg.key: kept across starts, so a process restarted alone still agrees with the other."""
    if SANDBOX_PG_KEY.exists() and (key := SANDBOX_PG_KEY.read_text().strip()):
        return key
    key = new_sandbox_pg_key()
    SANDBOX_PG_KEY.parent.mkdir(parents=True, exist_ok=True)
    SANDBOX_PG_KEY.touch(mode=0o600)
    SANDBOX_PG_KEY.write_text(key + "\n")
    return key
