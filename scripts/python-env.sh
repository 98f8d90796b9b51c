#!/usr/bin/env bash
# Creates (once) the project's Python venv with the real software the integration tier uses
# (test/python/requirements.txt: a hashed lock that scripts/images-lock.sh makes under the same
# constraints as the images' locks, so the tiers run the versions the images hold) and prints
# its python path. The venv lives outside the
# repository, keyed by the hash of the requirements, so a change of pins makes a new one.
# Creating it takes minutes: progress goes to stderr, the path alone to stdout.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=lib/progress.sh
. "$root/scripts/lib/progress.sh"
# Usage: scripts/python-env.sh [LOCK]   (default test/python/requirements.txt; provider/python/requirements.txt: the SDK tests' venv)
req="${1:-$root/test/python/requirements.txt}"
[ -f "$req" ] || { echo "python-env: no lock file $req" >&2; exit 1; }
# Keyed by the pins and hashes only: a comment of the lock (uv's "# via" lines) makes no new venv.
key="$(grep -v '^[[:space:]]*#' "$req" | sha256sum | cut -c1-12)"
venv="${HEPAF_CACHE:-$HOME/.cache/hepaf}/venv-$key"
mkdir -p "$(dirname "$venv")"
# One creator at a time: a second caller waits for the first to finish.
exec 9>"$venv.lock"
if ! flock -n 9; then
  echo "python-env: another run is creating $venv; waiting" >&2
  flock 9
fi
if [ ! -x "$venv/bin/python" ] || [ ! -f "$venv/.complete" ]; then
  command -v python3 >/dev/null || { echo "python-env: python3 is needed to create the venv" >&2; exit 1; }
  rm -rf "$venv"
  progress_run "python-env:" "creating the venv $venv" python3 -m venv "$venv" >&2 \
    || { echo "python-env: python3 -m venv $venv failed" >&2; exit 1; }
  n="$(grep -c '^[A-Za-z0-9]' "$req")"
  progress_run "python-env:" "installing the $n pinned packages of ${req#"$root"/} (a few minutes)" \
    "$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps --require-hashes -r "$req" >&2 \
    || { echo "python-env: pip install of $req failed" >&2; exit 1; }
  touch "$venv/.complete"
fi
echo "$venv/bin/python"
