#!/usr/bin/env bash
# The main job: bring up a stack (default `dev`) with the real Pulumi engine.
#   - installs npm dependencies when missing and the Pulumi toolchain (scripts/toolchain.sh);
#   - uses a local file backend inside the project (.pulumi-state/, gitignored);
#   - the `dev` stack renders manifests to out/dev (no cluster) with the documented passphrase
#     "dev"; any other stack needs PULUMI_CONFIG_PASSPHRASE set by you.
# Where the engine cannot be had, it prints the stack's plan (outputs and resources; nothing is
# created or written) and exits 3. Its last line always says what it did.
# Exit codes: 0 up; 1 failed; 2 the stack's config is refused; 3 not brought up, plan printed.
# Usage: scripts/up.sh [STACK] [extra pulumi up flags...]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# shellcheck source=lib/progress.sh
. scripts/lib/progress.sh
stack="${1:-dev}"
shift || true
t0=$SECONDS
step() { printf '[up %ds] %s\n' "$((SECONDS - t0))" "$*"; }
# The last line: what was done.
finish() {
  local code="$1"
  shift
  step "$*"
  exit "$code"
}

if [ ! -d node_modules/@pulumi/pulumi ]; then
  progress_run "[up]" "installing npm dependencies (npm ci, a minute or more)" npm ci --no-audit --no-fund ||
    finish 1 "FAILED: npm ci failed (above); stack $stack was neither brought up nor planned"
fi
plan() { node -r ts-node/register/transpile-only scripts/plan.ts "$stack"; }

# A stack the program refuses is refused before anything is installed or built.
set +e
check="$(node -r ts-node/register/transpile-only -e '
  const { checkStack } = require("./infra/plan");
  const { StackConfigError } = require("./infra/errors");
  try { checkStack({ stack: process.argv[1] }); }
  catch (e) { console.log(e instanceof StackConfigError ? e.message : e.stack); process.exit(e instanceof StackConfigError ? 2 : 1); }' "$stack")"
checked=$?
set -e
if [ "$checked" -ne 0 ]; then
  echo "$check" >&2
  [ "$checked" -eq 2 ] && finish 2 "REFUSED: stack $stack, for the reason above; nothing was done"
  finish 1 "FAILED: checking stack $stack failed (above); nothing was done"
fi

if HEPAF_TRAEFIK_CRDS_FILE="$(progress_run "[up]" "locating the official Traefik CRDs" bash scripts/traefik-crds.sh)"; then
  export HEPAF_TRAEFIK_CRDS_FILE
else
  unset HEPAF_TRAEFIK_CRDS_FILE
  step "no local copy of the Traefik CRDs (above): the stack's own hepaf:traefik.crds applies"
fi

toolchain_log="$(mktemp)"
trap 'rm -f "$toolchain_log"' EXIT
if ! progress_run "[up]" "ensuring the Pulumi toolchain" bash scripts/toolchain.sh 2> >(tee "$toolchain_log" >&2); then
  missing="$(sed -n 's/^toolchain: cannot provide \([^:]*\):.*/\1/p' "$toolchain_log" | paste -sd, - | sed 's/,/, /g')"
  step "the Pulumi engine is not available on this machine (missing: ${missing:-see the toolchain lines above})"
  step "printing the plan of stack $stack instead (nothing is created or written)"
  if plan; then
    finish 3 "NOT brought up: stack $stack was only planned (above), because the Pulumi engine is missing ${missing:-pieces}"
  else
    finish "$?" "FAILED: stack $stack was neither brought up nor planned (above)"
  fi
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
render_dir="$(pulumi config get hepaf:renderDir --stack "$stack" 2>/dev/null || true)"
# Render mode: the state only mirrors files every run rewrites, so the engine writes it once at
# the end instead of after every step (README, "How big a facility's first up is"). A site's own
# PULUMI_SKIP_CHECKPOINTS wins; cluster mode keeps the engine's default unless the site sets it.
if [ -n "$render_dir" ] && [ -z "${PULUMI_SKIP_CHECKPOINTS:-}" ]; then
  export PULUMI_SKIP_CHECKPOINTS=true
  step "render mode: the state is written once, at the end (PULUMI_SKIP_CHECKPOINTS=true)"
fi
step "pulumi up (stack $stack)"
pulumi up --yes --non-interactive --skip-preview --stack "$stack" "$@" || finish 1 "FAILED: pulumi up of stack $stack failed (above)"

# Counted as the engine counts them in its summary above (the stack included, its default
# providers not), naming the default providers the state also holds (scripts/stack-count.js).
resources="$(pulumi stack export --stack "$stack" 2>/dev/null | node scripts/stack-count.js 2>/dev/null || true)"
if [ -n "$render_dir" ]; then
  node scripts/manifest-summary.js "$render_dir"
  finish 0 "done: stack $stack is up (${resources:-resources not counted: pulumi stack export failed}); its manifests are in $render_dir"
fi
finish 0 "done: stack $stack is up (${resources:-resources not counted: pulumi stack export failed}) on the kubeconfig's current context"
