#!/usr/bin/env bash
# The e2e tier: ensures the real Pulumi toolchain, then runs the jest e2e project with it.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# The language host first (quick to resolve; nothing runs without it), then everything.
bash scripts/toolchain.sh nodejs
bash scripts/toolchain.sh
# shellcheck source=/dev/null
. scripts/env.sh
HEPAF_TRAEFIK_CRDS_FILE="$(bash scripts/traefik-crds.sh)"
export HEPAF_TRAEFIK_CRDS_FILE
exec npx jest --selectProjects e2e "$@"
