#!/usr/bin/env bash
# Generates the Python SDK (pulumi_hepaf) from provider/schema.json with Pulumi's own Python
# generator, and builds its wheel.
#
# Usage: scripts/python-sdk.sh [OUT-DIR]   (default dist/python: the SDK's source in sdk/, the wheel beside it)
#
#   1. Builds provider/sdkgen (a small Go program around pkg/v3's codegen/python, at the
#      version go.mod pins) once, cached in $HEPAF_CACHE/bin keyed by its sources.
#   2. Writes the SDK's source into OUT-DIR/sdk (replacing what was there).
#   3. Builds OUT-DIR/pulumi_hepaf-<version>-py3-none-any.whl with pip (setuptools, as the
#      generated pyproject.toml asks).
#
# Environment: HEPAF_CACHE (default ~/.cache/hepaf), HEPAF_GOMODCACHE / HEPAF_GOCACHE (Go's caches,
# default $HEPAF_CACHE/go/{mod,build}, as the other builds), PYTHON (default python3), HEPAF_GO_JOBS.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=lib/go-env.sh
. "$root/scripts/lib/go-env.sh"
out="${1:-$root/dist/python}"
cache="${HEPAF_CACHE:-$HOME/.cache/hepaf}"
python="${PYTHON:-python3}"
src="$root/provider/sdkgen"
key="$(cat "$src/go.mod" "$src/go.sum" "$src/main.go" | sha256sum | cut -c1-12)"
gen="$cache/bin/hepaf-sdkgen-$key"
t0=$SECONDS
if [ ! -x "$gen" ]; then
  command -v go >/dev/null 2>&1 || { echo "python-sdk: 'go' is needed to build provider/sdkgen" >&2; exit 1; }
  mkdir -p "$cache/bin"
  echo "python-sdk: building provider/sdkgen (Pulumi's Python generator; minutes on a cold machine)" >&2
  (cd "$src" && HEPAF_CACHE="$cache" && hepaf_go_env &&
    nice -n 10 go build -p "${HEPAF_GO_JOBS:-2}" -mod=mod -trimpath -ldflags "-s -w" -o "$gen.tmp" .) >&2
  mv "$gen.tmp" "$gen"
  echo "python-sdk: built in $((SECONDS - t0)) s" >&2
fi
rm -rf "$out/sdk"
mkdir -p "$out"
t1=$SECONDS
"$gen" "$root/provider/schema.json" "$out/sdk" >&2
echo "python-sdk: SDK generated in $((SECONDS - t1)) s" >&2
t2=$SECONDS
rm -f "$out"/pulumi_hepaf-*.whl
"$python" -m pip wheel --quiet --disable-pip-version-check --no-deps --wheel-dir "$out" "$out/sdk" >&2
echo "python-sdk: wheel built in $((SECONDS - t2)) s" >&2
ls "$out"/pulumi_hepaf-*.whl
