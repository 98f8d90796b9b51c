#!/usr/bin/env bash
# The e2e tier: ensures the real Pulumi toolchain, then runs the jest e2e project with it.
#
# Usage: scripts/test-e2e.sh [--sdk] [JEST ARGS...]
#   --sdk  only the Python SDK's file (test/e2e/python-sdk.test.ts): it needs the pulumi CLI
#          alone (no language host, no other provider), so it runs where only the CLI builds.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
if [ "${1:-}" = "--sdk" ]; then
  shift
  bash scripts/toolchain.sh cli
  # shellcheck source=/dev/null
  . scripts/env.sh
  exec npx jest --selectProjects e2e --testPathPatterns 'e2e/python-sdk' "$@"
fi
# The language host first (quick to resolve; nothing runs without it), then everything.
bash scripts/toolchain.sh nodejs
bash scripts/toolchain.sh
# shellcheck source=/dev/null
. scripts/env.sh
HEPAF_TRAEFIK_CRDS_FILE="$(bash scripts/traefik-crds.sh)"
export HEPAF_TRAEFIK_CRDS_FILE
exec npx jest --selectProjects e2e "$@"
