#!/usr/bin/env bash
# Lints the GitHub workflows with actionlint, which also checks the shell of every `run:` step
# with shellcheck. actionlint is built once with the ordinary `go` client from the Go module
# proxy (github.com/rhysd/actionlint, pinned below) and cached outside the repository, keyed by
# version. shellcheck is required, not optional (actionlint would silently skip those checks
# without it, and pass here what another machine fails): it comes from the distribution, and
# this script installs it with apt-get when it is missing and runs as root.
#
# Usage: scripts/lint-workflows.sh [--print-bin] [FILE...]   (default: .github/workflows/*.yml)
#   --print-bin   build actionlint if needed, print its path and lint nothing
#
# Progress (the build, one line at its start and one at its end) goes to stderr; actionlint's
# findings go to stdout. Exit 0 when every file passes, 1 when actionlint finds a problem or a
# tool cannot be had. A failed build is one line:
#   lint-workflows: FAILED actionlint v<version>: <step>: <refused module or last error> (log: <file>)
# remembered in $HEPAF_CACHE/failed/ so the next run says it again at once; HEPAF_RETRY=1 retries.
#
# Environment:
#   HEPAF_CACHE                cache root (default $HOME/.cache/hepaf); Go's module and build caches
#                              are $HEPAF_CACHE/go/{mod,build} (HEPAF_GOMODCACHE / HEPAF_GOCACHE),
#                              as for scripts/live-tools.sh
#   HEPAF_ACTIONLINT_VERSION   overrides the pinned version (for experiments)
set -uo pipefail

VERSION="${HEPAF_ACTIONLINT_VERSION:-1.7.12}"
MODULE=github.com/rhysd/actionlint
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=lib/progress.sh
. "$root/scripts/lib/progress.sh"
# shellcheck source=lib/go-env.sh
. "$root/scripts/lib/go-env.sh"
# shellcheck source=lib/debian.sh
. "$root/scripts/lib/debian.sh"

CACHE="${HEPAF_CACHE:-$HOME/.cache/hepaf}"
export HEPAF_CACHE="$CACHE"
bin="$CACHE/bin/actionlint-v$VERSION/actionlint"
key="actionlint-v$VERSION"

print_bin=""
files=()
for a in "$@"; do
  case "$a" in
    --print-bin) print_bin=1 ;;
    -h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; exit 0 ;;
    -*) echo "lint-workflows: FAILED reading arguments: unknown option '$a' (use --print-bin or file names)" >&2; exit 2 ;;
    *) files+=("$a") ;;
  esac
done

fail() { echo "lint-workflows: FAILED $*" >&2; exit 1; }

# What go said when it stopped: the module the proxy refused (with its version and the proxy's
# answer) where go names one, else go's last error line.
go_reason() {
  local line
  line="$(grep -E '^go: ' "$1" | grep -vE '^go: (downloading|finding|extracting) ' | tail -n 1)"
  [ -n "$line" ] || line="$(grep -v '^[[:space:]]*$' "$1" | tail -n 1)"
  line="${line#go: }"
  local re_reading='([A-Za-z0-9._~/-]+@v[^ :]+): reading [^ ]+: (.*)$'
  local re_module='^([A-Za-z0-9._~/-]+@[^ :]+): (.*)$'
  if [[ $line =~ $re_reading ]]; then
    printf 'refused module %s (%s)' "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}"
  elif [[ $line =~ $re_module ]]; then
    printf 'refused module %s (%s)' "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}"
  else
    printf '%s' "$line"
  fi | cut -c1-400
}

# shellcheck disable=SC2317 # (run through progress_run)
go_install() { # go_install GOBIN LOG
  (
    hepaf_go_env
    GOBIN="$1" nice -n "${HEPAF_NICE:-0}" go install -trimpath -ldflags "-s -w" "$MODULE/cmd/actionlint@v$VERSION" >>"$2" 2>&1
  )
}

build_actionlint() {
  [ -x "$bin" ] && return 0
  mkdir -p "$CACHE/bin" "$CACHE/logs" || fail "actionlint v$VERSION: cannot create $CACHE"
  # One builder at a time; a second caller waits and then finds the binary.
  exec 8>"$CACHE/.$key.lock"
  if ! flock -n 8; then
    echo "lint-workflows: another run is building actionlint v$VERSION; waiting for it" >&2
    flock 8
  fi
  [ -x "$bin" ] && return 0
  if failed_before "$key"; then
    fail "${FAILED_BEFORE#*: } (remembered from an earlier run; HEPAF_RETRY=1 tries again)"
  fi
  command -v go >/dev/null 2>&1 ||
    fail "actionlint v$VERSION: 'go' is not on PATH (it builds $MODULE from the Go module proxy)"
  local log="$CACHE/logs/$key.log" tmp="$CACHE/bin/.$key.tmp.$$"
  : >"$log"
  rm -rf "$tmp" && mkdir -p "$tmp"
  if ! progress_run "lint-workflows:" "building actionlint v$VERSION from the Go module proxy (once)" \
    go_install "$tmp" "$log"; then
    rm -rf "$tmp"
    local msg
    msg="actionlint v$VERSION: go install $MODULE/cmd/actionlint@v$VERSION: $(go_reason "$log") (log: $log)"
    remember_failure "$key" "$msg"
    fail "$msg"
  fi
  if ! { mkdir -p "$(dirname "$bin")" && mv -f "$tmp/actionlint" "$bin"; }; then
    fail "actionlint v$VERSION: cannot install the built binary at $bin"
  fi
  rm -rf "$tmp"
  forget_failure "$key"
}

build_actionlint
if [ -n "$print_bin" ]; then
  echo "$bin"
  exit 0
fi
debian_ensure "lint-workflows:" shellcheck shellcheck "actionlint checks the workflows' run: steps with it" || exit 1

if [ "${#files[@]}" -eq 0 ]; then
  cd "$root" || exit 1
  shopt -s nullglob
  files=(.github/workflows/*.yml .github/workflows/*.yaml)
  shopt -u nullglob
  [ "${#files[@]}" -gt 0 ] || fail "no workflows found in $root/.github/workflows"
fi

# The shellcheck found on PATH, named explicitly; pyflakes off (no workflow runs Python inline), so the
# result does not depend on what else a machine happens to have installed.
if "$bin" -shellcheck "$(command -v shellcheck)" -pyflakes= "${files[@]}"; then
  echo "lint-workflows: ${#files[@]} workflow file(s) pass actionlint v$VERSION with shellcheck $(shellcheck --version | sed -n 's/^version: //p')" >&2
  exit 0
fi
echo "lint-workflows: FAILED: actionlint v$VERSION found problems (above) in: ${files[*]}" >&2
exit 1
