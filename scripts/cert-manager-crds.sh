#!/usr/bin/env bash
# Prints the directory of cert-manager's CRD definitions (deploy/crds/*.yaml: Issuer,
# ClusterIssuer, Certificate, CertificateRequest, Order, Challenge) of the release the facility's
# objects are written for (components/https/cert-manager.ts), from that release downloaded once
# through the Go module proxy into a cache outside the repository (lib/go-module.sh).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=lib/progress.sh
. "$here/scripts/lib/progress.sh"
# shellcheck source=lib/go-module.sh
. "$here/scripts/lib/go-module.sh"
version="$(sed -n 's/^export const CERT_MANAGER_VERSION = "\(v[^"]*\)";/\1/p' "$here/components/https/cert-manager.ts")"
[ -n "$version" ] || { echo "cert-manager-crds: cannot read CERT_MANAGER_VERSION from components/https/cert-manager.ts" >&2; exit 1; }
dir="$(go_module_dir cert-manager-crds github.com/cert-manager/cert-manager "$version")"
[ -f "$dir/deploy/crds/cert-manager.io_certificates.yaml" ] || { echo "cert-manager-crds: deploy/crds is missing from cert-manager $version" >&2; exit 1; }
echo "$dir/deploy/crds"
