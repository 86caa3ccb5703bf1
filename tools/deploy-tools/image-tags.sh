#!/usr/bin/env bash
# Edit the GitOps image pins (deploy/helm/matjip/images-<env>.yaml), one line per service:
#   image-tags.sh set <env> <tag> <service>...   # the release workflow, after pushing and signing
#   image-tags.sh promote <from-env> <to-env> [<service>...]   # copy tags, e.g. dev -> prod
# Line-based on purpose: the files are `<service>: {image: {tag: <tag>}}`, so the diff of a bump PR is
# exactly the changed lines and the script needs nothing but bash and sed.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DIR="${MATJIP_IMAGES_DIR:-$REPO/deploy/helm/matjip}"
ALL=(auth user store order payment notification ai)

file() { echo "$DIR/images-$1.yaml"; }

tag_of() {  # tag_of <env> <service>
  sed -n -E "s/^$2: \{image: \{tag: ([^}]+)\}\}$/\1/p" "$(file "$1")"
}

set_tag() {  # set_tag <env> <service> <tag>
  local f
  f="$(file "$1")"
  [[ "$3" =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$ ]] || { echo "invalid tag: $3" >&2; exit 2; }
  grep -q -E "^$2: \{image: \{tag: [^}]+\}\}$" "$f" || { echo "$2 not found in $f" >&2; exit 2; }
  sed -i -E "s/^$2: \{image: \{tag: [^}]+\}\}$/$2: {image: {tag: $3}}/" "$f"
}

case "${1:-}" in
  set)
    [[ $# -ge 4 ]] || { echo "usage: $0 set <env> <tag> <service>..." >&2; exit 2; }
    env="$2" tag="$3"
    shift 3
    for svc in "$@"; do set_tag "$env" "$svc" "$tag"; done
    ;;
  promote)
    [[ $# -ge 3 ]] || { echo "usage: $0 promote <from-env> <to-env> [<service>...]" >&2; exit 2; }
    from="$2" to="$3"
    shift 3
    services=("$@")
    [[ ${#services[@]} -gt 0 ]] || services=("${ALL[@]}")
    for svc in "${services[@]}"; do
      tag="$(tag_of "$from" "$svc")"
      [[ -n "$tag" ]] || { echo "$svc has no tag in $(file "$from")" >&2; exit 2; }
      set_tag "$to" "$svc" "$tag"
    done
    ;;
  *)
    echo "usage: $0 set|promote ..." >&2
    exit 2
    ;;
esac
