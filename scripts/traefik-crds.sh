#!/usr/bin/env bash
# Prints the path of the official Traefik CRD definitions of the pinned Traefik version
# (components/images/catalog.ts), downloading that Traefik release once through the Go
# module proxy into a cache outside the repository. A refused download is remembered
# ($HEPAF_CACHE/failed/, by version) and not asked for again unless HEPAF_RETRY=1.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=lib/progress.sh
. "$here/scripts/lib/progress.sh"
version="$(sed -n 's/^export const TRAEFIK_VERSION = "\(v[^"]*\)";/\1/p' "$here/components/images/catalog.ts")"
[ -n "$version" ] || { echo "traefik-crds: cannot read TRAEFIK_VERSION from components/images/catalog.ts" >&2; exit 1; }
# The module cache scripts/live-tools.sh builds from (one download of the release for both).
cache="${HEPAF_GOMODCACHE:-${HEPAF_CACHE:-$HOME/.cache/hepaf}/go/mod}"
rel="docs/content/reference/dynamic-configuration/kubernetes-crd-definition-v1.yml"
dir="$cache/github.com/traefik/traefik/v3@$version"
key="traefik-module-$version"
if [ ! -f "$dir/$rel" ]; then
  if failed_before "$key"; then
    echo "traefik-crds: the Go module proxy refused github.com/traefik/traefik/v3@$version before ($FAILED_BEFORE); HEPAF_RETRY=1 asks again" >&2
    exit 1
  fi
  command -v go >/dev/null || { echo "traefik-crds: the Go toolchain is needed to fetch Traefik $version from the module proxy" >&2; exit 1; }
  mkdir -p "$cache"
  log="$(mktemp)"
  if ! progress_run "traefik-crds:" "downloading github.com/traefik/traefik/v3@$version from the Go module proxy" \
    bash -c 'cd "$1" && GOMODCACHE="$1" GOFLAGS=-modcacherw GO111MODULE=on go mod download -json "$2" >"$3" 2>&1' _ "$cache" "github.com/traefik/traefik/v3@$version" "$log"; then
    reason="$(tail -3 "$log" | tr '\n' ' ')"
    rm -f "$log"
    if grep -q -e ' 403 ' -e ' 404 ' -e ' 410 ' -e 'not available' -e 'unknown revision' <<<"$reason"; then remember_failure "$key" "$reason"; fi
    echo "traefik-crds: cannot download github.com/traefik/traefik/v3@$version from the Go module proxy: $reason" >&2
    exit 1
  fi
  rm -f "$log"
fi
[ -f "$dir/$rel" ] || { echo "traefik-crds: $rel is missing from traefik $version" >&2; exit 1; }
echo "$dir/$rel"
