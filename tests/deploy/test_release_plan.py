"""image-pins.sh, the release pipeline's memory: which commit each service's image was built from, which
services to rebuild (their inputs changed since that commit, not only in the last push), digests in the
pins, promotion of digests from dev to prod. Run in a throwaway git repository shaped like this one."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import deploy_checks as dc
import pytest
import yaml

SERVICES = ("auth", "order", "payment")
DIGEST = "sha256:" + "ab" * 32


def git(repo: Path, *args: str) -> str:
    env = {
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@t",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@t",
        "PATH": "/usr/bin:/bin",
    }
    return subprocess.run(["git", "-C", str(repo), *args], env=env, capture_output=True, text=True, check=True).stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "tools" / "deploy-tools").mkdir(parents=True)
    shutil.copy(dc.REPO / "tools" / "deploy-tools" / "image-pins.sh", tmp_path / "tools" / "deploy-tools")
    for env in ("dev", "prod"):
        images = tmp_path / "deploy" / "helm" / "matjip" / "images" / env
        images.mkdir(parents=True)
        for service in SERVICES:
            # The committed placeholder, exactly as in the chart.
            shutil.copy(dc.HELM_DIR / "matjip" / "images" / env / f"{service}.yaml", images)
    for service in SERVICES:
        (tmp_path / "services" / service).mkdir(parents=True)
        (tmp_path / "services" / service / "app.py").write_text("v1\n")
    (tmp_path / "libs").mkdir()
    (tmp_path / "libs" / "platform.py").write_text("v1\n")
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "first")
    return tmp_path


def pins(repo: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(repo / "tools" / "deploy-tools" / "image-pins.sh"), *args],
        capture_output=True,
        text=True,
        check=check,
        env={"PATH": "/usr/bin:/bin"},
    )


def plan(repo: Path) -> set[str]:
    return set(pins(repo, "plan", "dev", "HEAD").stdout.split())


def release(repo: Path, *services: str) -> str:
    """What the release job does for each service: pin sha-<HEAD> with its digest, merge the pull request."""
    head = git(repo, "rev-parse", "HEAD").strip()
    for service in services:
        pins(repo, "set", "dev", service, f"sha-{head}", DIGEST)
    git(repo, "commit", "-q", "-am", f"deploy(dev): {' '.join(services)}")
    return head


def change(repo: Path, path: str) -> None:
    (repo / path).write_text((repo / path).read_text() + "change\n")
    git(repo, "commit", "-q", "-am", f"change {path}")


def test_unreleased_services_are_all_planned(repo: Path) -> None:
    assert plan(repo) == set(SERVICES)


def test_a_service_is_rebuilt_when_its_own_files_changed_since_its_release(repo: Path) -> None:
    release(repo, *SERVICES)
    assert plan(repo) == set()
    change(repo, "services/order/app.py")
    assert plan(repo) == {"order"}


def test_a_skipped_release_is_picked_up_by_the_next_push(repo: Path) -> None:
    release(repo, *SERVICES)
    change(repo, "services/payment/app.py")  # its release failed: the pin stays where it was
    change(repo, "services/order/app.py")  # the next push touches only order
    assert plan(repo) == {"order", "payment"}, "the diff is against each pin, not the push"


def test_each_service_is_bumped_on_its_own(repo: Path) -> None:
    release(repo, *SERVICES)
    change(repo, "services/order/app.py")
    change(repo, "services/payment/app.py")
    release(repo, "order")  # order's pull request merged, payment's not yet
    assert plan(repo) == {"payment"}


def test_a_shared_change_rebuilds_every_service(repo: Path) -> None:
    release(repo, *SERVICES)
    change(repo, "libs/platform.py")
    assert plan(repo) == set(SERVICES)


def test_a_pin_from_a_commit_this_clone_lacks_is_rebuilt(repo: Path) -> None:
    pins(repo, "set", "dev", "auth", "sha-" + "1" * 40, DIGEST)
    release(repo, "order", "payment")
    assert plan(repo) == {"auth"}


def test_pins_carry_a_digest_and_promotion_copies_it(repo: Path) -> None:
    head = release(repo, *SERVICES)
    pinned = yaml.safe_load((repo / "deploy/helm/matjip/images/dev/order.yaml").read_text())
    assert pinned == {"order": {"image": {"tag": f"sha-{head}", "digest": DIGEST}}}
    assert pins(repo, "commit", "dev", "order").stdout.strip() == head
    assert pins(repo, "set", "dev", "order", f"sha-{head}", "latest", check=False).returncode != 0
    assert pins(repo, "set", "dev", "order", "x;rm -rf /", DIGEST, check=False).returncode != 0
    pins(repo, "promote", "dev", "prod", "order")
    prod = yaml.safe_load((repo / "deploy/helm/matjip/images/prod/order.yaml").read_text())
    assert prod == pinned
    assert (
        yaml.safe_load((repo / "deploy/helm/matjip/images/prod/auth.yaml").read_text())["auth"]["image"]["digest"] == ""
    )


def test_promoting_an_unreleased_service_fails(repo: Path) -> None:
    assert pins(repo, "promote", "dev", "prod", check=False).returncode != 0


def test_the_web_app_is_rebuilt_for_its_own_files_only(repo: Path) -> None:
    for env in ("dev", "prod"):
        shutil.copy(dc.HELM_DIR / "matjip" / "images" / env / "web.yaml", repo / "deploy/helm/matjip/images" / env)
    (repo / "web").mkdir()
    (repo / "web" / "index.html").write_text("v1\n")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "the web app")
    assert plan(repo) == {*SERVICES, "web"}
    release(repo, *SERVICES, "web")
    change(repo, "libs/platform.py")
    assert plan(repo) == set(SERVICES), "a change to the services' code does not rebuild the web app"
    release(repo, *SERVICES)
    change(repo, "web/index.html")
    assert plan(repo) == {"web"}
