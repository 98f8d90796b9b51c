#!/usr/bin/env bash
# Prints the path of the official Traefik CRD definitions of the pinned Traefik version
# (components/images/catalog.ts), from that Traefik release downloaded once through the Go
# module proxy into a cache outside the repository (lib/go-module.sh).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=lib/progress.sh
. "$here/scripts/lib/progress.sh"
# shellcheck source=lib/go-module.sh
. "$here/scripts/lib/go-module.sh"
version="$(sed -n 's/^export const TRAEFIK_VERSION = "\(v[^"]*\)";/\1/p' "$here/components/images/catalog.ts")"
[ -n "$version" ] || { echo "traefik-crds: cannot read TRAEFIK_VERSION from components/images/catalog.ts" >&2; exit 1; }
rel="docs/content/reference/dynamic-configuration/kubernetes-crd-definition-v1.yml"
dir="$(go_module_dir traefik-crds github.com/traefik/traefik/v3 "$version")"
[ -f "$dir/$rel" ] || { echo "traefik-crds: $rel is missing from traefik $version" >&2; exit 1; }
echo "$dir/$rel"
