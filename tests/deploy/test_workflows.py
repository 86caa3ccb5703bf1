"""CI/CD workflows: actionlint (with shellcheck) plus the supply-chain rules actionlint does not know."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import deploy_checks as dc
import pytest
import yaml

WORKFLOWS = sorted((dc.REPO / ".github" / "workflows").glob("*.yml"))


def actionlint(tools: dc.Tools, *paths: Path) -> subprocess.CompletedProcess[str]:
    # actionlint finds shellcheck on PATH; the install script guarantees it is there.
    assert shutil.which("shellcheck"), "shellcheck missing: tools/deploy-tools/install.sh installs it"
    return subprocess.run(
        [str(tools.actionlint), "-color=false", *map(str, paths)], capture_output=True, text=True, check=False
    )


def test_there_are_workflows() -> None:
    assert {p.name for p in WORKFLOWS} >= {"ci.yml", "release.yml", "promote.yml"}


def test_actionlint(tools: dc.Tools) -> None:
    proc = actionlint(tools, *WORKFLOWS)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_pinned_actions_and_no_long_lived_keys(path: Path) -> None:
    assert dc.workflow_violations(path, path.read_text()) == []


def test_pull_requests_run_what_changed_and_main_runs_everything() -> None:
    ci = yaml.safe_load((dc.REPO / ".github" / "workflows" / "ci.yml").read_text())
    triggers = ci[True]  # PyYAML reads the bare key `on` as a boolean
    assert "pull_request" in triggers and triggers["push"]["branches"] == ["main"]
    outputs = ci["jobs"]["changes"]["outputs"]
    assert all("github.event_name == 'push'" in v for v in outputs.values())
    steps = ci["jobs"]["test"]["steps"]
    assert any(s.get("run") == "./matjip test" for s in steps)


def test_release_pushes_with_oidc_signs_and_bumps() -> None:
    text = (dc.REPO / ".github" / "workflows" / "release.yml").read_text()
    release = yaml.safe_load(text)
    build = release["jobs"]["build"]
    assert build["permissions"]["id-token"] == "write"
    uses = [s.get("uses", "") for s in build["steps"]]
    assert any(u.startswith("aws-actions/configure-aws-credentials@") for u in uses)
    assert any(u.startswith("sigstore/cosign-installer@") for u in uses)
    assert any("cosign sign --yes" in s.get("run", "") for s in build["steps"])
    bump = release["jobs"]["bump-dev"]
    assert any("image-tags.sh set dev" in s.get("run", "") for s in bump["steps"])
    assert any(s.get("uses", "").startswith("peter-evans/create-pull-request@") for s in bump["steps"])


# --- the checkers reject what they must ---------------------------------------------------------------


def test_actionlint_rejects_a_broken_workflow(tools: dc.Tools, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n"
        "      - run: echo ${{ github.event.nonexistent_context_fn() }}\n"
        "      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2\n"
        "        with:\n          fetch-depht: 0\n"
    )
    assert actionlint(tools, bad).returncode != 0


def test_actionlint_runs_shellcheck(tools: dc.Tools, tmp_path: Path) -> None:
    bad = tmp_path / "sc.yml"
    bad.write_text("on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo $UNQUOTED_VAR\n")
    proc = actionlint(tools, bad)
    assert proc.returncode != 0 and "shellcheck" in proc.stdout


@pytest.mark.parametrize(
    "line",
    [
        "      - uses: actions/checkout@v4",
        "      - uses: actions/checkout@main",
        "      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683",
    ],
)
def test_unpinned_or_unlabelled_actions_are_rejected(line: str) -> None:
    assert dc.workflow_violations(Path("x.yml"), f"jobs:\n  a:\n    steps:\n{line}\n")


def test_long_lived_aws_keys_are_rejected() -> None:
    text = "steps:\n  - with:\n      aws-access-key-id: ${{ secrets.KEY }}\n"
    assert any("OIDC" in p for p in dc.workflow_violations(Path("x.yml"), text))


# --- the GitOps image pins ------------------------------------------------------------------------------


def test_image_tag_script(tmp_path: Path) -> None:
    for environment in ("dev", "prod"):
        shutil.copy(dc.HELM_DIR / "matjip" / f"images-{environment}.yaml", tmp_path)
    script = dc.REPO / "tools" / "deploy-tools" / "image-tags.sh"
    env = {"MATJIP_IMAGES_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    subprocess.run(["bash", str(script), "set", "dev", "sha-abc123", "order", "payment"], env=env, check=True)
    dev = yaml.safe_load((tmp_path / "images-dev.yaml").read_text())
    assert dev["order"]["image"]["tag"] == "sha-abc123" and dev["payment"]["image"]["tag"] == "sha-abc123"
    assert dev["auth"]["image"]["tag"] != "sha-abc123"
    subprocess.run(["bash", str(script), "promote", "dev", "prod", "order"], env=env, check=True)
    prod = yaml.safe_load((tmp_path / "images-prod.yaml").read_text())
    assert prod["order"]["image"]["tag"] == "sha-abc123" and prod["payment"]["image"]["tag"] != "sha-abc123"
    bad = subprocess.run(["bash", str(script), "set", "dev", "x;rm -rf /", "order"], env=env, check=False)
    assert bad.returncode != 0
    assert set(yaml.safe_load((tmp_path / "images-dev.yaml").read_text())) == set(dc.SERVICES)
    assert re.search(r"^order: \{image: \{tag: sha-abc123\}\}$", (tmp_path / "images-dev.yaml").read_text(), re.M)
