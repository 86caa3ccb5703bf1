"""People using Matjip over HTTP through the edge, each from a phone of their own.

Each `Person` has its own connection pool bound to its own loopback address (127.77.x.y), so the
platform sees a city of clients, as it would in production, and its per-client rate limits apply per
person rather than to the whole simulation at once. Tokens are refreshed before they expire; a 429 is
waited out as a polite app would (it never counts as a success).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

TIMEOUT = httpx.Timeout(30.0, connect=10.0)
# Below the edge's keep-alive timeout (uvicorn's 5 s), so an idle connection is never reused as it closes.
LIMITS = httpx.Limits(max_keepalive_connections=4, keepalive_expiry=2.0)
REFRESH_MARGIN_SECONDS = 60.0
MAX_RATE_LIMIT_WAITS = 3
Params = httpx.QueryParams | Mapping[str, Any] | list[tuple[str, Any]]  # a list repeats names: ?status=A&status=B


class ApiError(Exception):
    """An answer the caller did not expect: the status, the problem's `code` and the request that got it."""

    def __init__(self, response: httpx.Response) -> None:
        self.status = response.status_code
        body: Any = None
        if response.headers.get("content-type", "").startswith(("application/problem+json", "application/json")):
            try:
                body = response.json()
            except ValueError:
                body = None
        self.code: str = str(body.get("code", "")) if isinstance(body, dict) else ""
        self.detail: str = str(body.get("detail", "")) if isinstance(body, dict) else response.text[:300]
        request = response.request
        super().__init__(f"{request.method} {request.url.path}: {self.status} {self.code or ''} {self.detail}".strip())


def phone_address(index: int) -> str:
    """A loopback source address of its own for the `index`-th person (127.77.0.1, 127.77.0.2, ...)."""
    if not 0 <= index < 250 * 250:
        raise ValueError(f"no phone address for person {index}")
    return f"127.77.{index // 250}.{index % 250 + 1}"


@dataclass
class Tokens:
    access: str
    refresh: str
    expires_at: float  # monotonic


@dataclass
class Person:
    """One account used from one phone: `await person.sign_in()`, then `get`, `post`, `put`, `patch`."""

    edge_url: str
    email: str
    password: str
    address: str
    user_id: str = ""
    tokens: Tokens | None = None
    rate_limited: int = 0  # 429s waited out; a well-behaved simulation keeps this at 0
    _client: httpx.AsyncClient | None = field(default=None, repr=False)

    @property
    def client(self) -> httpx.AsyncClient:
        if self._client is None:
            transport = httpx.AsyncHTTPTransport(local_address=self.address, retries=1, limits=LIMITS)
            self._client = httpx.AsyncClient(base_url=self.edge_url, transport=transport, timeout=TIMEOUT)
        return self._client

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    # --- accounts ------------------------------------------------------------------------------

    async def sign_up(self, display_name: str, role: str) -> bool:
        """Create the account; False when it already exists (then `sign_in` tells whether it is ours)."""
        body = {"email": self.email, "password": self.password, "display_name": display_name, "role": role}
        response = await self.call("POST", "/api/auth/signup", json=body, ok=(201, 409), auth=False)
        if response.status_code == 201:
            self.user_id = str(response.json()["user_id"])
        return response.status_code == 201

    async def join(self, display_name: str, role: str, *, probably_exists: bool) -> bool:
        """Sign in, signing up first if the account does not exist yet; True if this made the account.

        Both cost auth a password hash, so the likelier case goes first: a city already seeded is
        signed into, a new one signed up for.
        """
        if probably_exists:
            try:
                await self.sign_in()
                return False
            except ApiError as exc:
                if exc.code != "invalid_credentials":
                    raise
        created = await self.sign_up(display_name, role)
        await self.sign_in()
        return created

    async def sign_in(self) -> None:
        credentials = {"email": self.email, "password": self.password}
        response = await self.call("POST", "/api/auth/login", json=credentials, ok=(200,), auth=False)
        self._keep(response.json())
        if not self.user_id:
            me = await self.get("/api/auth/me")
            self.user_id = str(me["user_id"])

    def _keep(self, body: Mapping[str, Any]) -> None:
        self.tokens = Tokens(
            access=str(body["access_token"]),
            refresh=str(body["refresh_token"]),
            expires_at=time.monotonic() + float(body["expires_in"]),
        )

    async def _fresh_token(self) -> str:
        if self.tokens is None:
            await self.sign_in()
        assert self.tokens is not None
        if self.tokens.expires_at - time.monotonic() < REFRESH_MARGIN_SECONDS:
            body = {"refresh_token": self.tokens.refresh}
            response = await self.call("POST", "/api/auth/refresh", json=body, ok=None, auth=False)
            if response.status_code == 200:
                self._keep(response.json())
            else:  # refresh token gone (e.g. auth's Redis was flushed): a person simply logs in again
                await self.sign_in()
        assert self.tokens is not None
        return self.tokens.access

    # --- requests ------------------------------------------------------------------------------

    async def call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Params | None = None,
        headers: Mapping[str, str] | None = None,
        ok: tuple[int, ...] | None = (200, 201),
        auth: bool = True,
    ) -> httpx.Response:
        """The response if its status is in `ok` (any status with `ok=None`); otherwise ApiError."""
        all_headers = dict(headers or {})
        for _ in range(MAX_RATE_LIMIT_WAITS + 1):
            if auth:
                all_headers["Authorization"] = f"Bearer {await self._fresh_token()}"
            response = await self.client.request(
                method, path, json=json, params=httpx.QueryParams(params or {}), headers=all_headers
            )
            if response.status_code != 429:
                break
            self.rate_limited += 1
            await asyncio.sleep(min(float(response.headers.get("retry-after", "1") or 1), 10.0))
        if ok is not None and response.status_code not in ok:
            raise ApiError(response)
        return response

    async def get(self, path: str, *, params: Params | None = None, auth: bool = True) -> Any:
        return (await self.call("GET", path, params=params, auth=auth)).json()

    async def post(self, path: str, json: Any = None, *, headers: Mapping[str, str] | None = None) -> Any:
        response = await self.call("POST", path, json=json, headers=headers)
        return response.json() if response.content else None

    async def put(self, path: str, json: Any = None) -> Any:
        response = await self.call("PUT", path, json=json)
        return response.json() if response.content else None

    async def patch(self, path: str, json: Any = None) -> Any:
        return (await self.call("PATCH", path, json=json)).json()

    async def delete(self, path: str) -> None:
        await self.call("DELETE", path, ok=(200, 204))


async def eventually(what: str, check: Any, *, timeout: float = 60.0, first: float = 0.2, most: float = 2.0) -> Any:
    """Await `check()` until it returns something truthy, backing off from `first` to `most` seconds.

    The platform is eventually consistent (read models follow events), so waiting is part of using it;
    the backoff keeps a slow platform from being flooded by the people waiting on it.
    """
    deadline = time.monotonic() + timeout
    delay = first
    while True:
        result = await check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}")
        await asyncio.sleep(delay)
        delay = min(most, delay * 1.5)
