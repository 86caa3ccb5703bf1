"""CI/CD workflows: actionlint (with shellcheck) plus the supply-chain rules actionlint does not know."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

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
    assert {p.name for p in WORKFLOWS} >= {"ci.yml", "release.yml", "promote.yml", "promote-ref.yml"}


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


def test_release_pushes_with_oidc_signs_and_pins_each_service_on_its_own() -> None:
    release = yaml.safe_load((dc.REPO / ".github" / "workflows" / "release.yml").read_text())
    plan = release["jobs"]["plan"]
    checkout = next(s for s in plan["steps"] if s.get("uses", "").startswith("actions/checkout@"))
    assert checkout["with"]["fetch-depth"] == 0, "the plan diffs against the pinned commits: full history"
    assert any("image-pins.sh plan dev HEAD" in s.get("run", "") for s in plan["steps"])
    job = release["jobs"]["release"]
    assert job["strategy"]["fail-fast"] is False
    assert job["permissions"]["id-token"] == "write"
    steps = job["steps"]
    uses = [s.get("uses", "") for s in steps]
    assert any(u.startswith("aws-actions/configure-aws-credentials@") for u in uses)
    assert any("cosign sign --yes" in s.get("run", "") for s in steps)
    pin = next(s for s in steps if "image-pins.sh set dev" in s.get("run", ""))
    assert pin["env"]["DIGEST"] == "${{ steps.build.outputs.digest }}", "pins the digest, not a tag"
    _opens_pull_requests_with_an_app_token(steps, branch="gitops/dev-${{ matrix.service }}")


def _opens_pull_requests_with_an_app_token(steps: list[dict[str, Any]], branch: str) -> None:
    app = next(s for s in steps if s.get("uses", "").startswith("actions/create-github-app-token@"))
    pr = next(s for s in steps if s.get("uses", "").startswith("peter-evans/create-pull-request@"))
    assert pr["with"]["token"] == f"${{{{ steps.{app['id']}.outputs.token }}}}", "GITHUB_TOKEN's PRs run no CI"
    assert pr["with"]["branch"] == branch


def test_promotion_pins_digests_and_moves_the_prod_ref() -> None:
    workflows = dc.REPO / ".github" / "workflows"
    promote = yaml.safe_load((workflows / "promote.yml").read_text())
    steps = promote["jobs"]["promote"]["steps"]
    assert any("image-pins.sh promote dev prod" in s.get("run", "") for s in steps)
    _opens_pull_requests_with_an_app_token(steps, branch="gitops/prod-promote")
    ref = yaml.safe_load((workflows / "promote-ref.yml").read_text())
    assert ref[True]["push"] == {"branches": ["main"], "paths": ["deploy/helm/matjip/images/prod/**"]}
    run = " ".join(s.get("run", "") for s in ref["jobs"]["move-prod"]["steps"])
    assert "merge-base --is-ancestor origin/prod" in run and "refs/heads/prod" in run
    prod = yaml.safe_load((dc.REPO / "deploy" / "argocd" / "applicationset-prod.yaml").read_text())
    assert prod["spec"]["template"]["spec"]["source"]["targetRevision"] == "prod"


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
# tests/deploy/test_release_plan.py runs image-pins.sh in a throwaway git repository.
