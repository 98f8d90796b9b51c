#!/usr/bin/env bash
# Sets throwaway secrets on a stack that only previews (CI and tests): the example site's
# real secrets belong to that site. Values are random and never printed.
# Usage: scripts/example-secrets.sh STACK   (pulumi on PATH, backend and passphrase set)
set -euo pipefail
stack="$1"
case "$stack" in
  dev) exit 0 ;; # dev needs no secret
  example-university) exit 0 ;; # its secrets are the cluster's (cert-manager, the hub's keeper, the site's Secrets)
  *) echo "example-secrets: no throwaway secrets known for stack $stack" >&2; exit 1 ;;
esac
