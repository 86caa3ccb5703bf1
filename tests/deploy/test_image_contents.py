"""What a service image holds, read the way the build reads it (no container builds here): the Dockerfile's
final stage, its build-context rules and uv.lock. The sandbox payment gateway is none of it: it lives in
tools/sandbox-pg, which no image's context, install or copy reaches, and no service package imports it.
(The chart side - every cluster pays through Toss - is test_chart.py; the service refusing the sandbox
outside local and dev is services/payment/tests/test_payment_settings.py.)"""

from __future__ import annotations

import ast
import re
import tomllib
from collections.abc import Iterable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

import deploy_checks as dc
import pytest

from matjip_contracts import services as registry

DOCKERFILE = dc.REPO / "deploy" / "docker" / "Dockerfile"
DOCKERIGNORE = DOCKERFILE.parent / "Dockerfile.dockerignore"
SANDBOX_DIR = dc.REPO / "tools" / "sandbox-pg"
SANDBOX_PACKAGE = "matjip-sandbox-pg"
SANDBOX_MODULE = registry.SANDBOX_PG.module


# --- the build context (Dockerfile.dockerignore, as BuildKit reads it) -------------------------------


def _pattern(rule: str) -> re.Pattern[str]:
    """A .dockerignore pattern as a regex over slash-separated paths (`**` spans directories)."""
    out, i = "", 0
    while i < len(rule):
        if rule.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif rule.startswith("**", i):
            out, i = out + ".*", i + 2
        elif rule[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif rule[i] == "?":
            out, i = out + "[^/]", i + 1
        else:
            out, i = out + re.escape(rule[i]), i + 1
    return re.compile(out + r"\Z")


@cache
def _rules() -> tuple[tuple[bool, re.Pattern[str]], ...]:
    rules = []
    for line in DOCKERIGNORE.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        negated = line.startswith("!")
        rules.append((negated, _pattern(line.lstrip("!").strip("/"))))
    return tuple(rules)


def in_context(path: str) -> bool:
    """Whether the build context holds `path`: the last rule matching it or a folder above it decides."""
    parts = path.split("/")
    included = True
    for negated, pattern in _rules():
        if any(pattern.match("/".join(parts[:n])) for n in range(1, len(parts) + 1)):
            included = negated
    return included


# --- what the final stage copies -------------------------------------------------------------------


def final_stage_copies() -> list[str]:
    instructions = dc.parse_dockerfile(DOCKERFILE.read_text())
    last_from = max(i for i, ins in enumerate(instructions) if ins.keyword == "FROM")
    return [ins.args for ins in instructions[last_from:] if ins.keyword == "COPY"]


def image_files(service: str) -> list[Path]:
    """The files of the checkout the final stage of `service`'s image holds (besides the virtualenv):
    libs/ and services/<service>/ as the context admits them."""
    roots = [dc.REPO / "libs", dc.REPO / "services" / service]
    files = [p for root in roots for p in root.rglob("*") if p.is_file()]
    return [p for p in files if in_context(p.relative_to(dc.REPO).as_posix())]


# --- what uv installs into the image's virtualenv ---------------------------------------------------


@cache
def _lock() -> dict[str, list[dict[str, Any]]]:
    packages: dict[str, list[dict[str, Any]]] = {}
    for package in tomllib.loads((dc.REPO / "uv.lock").read_text())["package"]:
        packages.setdefault(package["name"], []).append(package)
    return packages


def installed_by(project: str) -> set[str]:
    """Every package `uv sync --no-dev --package <project>` installs, from the lock: the project's
    dependencies, their dependencies (with the extras asked for), and so on."""
    visited: set[tuple[str, tuple[str, ...]]] = set()
    todo: list[tuple[str, tuple[str, ...]]] = [(project, ())]
    while todo:
        name, extras = todo.pop()
        for package in _lock().get(name, []):
            deps = list(package.get("dependencies", []))
            for extra in extras:
                deps += package.get("optional-dependencies", {}).get(extra, [])
            for dep in deps:
                wanted = (dep["name"], tuple(dep.get("extra", ())))
                if wanted not in visited:
                    visited.add(wanted)
                    todo.append(wanted)
    return {name for name, _ in visited}


# --- sandbox code ------------------------------------------------------------------------------------


def _imports(tree: ast.AST) -> Iterator[str]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module


def sandbox_code(files: Iterable[Path], root: Path) -> list[str]:
    """Files that are, or import, a sandbox module (a module or package named *sandbox*, or an import of
    one, or of the sandbox PG's own package)."""
    found: list[str] = []
    for path in files:
        relative = path.relative_to(root).as_posix()
        if any("sandbox" in part for part in relative.split("/")):
            found.append(f"{relative}: a sandbox module")
        if path.suffix == ".py":
            for module in _imports(ast.parse(path.read_text(), str(path))):
                if "sandbox" in module or module.startswith(SANDBOX_MODULE):
                    found.append(f"{relative}: imports {module}")
    return found


# --- the tests ---------------------------------------------------------------------------------------


def test_the_final_stage_copies_the_virtualenv_the_libs_and_its_own_service_only() -> None:
    assert final_stage_copies() == [
        "--from=build /app/.venv /app/.venv",
        "--from=build /app/libs /app/libs",
        "--from=build /app/services/${SERVICE} /app/services/${SERVICE}",
    ]


def test_the_build_context_leaves_the_sandbox_pg_out() -> None:
    sandbox_files = [p.relative_to(dc.REPO).as_posix() for p in SANDBOX_DIR.rglob("*.py")]
    assert sandbox_files  # the sandbox exists, and nothing of its code reaches a build
    assert [f for f in sandbox_files if in_context(f)] == []
    # The reading of the rules is right: the service's code is in, its tests and caches out.
    assert in_context("services/payment/matjip_payment/app.py")
    assert in_context("libs/platform/matjip_platform/service.py")
    assert not in_context("services/payment/tests/conftest.py")
    assert not in_context("services/payment/matjip_payment/__pycache__/app.cpython-311.pyc")
    assert not in_context("tools/devstack/matjip_devstack/cli.py")


@pytest.mark.parametrize("service", dc.SERVICES)
def test_no_image_installs_the_sandbox_pg(service: str) -> None:
    installed = installed_by(f"matjip-{service}")
    assert {"matjip-platform", "matjip-contracts"} <= installed  # the lock is read, not assumed
    assert SANDBOX_PACKAGE not in installed
    assert SANDBOX_PACKAGE in installed_by("matjip")  # the workspace (dev) does install it


@pytest.mark.parametrize("service", dc.SERVICES)
def test_no_image_holds_sandbox_code(service: str) -> None:
    files = image_files(service)
    assert any(p.name == "app.py" for p in files)
    assert sandbox_code(files, dc.REPO) == []


def test_sandbox_code_is_recognised(tmp_path: Path) -> None:
    """The check catches what the payment image held before the sandbox moved out."""
    package = tmp_path / "services" / "payment" / "matjip_payment"
    (package / "sandbox").mkdir(parents=True)
    (package / "sandbox" / "app.py").write_text("def create_sandbox_gateway(): ...\n")
    (package / "components.py").write_text("from matjip_payment.sandbox.app import create_sandbox_gateway\n")
    (package / "devtools.py").write_text(f"import {SANDBOX_MODULE}.pg_api\n")
    (package / "settings.py").write_text('# the sandbox PG is elsewhere\nGATEWAYS = ("sandbox", "toss")\n')
    found = sandbox_code(sorted(package.rglob("*.py")), tmp_path)
    assert found == [
        "services/payment/matjip_payment/components.py: imports matjip_payment.sandbox.app",
        f"services/payment/matjip_payment/devtools.py: imports {SANDBOX_MODULE}.pg_api",
        "services/payment/matjip_payment/sandbox/app.py: a sandbox module",
    ]
