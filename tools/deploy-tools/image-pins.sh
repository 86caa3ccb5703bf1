#!/usr/bin/env bash
# The GitOps image pins: deploy/helm/matjip/images/<env>/<service>.yaml, one file per service (and one for
# the web app, "web") so that each is released (and its pull request merged) on its own, never in
# conflict with another's.
#   image-pins.sh set <env> <service> <tag> <digest>    # release workflow: after pushing and signing
#   image-pins.sh promote <from-env> <to-env> [<service>...]   # promote workflow: dev -> prod, digest and all
#   image-pins.sh commit <env> <service>                 # the commit the pinned image was built from
#   image-pins.sh plan <env> [<rev>]                     # services whose inputs changed since their pinned
#                                                        # commit (all of them while unreleased)
# A file is `<service>: {image: {tag: sha-<commit>, digest: "sha256:<hex>"}}` behind two comment lines.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DIR="${MATJIP_IMAGES_DIR:-$REPO/deploy/helm/matjip/images}"
# What a service's image is built from, besides services/<name>/: a change to any of these rebuilds every
# service.
SHARED=(libs pyproject.toml uv.lock deploy/docker/Dockerfile deploy/docker/Dockerfile.dockerignore)
# What the web app's image is built from (deploy/docker/web.Dockerfile): nothing of the services'.
WEB_INPUTS=(web deploy/docker/web.Dockerfile deploy/docker/web.Dockerfile.dockerignore deploy/docker/web-nginx.conf)

usage() { sed -n '2,8p' "$0" >&2; exit 2; }
die() { echo "image-pins.sh: $*" >&2; exit 2; }

file() { echo "$DIR/$1/$2.yaml"; }

services() {  # every service pinned in an environment, from its files
  local f
  for f in "$DIR/$1"/*.yaml; do basename "$f" .yaml; done
}

pin_line() {  # pin_line <env> <service>
  local f
  f="$(file "$1" "$2")"
  [[ -f "$f" ]] || die "$2 is not pinned in $1 ($f)"
  grep -E "^$2: \{image: \{tag: [^,}]+, digest: \"[^\"]*\"\}\}$" "$f" || die "$f: no pin line"
}

write_pin() {  # write_pin <env> <service> <tag> <digest>
  local f
  f="$(file "$1" "$2")"
  [[ "$3" =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$ ]] || die "invalid tag: $3"
  [[ "$4" =~ ^sha256:[0-9a-f]{64}$ ]] || die "invalid digest (sha256:<64 hex> required): $4"
  pin_line "$1" "$2" >/dev/null
  sed -i -E "s/^$2: \{image: \{tag: [^,}]+, digest: \"[^\"]*\"\}\}$/$2: {image: {tag: $3, digest: \"$4\"}}/" "$f"
}

commit_of() {  # the commit of a sha-<commit> tag; nothing for "unreleased"
  pin_line "$1" "$2" | sed -n -E 's/^.*tag: sha-([0-9a-f]{40}),.*$/\1/p'
}

changed_since() {  # changed_since <service> <commit> <rev>: does the image's input differ?
  if [[ "$1" == web ]]; then
    ! git -C "$REPO" diff --quiet "$2" "$3" -- "${WEB_INPUTS[@]}"
  else
    ! git -C "$REPO" diff --quiet "$2" "$3" -- "services/$1" "${SHARED[@]}"
  fi
}

case "${1:-}" in
  set)
    [[ $# -eq 5 ]] || usage
    write_pin "$2" "$3" "$4" "$5"
    ;;
  promote)
    [[ $# -ge 3 ]] || usage
    from="$2" to="$3"
    shift 3
    targets=("$@")
    [[ ${#targets[@]} -gt 0 ]] || mapfile -t targets < <(services "$from")
    for svc in "${targets[@]}"; do
      line="$(pin_line "$from" "$svc")"
      tag="$(sed -E 's/^.*tag: ([^,}]+),.*$/\1/' <<<"$line")"
      digest="$(sed -E 's/^.*digest: "([^"]*)".*$/\1/' <<<"$line")"
      [[ -n "$digest" ]] || die "$svc has no released image in $from"
      write_pin "$to" "$svc" "$tag" "$digest"
    done
    ;;
  commit)
    [[ $# -eq 3 ]] || usage
    commit_of "$2" "$3"
    ;;
  plan)
    [[ $# -ge 2 ]] || usage
    env="$2" rev="${3:-HEAD}"
    plan=()
    while read -r svc; do
      base="$(commit_of "$env" "$svc")"
      # Unreleased, or released from a commit this clone does not have (a shallow clone, a rewritten
      # history): build it rather than skip a release.
      if [[ -z "$base" ]] || ! git -C "$REPO" cat-file -e "$base^{commit}" 2>/dev/null \
          || changed_since "$svc" "$base" "$rev"; then
        plan+=("$svc")
      fi
    done < <(services "$env")
    echo "${plan[*]}"
    ;;
  *)
    usage
    ;;
esac
