"""The web app in a real browser, against the running platform.

Playwright (web/e2e/*.spec.ts) drives Debian's Chromium, installed by the scripts (Playwright's own browser
download cannot work here), against this session's platform: its nginx edge serves the production build
(web/dist) at `/` and the services at `/api/<service>/`. All specs run in one Playwright run; each spec file
is one test here, failing with the failures of its own browser tests.

Also here: the app's API types (generated from the services' OpenAPI documents) must match the documents
the running services publish, and the edge must serve the app with client-side routes.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from e2e_support import Platform
from matjip_devstack import web

SPECS = sorted(p.name for p in (web.WEB / "e2e").glob("*.spec.ts"))
REPORT = web.WEB / "test-results" / "browser.json"


@pytest.fixture(scope="module")
def app_build() -> Path:
    """The production build and Chromium, before the platform's edge starts (it serves what exists then)."""
    web.ensure_built()
    return web.ensure_chromium()


@pytest.fixture(scope="module")
def browser_run(app_build: Path, platform: Platform) -> Iterator[dict[str, list[str]]]:
    """One Playwright run of every spec; per spec file, the failures (empty when all passed)."""
    npx = shutil.which("npx")
    assert npx is not None, "npx (Node.js) is needed for the browser tests"
    served = httpx.get(platform.edge_url, timeout=10)
    assert '<div id="app">' in served.text, (
        "the platform's edge serves no app: it started before web/dist existed (./matjip test builds it first)"
    )
    REPORT.unlink(missing_ok=True)
    env = os.environ | {"MATJIP_APP_URL": platform.edge_url, "MATJIP_CHROMIUM": str(app_build), "CI": "1"}
    run = subprocess.run(
        [npx, "playwright", "test"], cwd=web.WEB, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True
    )
    print(run.stdout[-20_000:], run.stderr[-5_000:])
    assert REPORT.is_file(), (
        f"no report from Playwright (exit {run.returncode}):\n{run.stdout[-3000:]}{run.stderr[-3000:]}"
    )
    yield failures_by_file(json.loads(REPORT.read_text()))


def failures_by_file(report: dict[str, Any]) -> dict[str, list[str]]:
    """Playwright's JSON report as {spec file: [failure, ...]}, with every file that ran a test present."""
    found: dict[str, list[str]] = {}

    def walk(suite: dict[str, Any], file: str | None) -> None:
        file = suite.get("file") or file
        for spec in suite.get("specs", []):
            failures = found.setdefault(Path(spec.get("file") or file or "?").name, [])
            for test in spec.get("tests", []):
                results = test.get("results", [])
                if not results or results[-1].get("status") not in ("passed",):
                    errors = [r.get("error", {}).get("message", "") for r in results] or ["did not run"]
                    failures.append(f"{spec['title']}: {' | '.join(errors)[:3000]}")
        for child in suite.get("suites", []):
            walk(child, file)

    for suite in report.get("suites", []):
        walk(suite, None)
    for error in report.get("errors", []):
        found.setdefault("(run)", []).append(str(error.get("message", error))[:3000])
    return found


@pytest.mark.parametrize("spec", SPECS)
def test_browser_spec(browser_run: dict[str, list[str]], spec: str) -> None:
    assert spec in browser_run, f"{spec} ran no test; the run's own errors: {browser_run.get('(run)')}"
    assert browser_run[spec] == [], "\n\n".join(browser_run[spec])


def test_the_edge_serves_the_app_and_its_client_side_routes(app_build: Path, platform: Platform) -> None:
    with httpx.Client(base_url=platform.edge_url, timeout=10) as client:
        index = client.get("/")
        deep = client.get("/owner/stores/00000000-0000-0000-0000-000000000000/menu")
        script = index.text.split('src="', 1)[1].split('"', 1)[0] if 'type="module"' in index.text else ""
        asset = client.get(script) if script else None
        api = client.get("/api/store/stores")
    assert index.status_code == 200 and '<div id="app">' in index.text
    assert index.headers["cache-control"] == "no-cache"  # a new build is picked up at once
    assert deep.status_code == 200 and deep.text == index.text  # the app routes, not the edge
    assert asset is not None and asset.status_code == 200 and script.startswith("/assets/")
    assert "immutable" in asset.headers["cache-control"]  # hashed names never change content
    assert api.status_code == 200 and api.headers["content-type"].startswith("application/json")


def test_the_app_types_match_the_openapi_documents_the_services_publish(app_build: Path, platform: Platform) -> None:
    """src/api/schema/*.ts are generated from /api/<service>/openapi.json; a service whose API changed
    without them fails here (regenerate with `npm run gen:api` in web/, then fix what no longer compiles)."""
    node = shutil.which("node")
    assert node is not None
    check = subprocess.run(
        [node, "scripts/gen-api.mjs", "--check", "--edge", platform.edge_url],
        cwd=web.WEB,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stdout + check.stderr
