#!/usr/bin/env bash
# Installs the offline toolchain of the deploy test suite into <checkout>/.tools (gitignored):
#   .tools/bin/{helm,kubeconform,actionlint}   built with `go install` (Go's own caches are reused)
#   .tools/bin/canary-gates.test               tools/canary-gates compiled (`go test -c`): the canary
#                                              gates judged by Argo Rollouts' own code
#   .tools/crds/<project>/*.yaml               upstream CRD manifests taken from Go module zips
#   .tools/schemas/...                         strict standalone JSON schemas for kubeconform
# Idempotent: each step writes a stamp with its pinned version and is skipped when the stamp matches,
# so a warm run costs a few stat() calls. Safe to call concurrently (flock).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
TOOLS="${MATJIP_TOOLS_DIR:-$REPO/.tools}"
BIN="$TOOLS/bin"
STAMPS="$TOOLS/stamps"
# A Python with pyyaml and kubernetes-validate (the project venv; the tests pass their own).
PYTHON="${PYTHON:-python3}"
export PATH="/usr/local/go/bin:$PATH"
# The checkout is not a Go module and may not be a git work tree; keep go from probing it.
export GOFLAGS="${GOFLAGS:--buildvcs=false}"
export GO111MODULE=on

# --- pinned versions (bump here; the stamps make the next run rebuild) -------------------------------
# Versions shared with other Go-built tools (Argo Rollouts, the Prometheus engine) live in one file.
# shellcheck source=tools/go-versions.env
source "$REPO/tools/go-versions.env"
HELM="helm.sh/helm/v3/cmd/helm@v3.19.0"
KUBECONFORM="github.com/yannh/kubeconform/cmd/kubeconform@v0.7.0"
ACTIONLINT="github.com/rhysd/actionlint/cmd/actionlint@v1.7.12"
# CRD sources: "<name> <go module>@<version> <dir inside the module zip holding the CRD YAML>".
# The npm @kubernetes-models/* packages ship precompiled validators that accept unknown fields, so
# they cannot back a strict check; the upstream CRD YAML (openAPIV3Schema) can.
CRD_SOURCES=(
  "argo-rollouts github.com/argoproj/argo-rollouts@$ARGO_ROLLOUTS_VERSION manifests/crds"
  "argo-cd github.com/argoproj/argo-cd/v3@v3.1.8 manifests/crds"
  "prometheus-operator github.com/prometheus-operator/prometheus-operator@v0.85.0 example/prometheus-operator-crd"
  "keda github.com/kedacore/keda/v2@v2.20.2 config/crd/bases"
  "external-secrets github.com/external-secrets/external-secrets@v1.3.2 config/crds/bases"
  "kyverno github.com/kyverno/kyverno@v1.18.2 config/crds/kyverno"
)
KUBE_VERSIONS="${MATJIP_KUBE_VERSIONS:-1.33.0}"
SCHEMA_GEN_VERSION=4  # bump when gen_schemas.py changes its output

mkdir -p "$BIN" "$STAMPS" "$TOOLS/crds" "$TOOLS/schemas" "$TOOLS/logs"
exec 9>"$TOOLS/.install.lock"
flock 9

log() { printf '[deploy-tools] %s\n' "$*" >&2; }
stamp_ok() { [[ -f "$STAMPS/$1" && "$(cat "$STAMPS/$1")" == "$2" ]]; }

# --- Go-built binaries, in parallel (each is a separate module graph; two cores still overlap I/O) ---
pids=()
names=()
for spec in "helm $HELM" "kubeconform $KUBECONFORM" "actionlint $ACTIONLINT"; do
  read -r name pkg <<<"$spec"
  if [[ -x "$BIN/$name" ]] && stamp_ok "$name" "$pkg"; then
    continue
  fi
  log "go install $pkg (slow on a cold cache)"
  ( GOBIN="$BIN" go install "$pkg" >"$TOOLS/logs/$name.log" 2>&1 && echo "$pkg" >"$STAMPS/$name" ) &
  pids+=("$!")
  names+=("$name")
done

# --- CRD YAML from Go module zips (go mod download only fetches; nothing is built) ------------------
fetch_crds() {
  local name="$1" modver="$2" subdir="$3" dir
  if stamp_ok "crds-$name" "$modver $subdir" && [[ -d "$TOOLS/crds/$name" ]]; then
    return 0
  fi
  log "go mod download $modver"
  dir="$(cd "$TOOLS" && go mod download -json "$modver" | "$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')"
  rm -rf "$TOOLS/crds/$name"
  mkdir -p "$TOOLS/crds/$name"
  cp "$dir/$subdir"/*.yaml "$TOOLS/crds/$name/"
  chmod -R u+w "$TOOLS/crds/$name"
  echo "$modver $subdir" >"$STAMPS/crds-$name"
}
crd_changed=0
for src in "${CRD_SOURCES[@]}"; do
  read -r name modver subdir <<<"$src"
  { stamp_ok "crds-$name" "$modver $subdir" && [[ -d "$TOOLS/crds/$name" ]]; } || crd_changed=1
  fetch_crds "$name" "$modver" "$subdir"
done

# --- shellcheck (actionlint runs it on every `run:` block) -----------------------------------------
if ! command -v shellcheck >/dev/null 2>&1; then
  log "installing Debian shellcheck"
  if [[ "$(id -u)" -ne 0 ]]; then
    log "shellcheck is missing and this user cannot apt-get install it"
    exit 1
  fi
  # Another apt may be running (the dev stack installs packages too): wait for its lock.
  apt_get() { DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 "$@"; }
  apt_get install -y -qq shellcheck >/dev/null 2>&1 || {
    apt_get update -qq >/dev/null
    apt_get install -y -qq shellcheck >/dev/null
  }
fi

# --- the canary-gates test binary (links argo-rollouts and the Prometheus engine) -----------------
# Rebuilt when its sources or pins change; a warm run compares one hash. Go's build cache makes even
# a rebuild after a small change take seconds; the first build downloads and compiles the modules.
GATES="$REPO/tools/canary-gates"
gates_hash="$(cat "$GATES"/go.mod "$GATES"/go.sum "$GATES"/*.go "$REPO/tools/go-versions.env" | sha256sum | cut -d' ' -f1)"
if [[ ! -x "$BIN/canary-gates.test" ]] || ! stamp_ok canary-gates "$gates_hash"; then
  log "building tools/canary-gates (go test -c; slow on a cold cache)"
  ( cd "$GATES" && go test -c -o "$BIN/canary-gates.test" . >"$TOOLS/logs/canary-gates.log" 2>&1 \
      && echo "$gates_hash" >"$STAMPS/canary-gates" ) &
  pids+=("$!")
  names+=("canary-gates")
fi

failed=0
for i in "${!pids[@]}"; do
  if ! wait "${pids[$i]}"; then
    log "building ${names[$i]} failed; see $TOOLS/logs/${names[$i]}.log"
    tail -20 "$TOOLS/logs/${names[$i]}.log" >&2 || true
    failed=1
  fi
done
[[ "$failed" -eq 0 ]] || exit 1

# --- strict standalone JSON schemas ----------------------------------------------------------------
want="gen=$SCHEMA_GEN_VERSION kube=$KUBE_VERSIONS crds=${CRD_SOURCES[*]}"
if [[ "$crd_changed" -eq 1 ]] || ! stamp_ok schemas "$want" || [[ ! -d "$TOOLS/schemas/crds" ]]; then
  log "generating JSON schemas for Kubernetes $KUBE_VERSIONS and CRDs"
  rm -rf "$TOOLS/schemas"
  "$PYTHON" "$REPO/tools/deploy-tools/gen_schemas.py" \
    --out "$TOOLS/schemas" --crds "$TOOLS/crds" --kube-versions "$KUBE_VERSIONS"
  echo "$want" >"$STAMPS/schemas"
fi

"$BIN/helm" version --short >/dev/null
"$BIN/kubeconform" -v >/dev/null
"$BIN/actionlint" -version >/dev/null
log "ready: $BIN"
