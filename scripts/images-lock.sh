#!/usr/bin/env bash
# Regenerates the frozen, hashed locks of the images the project builds, and the venv the tests
# use, from their loose requirements:
#
#   images/constraints.txt            one resolution of every image's requirements.in together
#                                     (and the tests'), so a package shared by two images has
#                                     one version in both: one Dask, one JupyterHub
#   images/<role>/requirements.txt    the lock of each image, under those constraints, hashed
#   test/python/requirements.txt      the tests' venv, under the same constraints, hashed
#   provider/python/requirements.txt  the Python SDK tests' venv (its own resolution)
#   test/live/images/*/requirements.txt
#                                     the live tier's image doubles that install from PyPI
#   components/images/dask-versions.json
#                                     the one Dask (Python minor, and the packages Dask needs to
#                                     agree on), read by the components from the worker's lock
#
# Resolved for the images' Python (Debian bookworm's 3.11, x86_64, glibc 2.36) with uv from PyPI
# (installed into a venv of its own under $HEPAF_CACHE). Existing pins are kept unless
# --upgrade is given (or a requirements.in asks for something else), so a rerun without changes
# writes the same files. `npm run test:unit` holds the locks to their .in files offline.
#
# Usage: scripts/images-lock.sh [--upgrade]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# shellcheck source=lib/progress.sh
. scripts/lib/progress.sh
UV_VERSION=0.13.9
PYTHON_MINOR=3.11
PLATFORM=x86_64-manylinux_2_36
ROLES=(hub notebook worker)
upgrade=()
for a in "$@"; do
  case "$a" in
    --upgrade) upgrade=(--upgrade) ;;
    *) echo "images-lock: unknown argument '$a' (use: --upgrade)" >&2; exit 2 ;;
  esac
done
cache="${HEPAF_CACHE:-$HOME/.cache/hepaf}"
uvenv="$cache/uv-$UV_VERSION"
if [ ! -x "$uvenv/bin/uv" ]; then
  rm -rf "$uvenv"
  python3 -m venv "$uvenv"
  progress_run "images-lock:" "installing uv $UV_VERSION" "$uvenv/bin/pip" install --quiet "uv==$UV_VERSION" >&2
fi
uv="$uvenv/bin/uv"
compile() { # OUT IN... [uv args]
  local out="$1"; shift
  "$uv" pip compile --quiet --python-version "$PYTHON_MINOR" --python-platform "$PLATFORM" \
    --custom-compile-command "scripts/images-lock.sh" --no-strip-extras "${upgrade[@]}" "$@" -o "$out"
}
ins=()
for r in "${ROLES[@]}"; do ins+=("images/$r/requirements.in"); done
echo "images-lock: one resolution of ${ROLES[*]} and the tests" >&2
doubles=(test/live/images/gateway-server)
compile images/constraints.txt "${ins[@]}" test/python/requirements.in "${doubles[@]/%//requirements.in}"
for r in "${ROLES[@]}"; do
  echo "images-lock: images/$r/requirements.txt" >&2
  compile "images/$r/requirements.txt" "images/$r/requirements.in" -c images/constraints.txt --generate-hashes
done
for d in "${doubles[@]}"; do
  echo "images-lock: $d/requirements.txt (an image double of the live tier)" >&2
  compile "$d/requirements.txt" "$d/requirements.in" -c images/constraints.txt --generate-hashes
done
echo "images-lock: test/python/requirements.txt" >&2
compile test/python/requirements.txt test/python/requirements.in -c images/constraints.txt --generate-hashes
echo "images-lock: provider/python/requirements.txt (the Python SDK's tests; no image runs it)" >&2
compile provider/python/requirements.txt provider/python/requirements.in --generate-hashes
# The packages Dask compares come from the components' own list (DASK_PACKAGES).
node -r ts-node/register/transpile-only - "$PYTHON_MINOR" <<'JS'
const fs = require("fs");
const { DASK_PACKAGES } = require("./components/images/dask");
const lock = fs.readFileSync("images/worker/requirements.txt", "utf8");
const pins = Object.fromEntries([...lock.matchAll(/^([A-Za-z0-9_.-]+)==([^\s\\]+)/gm)].map((m) => [m[1].toLowerCase(), m[2]]));
const packages = {};
for (const p of DASK_PACKAGES) {
    if (!pins[p]) throw new Error(`images-lock: the worker's lock pins no ${p}`);
    packages[p] = pins[p];
}
fs.writeFileSync("components/images/dask-versions.json", JSON.stringify({ python: process.argv[2], packages }, null, 2) + "\n");
JS
echo "images-lock: done (components/images/dask-versions.json: $(tr -d ' \n' <components/images/dask-versions.json))" >&2
