"""Talking to the API server over its REST API (httpx; no kubectl is built).

Kinds are found through the server's discovery (so every CRD installed is known by its own
definition, not by a table here); writes are server-side applies with strict field validation, as
`kubectl apply --server-side --validate=strict` sends them, and keep the warnings the server returned.
"""

from __future__ import annotations

import json
import ssl
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx
import yaml

Obj = dict[str, Any]
T = TypeVar("T")


class KubeError(RuntimeError):
    def __init__(self, message: str, status: int = 0, body: Obj | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.body = body or {}


@dataclass(frozen=True)
class Resource:
    """One kind as the server serves it (from discovery)."""

    group_version: str
    kind: str
    plural: str
    namespaced: bool
    subresources: frozenset[str]

    def path(self, namespace: str | None = None, name: str | None = None) -> str:
        prefix = "/api/v1" if self.group_version == "v1" else f"/apis/{self.group_version}"
        if self.namespaced and namespace:
            prefix += f"/namespaces/{namespace}"
        return f"{prefix}/{self.plural}" + (f"/{name}" if name else "")


@dataclass(frozen=True)
class Applied:
    obj: Obj
    warnings: tuple[str, ...]


@dataclass
class Kube:
    server: str
    token: str
    ca_cert: Path
    _http: httpx.Client | None = field(default=None, repr=False)
    _resources: dict[tuple[str, str], Resource] = field(default_factory=dict, repr=False)

    @property
    def http(self) -> httpx.Client:
        if self._http is None:
            self._http = httpx.Client(base_url=self.server, verify=tls_context(self.ca_cert), timeout=30.0,
                                      headers={"Authorization": f"Bearer {self.token}"})
        return self._http

    def close(self) -> None:
        if self._http is not None:
            self._http.close()
            self._http = None

    # --- discovery -------------------------------------------------------------------------------
    def refresh_discovery(self) -> None:
        found: dict[tuple[str, str], Resource] = {}
        group_versions = ["v1"]
        for group in self._json("GET", "/apis")["groups"]:
            group_versions += [v["groupVersion"] for v in group["versions"]]
        for gv in group_versions:
            listing = self._json("GET", "/api/v1" if gv == "v1" else f"/apis/{gv}")
            subresources: dict[str, set[str]] = {}
            for res in listing["resources"]:
                plural, _, sub = res["name"].partition("/")
                if sub:
                    subresources.setdefault(plural, set()).add(sub)
            for res in listing["resources"]:
                if "/" not in res["name"]:
                    found[(gv, res["kind"])] = Resource(gv, res["kind"], res["name"], res["namespaced"],
                                                        frozenset(subresources.get(res["name"], ())))
        self._resources = found

    def resource(self, api_version: str, kind: str) -> Resource:
        if (api_version, kind) not in self._resources:
            self.refresh_discovery()
        try:
            return self._resources[(api_version, kind)]
        except KeyError:
            raise KubeError(f"the server does not serve {kind} in {api_version}", 404) from None

    def served(self, api_version: str, kind: str) -> bool:
        try:
            self.resource(api_version, kind)
        except KubeError:
            return False
        return True

    def path_of(self, obj: Obj) -> str:
        res = self.resource(obj["apiVersion"], obj["kind"])
        return res.path(obj["metadata"].get("namespace"), obj["metadata"]["name"])

    # --- requests --------------------------------------------------------------------------------
    def _json(self, method: str, path: str, **kwargs: Any) -> Obj:
        response = self.http.request(method, path, **kwargs)
        self.check(response)
        body: Obj = response.json()
        return body

    @staticmethod
    def check(response: httpx.Response) -> None:
        if response.status_code >= 400:
            try:
                body = response.json()
            except ValueError:
                body = {}
            message = body.get("message") or response.text[:500]
            raise KubeError(f"{response.request.method} {response.request.url.path}: {response.status_code} "
                            f"{message}", response.status_code, body)

    @staticmethod
    def warnings(response: httpx.Response) -> tuple[str, ...]:
        # RFC 7234 warning headers: `299 - "text"`.
        return tuple(w.split(" ", 2)[-1].strip('"') for w in response.headers.get_list("warning"))

    def get(self, api_version: str, kind: str, name: str, namespace: str | None = None) -> Obj | None:
        response = self.http.get(self.resource(api_version, kind).path(namespace, name))
        if response.status_code == 404:
            return None
        self.check(response)
        body: Obj = response.json()
        return body

    def live(self, obj: Obj) -> Obj | None:
        """The server's copy of a rendered object (None: not there)."""
        return self.get(obj["apiVersion"], obj["kind"], obj["metadata"]["name"], obj["metadata"].get("namespace"))

    def list(self, api_version: str, kind: str, namespace: str | None = None, *,
             labels: Mapping[str, str] | None = None) -> list[Obj]:
        params = {"labelSelector": ",".join(f"{k}={v}" for k, v in labels.items())} if labels else {}
        items: list[Obj] = self._json("GET", self.resource(api_version, kind).path(namespace), params=params)["items"]
        return items

    def apply(self, obj: Obj, *, field_manager: str, dry_run: bool = False) -> Applied:
        """Server-side apply with strict field validation: admission, defaulting and schema validation all
        run on the server, and a field the schema does not know is an error instead of being dropped."""
        params = {"fieldManager": field_manager, "force": "true", "fieldValidation": "Strict"}
        if dry_run:
            params["dryRun"] = "All"
        response = self.http.patch(self.path_of(obj), params=params, content=json.dumps(obj),
                                   headers={"Content-Type": "application/apply-patch+yaml"})
        self.check(response)
        return Applied(response.json(), self.warnings(response))

    def create(self, obj: Obj, *, dry_run: bool = False) -> Applied:
        res = self.resource(obj["apiVersion"], obj["kind"])
        params = {"fieldValidation": "Strict", **({"dryRun": "All"} if dry_run else {})}
        response = self.http.post(res.path(obj["metadata"].get("namespace")), params=params, json=obj)
        self.check(response)
        return Applied(response.json(), self.warnings(response))

    def delete(self, obj: Obj, propagation: str = "Background") -> None:
        response = self.http.request("DELETE", self.path_of(obj),
                                     json={"kind": "DeleteOptions", "apiVersion": "v1",
                                           "propagationPolicy": propagation})
        if response.status_code != 404:
            self.check(response)


def tls_context(ca_cert: Path) -> ssl.SSLContext:
    """Trust the cluster's own CA (and nothing else) for the API server's certificate."""
    return ssl.create_default_context(cafile=str(ca_cert))


def wait_for(check: Callable[[], T | None], timeout: float, what: str, interval: float = 0.3) -> T:
    """Poll `check` until it returns something truthy; its last exception is part of the timeout."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while True:
        try:
            value = check()
            if value:
                return value
        except (KubeError, httpx.HTTPError) as exc:
            last_error = exc
        if time.monotonic() > deadline:
            detail = f" (last error: {last_error})" if last_error else ""
            raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}{detail}")
        time.sleep(interval)


def difference(sent: object, stored: object, path: str = "") -> str | None:
    """Where `stored` does not hold `sent` unchanged (None: it does). The server may add fields (defaults),
    never drop or alter what was sent; an empty value ("", [], {}, null) it omits is the same as unset."""
    if isinstance(sent, dict) and isinstance(stored, dict):
        for key, value in sent.items():
            if key not in stored:
                if value in ("", [], {}, None):
                    continue
                return f"{path}.{key}: dropped"
            found = difference(value, stored[key], f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(sent, list) and isinstance(stored, list):
        if len(sent) != len(stored):
            return f"{path}: {len(sent)} items sent, {len(stored)} stored"
        for index, (a, b) in enumerate(zip(sent, stored, strict=True)):
            found = difference(a, b, f"{path}[{index}]")
            if found:
                return found
        return None
    return None if sent == stored else f"{path}: sent {sent!r}, stored {stored!r}"


def kubeconfig_text(server: str, ca_cert: Path, user: str, token: str) -> str:
    return yaml.safe_dump({
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "matjip", "cluster": {"server": server, "certificate-authority": str(ca_cert)}}],
        "users": [{"name": user, "user": {"token": token}}],
        "contexts": [{"name": "matjip", "context": {"cluster": "matjip", "user": user}}],
        "current-context": "matjip",
    }, sort_keys=False)
