#!/usr/bin/env bash
# The live tier: builds (once, cached by version) the real control plane and Traefik, the
# images every pod runs (the project's own and the doubles of upstream ones: scripts/images.sh,
# cached by the hash of each Containerfile and its context), makes sure the venv and the
# official Traefik and cert-manager CRDs are there, and the browser (scripts/browser.sh: Debian's chromium and
# certutil, installed when missing), then runs test/live/ inside a network, mount and PID
# namespace of its own (scripts/live-netns.sh), one test file at a time.
# Extra arguments go to jest (e.g. --testPathPatterns rbac).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=lib/go-env.sh
. "$root/scripts/lib/go-env.sh"
cd "$root"
t0=$SECONDS
bash scripts/live-tools.sh
echo "[live $((SECONDS - t0))s] programs ready; building the images (the project's and the doubles)" >&2
bash scripts/images.sh --doubles
echo "[live $((SECONDS - t0))s] images ready; preparing the venv, the Traefik CRDs and the browser" >&2
bash scripts/python-env.sh >/dev/null
bash scripts/traefik-crds.sh >/dev/null
bash scripts/cert-manager-crds.sh >/dev/null
bash scripts/browser.sh
# The modules of the tier's own Go programs with dependencies (no packet leaves the tier's
# namespace, so they are downloaded here, into the live tools' module cache).
cache="${HEPAF_CACHE:-$HOME/.cache/hepaf}"
(cd test/live/operator-types && HEPAF_CACHE="$cache" && hepaf_go_env && go mod download)
echo "[live $((SECONDS - t0))s] running test/live in its own namespaces" >&2
bash scripts/live-netns.sh node node_modules/.bin/jest --selectProjects live --runInBand "$@"
echo "[live $((SECONDS - t0))s] done" >&2
