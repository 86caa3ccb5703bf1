"""The service image: checked as text (no container builds here)."""

from __future__ import annotations

from pathlib import Path

import deploy_checks as dc
import pytest

DOCKERFILE = dc.REPO / "deploy" / "docker" / "Dockerfile"


def test_dockerfile_policies() -> None:
    assert dc.dockerfile_violations(DOCKERFILE.read_text()) == []


def test_dockerfile_builds_each_service_from_the_lock() -> None:
    text = DOCKERFILE.read_text()
    assert "ARG SERVICE" in text
    assert 'uv sync --no-dev --package "matjip-${SERVICE}"' in text
    assert "UV_FROZEN=1" in text  # the lock is the truth; a stale lock fails the build
    assert 'exec python -m \\"matjip_${MATJIP_SERVICE_NAME}\\"' in text and 'CMD ["serve"]' in text


def test_build_context_excludes_local_state() -> None:
    ignore = (DOCKERFILE.parent / "Dockerfile.dockerignore").read_text().splitlines()
    assert ignore[ignore.index("**")] == "**"  # deny by default, then allow what the build needs
    assert "!services/" in ignore and "**/tests/" in ignore
    for pattern in ("**/.env", "**/*.pem", "**/*.key"):
        assert pattern in ignore


@pytest.mark.parametrize(
    ("mutation", "expected"),
    [
        (("python:3.11.13-slim-bookworm", "python:3.11-slim"), "not pinned"),
        (("python:3.11.13-slim-bookworm", "python:latest"), "not pinned"),
        (("USER 10001:10001", "USER root"), "root"),
        (("USER 10001:10001\n", ""), "no USER"),
        (("/health/live", "/"), "HEALTHCHECK"),
        (('RUN pip install --no-cache-dir "uv==${UV_VERSION}"', 'RUN pip install "uv==${UV_VERSION}"'), "no-cache-dir"),
        (("RUN groupadd", "RUN apt-get update && apt-get install -y curl && groupadd"), "apt"),
        (("ENV UV_COMPILE_BYTECODE=1", "ENV ADMIN_PASSWORD=hunter22 UV_COMPILE_BYTECODE=1"), "secret"),
        (("COPY libs/ /app/libs/", "COPY deploy/keys/signing.pem /app/\nCOPY libs/ /app/libs/"), "secret"),
    ],
)
def test_dockerfile_checker_rejects(mutation: tuple[str, str], expected: str) -> None:
    old, new = mutation
    text = DOCKERFILE.read_text()
    assert old in text
    problems = dc.dockerfile_violations(text.replace(old, new, 1))
    assert any(expected in p for p in problems), problems


def test_uv_cache_in_the_image_is_rejected(tmp_path: Path) -> None:
    text = "FROM python:3.11.13-slim\nRUN uv sync\nUSER 10001\nHEALTHCHECK CMD curl -f localhost/health/live\n"
    assert any("uv" in p for p in dc.dockerfile_violations(text))
