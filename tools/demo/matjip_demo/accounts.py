"""The demo people's credentials: generated per checkout into `.data/demo.env`, never committed.

One random key is made at first use; every demo person's password is derived from it and their e-mail
address, so a checkout needs to keep only that key. The file also spells out the two demo accounts and
the local stack's URLs, so a person (or the README's curl steps) can `source .data/demo.env`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import shlex
from dataclasses import dataclass
from pathlib import Path

from matjip_demo.city import City


@dataclass(frozen=True)
class Urls:
    edge: str
    zipkin: str
    prometheus: str


@dataclass(frozen=True)
class DemoCredentials:
    people_key: str

    def password(self, email: str) -> str:
        digest = hmac.new(self.people_key.encode(), email.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode()[:22]


def read_env(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            key, sep, value = line.partition("=")
            if sep and not key.lstrip().startswith("#"):
                parts = shlex.split(value)
                values[key.strip()] = parts[0] if parts else ""
    return values


def demo_credentials(path: Path) -> DemoCredentials:
    """The checkout's key from `path`, made (and the file written, mode 0600) if there is none yet."""
    key = read_env(path).get("DEMO_PEOPLE_KEY")
    if key:
        return DemoCredentials(key)
    credentials = DemoCredentials(secrets.token_urlsafe(24))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.write_text(f"DEMO_PEOPLE_KEY={credentials.people_key}\n", encoding="utf-8")
    return credentials


@dataclass(frozen=True)
class DemoAccount:
    role: str
    email: str
    password: str
    name: str


def demo_accounts(city: City, credentials: DemoCredentials) -> tuple[DemoAccount, DemoAccount]:
    """The customer and the owner `./matjip up` prints."""
    customer, owner = city.customer(city.demo.customer), city.owner(city.demo.owner)
    customer_email, owner_email = city.email(customer.key), city.email(owner.key)
    return (
        DemoAccount("CUSTOMER", customer_email, credentials.password(customer_email), customer.name),
        DemoAccount("OWNER", owner_email, credentials.password(owner_email), owner.name),
    )


def write_demo_env(path: Path, city: City, credentials: DemoCredentials, urls: Urls) -> None:
    """Rewrite `path` with the key, the demo accounts and where the stack answers (its port offset may change)."""
    customer, owner = demo_accounts(city, credentials)
    home = city.customer(city.demo.customer).at
    values = {
        "DEMO_PEOPLE_KEY": credentials.people_key,
        "DEMO_EDGE": urls.edge,
        "DEMO_ZIPKIN": urls.zipkin,
        "DEMO_PROMETHEUS": urls.prometheus,
        "DEMO_CUSTOMER_EMAIL": customer.email,
        "DEMO_CUSTOMER_PASSWORD": customer.password,
        "DEMO_OWNER_EMAIL": owner.email,
        "DEMO_OWNER_PASSWORD": owner.password,
        "DEMO_STORE_NAME": city.store(city.demo.store).name,
        "DEMO_HOME_LAT": str(home.lat),
        "DEMO_HOME_LNG": str(home.lng),
    }
    lines = [
        "# Matjip's demo city: accounts generated for this checkout by ./matjip (never commit this file).",
        "# `source .data/demo.env` gives the README's curl steps what they need.",
        *(f"{key}={shlex.quote(value)}" for key, value in values.items()),
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
