"""Every version the cluster builds, in one place. Bump here: the next `./matjip cluster up` (or the
cluster suite) builds the new version beside the old one (binaries are cached per version).

Argo Rollouts is the exception: its version is tools/go-versions.env's ARGO_ROLLOUTS_VERSION, the one pin
the offline deploy suite (its CRDs, tools/canary-gates) and this cluster's controller share, so the
controller always runs against the CRDs of its own release.
The CRDs are not pinned here: they come from tools/deploy-tools/install.sh, the same upstream manifests
the offline deploy suite validates the chart against.
"""

from __future__ import annotations

from matjip_devstack.paths import ROOT


def _go_versions_env(key: str) -> str:
    for line in (ROOT / "tools" / "go-versions.env").read_text().splitlines():
        name, sep, value = line.partition("=")
        if sep and name.strip() == key:
            return value.strip()
    raise KeyError(f"{key} is not in tools/go-versions.env")


KUBERNETES = "v1.34.4"
# The staging modules k8s.io/kubernetes requires as v0.0.0 are published as v0.<minor>.<patch>.
KUBERNETES_STAGING = "v0.34.4"
ETCD = "v3.6.14"
KWOK = "v0.7.0"
ARGO_ROLLOUTS = _go_versions_env("ARGO_ROLLOUTS_VERSION")
