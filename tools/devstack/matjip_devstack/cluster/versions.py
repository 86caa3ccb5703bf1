"""Every version the simulated cluster builds, in one place. Bump here: the next `./matjip cluster up`
builds the new version beside the old one (binaries are cached per version).

Argo Rollouts is the exception: its pin lives in tools/go-versions.env, shared with tools/canary-gates
(which links the controller's analysis code), so the controller the cluster runs is the code the
offline gates test. The CRDs come from tools/deploy-tools/install.sh, the same manifests the offline
suite validates the chart against (Argo Rollouts' at that same pinned version).
"""

from __future__ import annotations

import re

from matjip_devstack.paths import ROOT

KUBERNETES = "v1.34.4"
# The staging modules k8s.io/kubernetes requires as v0.0.0 are published as v0.<minor>.<patch>.
KUBERNETES_STAGING = "v0.34.4"
ETCD = "v3.6.14"
KWOK = "v0.7.0"

GO_VERSIONS = ROOT / "tools" / "go-versions.env"


def go_version(key: str) -> str:
    """One pin of tools/go-versions.env (KEY=value lines)."""
    match = re.search(rf"^{re.escape(key)}=(\S+)$", GO_VERSIONS.read_text(), re.MULTILINE)
    if match is None:
        raise KeyError(f"{key} not in {GO_VERSIONS}")
    return match.group(1)


ARGO_ROLLOUTS = go_version("ARGO_ROLLOUTS_VERSION")
