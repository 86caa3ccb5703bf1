"""The web app's image (deploy/docker/web.Dockerfile): checked as text (no container builds here), and its
nginx configuration run for real on Debian's nginx against the app's production build."""

from __future__ import annotations

import gzip
import os
import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import deploy_checks as dc
import httpx
import pytest
import yaml

from matjip_devstack import web
from matjip_devstack.edge import nginx_binary
from matjip_devstack.stack import free_ports

DOCKERFILE = dc.REPO / "deploy" / "docker" / "web.Dockerfile"
NGINX_CONF = dc.REPO / "deploy" / "docker" / "web-nginx.conf"


def test_web_dockerfile_policies() -> None:
    assert dc.dockerfile_violations(DOCKERFILE.read_text()) == []


def test_web_image_builds_from_the_lock_and_ships_only_the_build() -> None:
    text = DOCKERFILE.read_text()
    lock_copied = text.index("COPY web/package.json web/package-lock.json ./")
    assert lock_copied < text.index("npm ci --no-audit") < text.index("COPY web/ ./") < text.index("npm run build")
    runtime = text[text.index("AS runtime") :]
    assert "COPY --from=build /web/dist /usr/share/nginx/html" in runtime
    assert "node_modules" not in runtime and "npm" not in runtime
    ignore = (DOCKERFILE.parent / "web.Dockerfile.dockerignore").read_text().splitlines()
    assert ignore[ignore.index("**")] == "**"  # deny by default
    assert {"!web/", "web/node_modules/", "web/dist/", "**/.env"} <= set(ignore)


def _free_port() -> int:
    # Below the kernel's range for outgoing connections, where a port picked by bind(0) could be taken
    # (by a source port, or another test's listener) before nginx binds it.
    return free_ports(["web-image"])["web-image"]


@pytest.fixture(scope="module")
def image_nginx(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The image's nginx.conf with only its places moved: the build, the port and /tmp."""
    web.ensure_built()
    work = tmp_path_factory.mktemp("web-image")
    port = _free_port()
    conf = (
        NGINX_CONF.read_text()
        .replace("/tmp/", f"{work}/")  # first: the checkout itself may live under /tmp (a CI clone)
        .replace("listen 8080;", f"listen 127.0.0.1:{port};")
        .replace("root /usr/share/nginx/html;", f"root {web.DIST};")
    )
    (work / "nginx.conf").write_text(("user root;\n" if os.geteuid() == 0 else "") + conf)
    process = subprocess.Popen(
        [
            nginx_binary(),
            "-e",
            str(work / "error.log"),
            "-p",
            str(work),
            "-c",
            str(work / "nginx.conf"),
            "-g",
            "daemon off;",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(f"{url}/health/live", timeout=1)
                assert process.poll() is None, "something else answers on the port picked for the image's nginx"
                break
            except httpx.HTTPError:
                assert process.poll() is None, (work / "error.log").read_text() if (work / "error.log").exists() else ""
                assert time.monotonic() < deadline, "the image's nginx did not start"
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(10)


def test_the_images_nginx_serves_the_app_its_routes_and_cached_assets(image_nginx: str) -> None:
    with httpx.Client(base_url=image_nginx, timeout=5) as client:
        index = client.get("/")
        route = client.get("/orders/7b1c0d6e-0000-4000-8000-000000000000")
        script = index.text.split('<script type="module" crossorigin src="', 1)[1].split('"', 1)[0]
        asset = client.get(script)
        missing_asset = client.get("/assets/nope.js")
        live = client.get("/health/live")
    assert index.status_code == 200 and '<div id="app">' in index.text
    assert index.headers["cache-control"] == "no-cache"
    assert route.status_code == 200 and route.text == index.text
    assert asset.status_code == 200 and "immutable" in asset.headers["cache-control"]
    assert asset.headers["content-type"].startswith(("application/javascript", "text/javascript"))
    assert missing_asset.status_code == 404  # a stale asset is not answered with index.html
    assert live.json() == {"status": "ok"}
    assert index.headers["x-content-type-options"] == "nosniff"


def test_the_build_stays_within_its_javascript_budget() -> None:
    """The production JavaScript, gzipped, is at most 200 KiB (measured here, not taken from the build's report)."""
    web.ensure_built()
    files = sorted(Path(web.DIST).rglob("*.js"))
    assert files, "no JavaScript in the build"
    total = sum(len(gzip.compress(f.read_bytes(), compresslevel=9)) for f in files)
    assert total <= 200 * 1024, f"{total / 1024:.1f} KiB gzipped"


# --- the chart ships it -----------------------------------------------------------------------------------


@pytest.mark.parametrize("environment", dc.ENVIRONMENTS)
def test_the_chart_serves_the_app_at_the_root_of_the_apis_host(environment: str) -> None:
    docs = dc.rendered(environment)
    deployment = dc.find(docs, "Deployment", "web")
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert container["image"].split("@")[0].split(":")[0].endswith("/matjip-web")
    assert container["ports"][0]["containerPort"] == 8080  # web-nginx.conf's listen
    assert "command" not in container  # the image's own nginx
    ingress = dc.find(docs, "Ingress", "web")
    (rule,) = ingress["spec"]["rules"]
    assert [(p["path"], p["pathType"], p["backend"]["service"]["name"]) for p in rule["http"]["paths"]] == [
        ("/", "Prefix", "web")
    ]
    # The app calls /api/<service> on its own origin: the same host as every service's ingress.
    for other in dc.by_kind(docs, "Ingress"):
        assert [r["host"] for r in other["spec"]["rules"]] == [rule["host"]], other["metadata"]["name"]
        assert other["spec"]["ingressClassName"] == ingress["spec"]["ingressClassName"]
    policy = dc.find(docs, "NetworkPolicy", "web")
    assert policy["spec"]["policyTypes"] == ["Ingress", "Egress"] and policy["spec"]["egress"] == []
    assert [p["port"] for r in policy["spec"]["ingress"] for p in r["ports"]] == [8080]


def test_on_the_alb_the_root_rule_comes_after_every_api_rule() -> None:
    docs = dc.rendered("prod")
    web = dc.find(docs, "Ingress", "web")["metadata"]["annotations"]
    assert web["alb.ingress.kubernetes.io/group.order"] == "1000"
    for ingress in dc.by_kind(docs, "Ingress"):
        annotations = ingress["metadata"]["annotations"]
        assert annotations["alb.ingress.kubernetes.io/group.name"] == web["alb.ingress.kubernetes.io/group.name"]
        if ingress["metadata"]["name"] != "web":
            assert int(annotations.get("alb.ingress.kubernetes.io/group.order", "0")) < 1000


@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_argo_cd_syncs_the_app_as_its_own_application(environment: str) -> None:
    proc = dc.helm_template(environment, set_values=["global.only=web"])
    assert proc.returncode == 0, proc.stderr
    alone = {(d["kind"], d["metadata"]["name"]) for d in dc.parse_manifests(proc.stdout)}
    assert alone == {
        ("Deployment", "web"),
        ("Service", "web"),
        ("Ingress", "web"),
        ("PodDisruptionBudget", "web"),
        ("NetworkPolicy", "web"),
    }
    other = dc.parse_manifests(dc.helm_template(environment, set_values=["global.only=order"]).stdout)
    assert not [d for d in other if d["metadata"]["name"] == "web"]
    pin = yaml.safe_load((dc.HELM_DIR / "matjip" / "images" / environment / "web.yaml").read_text())
    assert set(pin) == {"web"}


def test_the_pods_grace_covers_nginx_graceful_stop() -> None:
    """The chart's drainSeconds is the image's worker_shutdown_timeout (dc.draining_violations does the sum)."""
    values = yaml.safe_load((dc.HELM_DIR / "matjip" / "values.yaml").read_text())
    timeout = re.search(r"^worker_shutdown_timeout (\d+)s;$", NGINX_CONF.read_text(), re.MULTILINE)
    assert timeout is not None and int(timeout[1]) == values["web"]["drainSeconds"]
    annotations = dc.find(dc.rendered("prod"), "Deployment", "web")["spec"]["template"]["metadata"]["annotations"]
    assert annotations["matjip.io/drain-seconds"] == str(values["web"]["drainSeconds"])
