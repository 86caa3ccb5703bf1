"""Every version the simulated cluster builds or fetches, in one place. Bump here: the next
`./matjip cluster up` builds the new version beside the old one (binaries are cached per version)."""

from __future__ import annotations

from dataclasses import dataclass

KUBERNETES = "v1.34.4"
# The staging modules k8s.io/kubernetes requires as v0.0.0 are published as v0.<minor>.<patch>.
KUBERNETES_STAGING = "v0.34.4"
ETCD = "v3.6.14"
KWOK = "v0.7.0"
ARGO_ROLLOUTS = "v1.8.3"


@dataclass(frozen=True)
class CrdSource:
    """Upstream CustomResourceDefinition YAML inside a Go module zip (fetched, never built)."""

    name: str
    module: str
    version: str
    directory: str


# The Rollouts CRDs come from the controller's own module and version, so schema and controller
# agree. The others match tools/deploy-tools/install.sh, which validates the chart offline against
# the same manifests (tests/cluster/test_versions.py keeps the two in step).
CRD_SOURCES: tuple[CrdSource, ...] = (
    CrdSource("argo-rollouts", "github.com/argoproj/argo-rollouts", ARGO_ROLLOUTS, "manifests/crds"),
    CrdSource("argo-cd", "github.com/argoproj/argo-cd/v3", "v3.1.8", "manifests/crds"),
    CrdSource("prometheus-operator", "github.com/prometheus-operator/prometheus-operator", "v0.85.0",
              "example/prometheus-operator-crd"),
    CrdSource("keda", "github.com/kedacore/keda/v2", "v2.20.2", "config/crd/bases"),
    CrdSource("external-secrets", "github.com/external-secrets/external-secrets", "v1.3.2", "config/crds/bases"),
)

# The Argo Rollouts controller's RBAC, from the same module (applied, then bound to its identity).
ARGO_ROLLOUTS_RBAC = ("manifests/role/argo-rollouts-clusterrole.yaml",)
