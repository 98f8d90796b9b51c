#!/usr/bin/env bash
# The main job: bring up a stack (default `dev`) with the real Pulumi engine.
#   - installs npm dependencies when missing and the Pulumi toolchain (scripts/toolchain.sh);
#   - uses a local file backend inside the project (.pulumi-state/, gitignored);
#   - the `dev` stack renders manifests to out/dev (no cluster) with the documented passphrase
#     "dev"; any other stack needs PULUMI_CONFIG_PASSPHRASE set by you.
# Usage: scripts/up.sh [STACK] [extra pulumi up flags...]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
stack="${1:-dev}"
shift || true
t0=$SECONDS
step() { printf '[up %ds] %s\n' "$((SECONDS - t0))" "$*"; }

if [ ! -d node_modules/@pulumi/pulumi ]; then
  step "installing npm dependencies (npm ci)"
  npm ci --no-audit --no-fund
fi
step "locating the official Traefik CRDs"
HEPAF_TRAEFIK_CRDS_FILE="$(bash scripts/traefik-crds.sh)"
export HEPAF_TRAEFIK_CRDS_FILE
step "ensuring the Pulumi toolchain"
# The language host first: it is quick to resolve, and without it no program runs, so a
# machine that cannot have it learns so in seconds instead of after building the CLI.
if ! { bash scripts/toolchain.sh nodejs && bash scripts/toolchain.sh; }; then
  # Without the engine nothing can be applied or rendered: say so, and show the plan.
  step "the Pulumi engine is not available on this machine (see the toolchain lines above);"
  step "printing the plan of stack $stack instead (nothing is created or written)"
  node -r ts-node/register/transpile-only scripts/plan.ts "$stack"
  exit 0
fi
# shellcheck source=/dev/null
. scripts/env.sh

mkdir -p .pulumi-state
export PULUMI_BACKEND_URL="file://$root/.pulumi-state"
if [ "$stack" = "dev" ]; then
  export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE:-dev}"
fi
export PULUMI_NODEJS_TRANSPILE_ONLY=true
pulumi stack select --create "$stack" --non-interactive >/dev/null
step "pulumi up (stack $stack)"
pulumi up --yes --non-interactive --skip-preview --stack "$stack" "$@"

render_dir="$(pulumi config get hepaf:renderDir --stack "$stack" 2>/dev/null || true)"
if [ -n "$render_dir" ]; then
  step "manifests written to $render_dir"
  node scripts/manifest-summary.js "$render_dir"
fi
step "done"
