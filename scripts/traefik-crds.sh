#!/usr/bin/env bash
# Prints the path of the official Traefik CRD definitions of the pinned Traefik version
# (components/traefik/version.ts), downloading that Traefik release once through the Go
# module proxy into a cache outside the repository.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
version="$(sed -n 's/^export const TRAEFIK_VERSION = "\(v[^"]*\)";/\1/p' "$here/components/traefik/version.ts")"
[ -n "$version" ] || { echo "traefik-crds: cannot read TRAEFIK_VERSION from components/traefik/version.ts" >&2; exit 1; }
command -v go >/dev/null || { echo "traefik-crds: the Go toolchain is needed to fetch Traefik $version from the module proxy" >&2; exit 1; }
cache="${HEPAF_GOMODCACHE:-${HEPAF_CACHE:-$HOME/.cache/hepaf}/go/mod}"
rel="docs/content/reference/dynamic-configuration/kubernetes-crd-definition-v1.yml"
dir="$cache/github.com/traefik/traefik/v3@$version"
if [ ! -f "$dir/$rel" ]; then
  mkdir -p "$cache"
  if ! out="$(cd "$cache" && GOMODCACHE="$cache" GOFLAGS= GO111MODULE=on go mod download -json "github.com/traefik/traefik/v3@$version" 2>&1)"; then
    echo "traefik-crds: cannot download github.com/traefik/traefik/v3@$version from the Go module proxy:" >&2
    echo "$out" | tail -5 >&2
    exit 1
  fi
fi
[ -f "$dir/$rel" ] || { echo "traefik-crds: $rel is missing from traefik $version" >&2; exit 1; }
echo "$dir/$rel"
