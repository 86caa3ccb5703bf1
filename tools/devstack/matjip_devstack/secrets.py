"""Dev-only secrets generated at first start into .data/ (never committed: .data/ is git-ignored)."""

from __future__ import annotations

import secrets as _secrets

from matjip_devstack import config
from matjip_devstack.paths import ADMIN_ENV, KEY_DIR


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
