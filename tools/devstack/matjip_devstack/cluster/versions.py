"""Every version the cluster builds, in one place. Bump here: the next `./matjip cluster up` (or the
cluster suite) builds the new version beside the old one (binaries are cached per version).

The CRDs are not pinned here: they come from tools/deploy-tools/install.sh, the same upstream manifests
the offline deploy suite validates the chart against (Argo Rollouts' at tools/go-versions.env's pin).
"""

from __future__ import annotations

KUBERNETES = "v1.34.4"
# The staging modules k8s.io/kubernetes requires as v0.0.0 are published as v0.<minor>.<patch>.
KUBERNETES_STAGING = "v0.34.4"
ETCD = "v3.6.14"
