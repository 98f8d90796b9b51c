#!/usr/bin/env bash
# The live tier's browser: Debian's chromium (the package, driven by playwright-core from npm,
# which downloads no browser of its own) and NSS's certutil (libnss3-tools), with which the tier
# makes the browser's certificate database and trusts the facility's root CA in it, as a user
# who installed root-ca.crt has. Both come from the distribution: this script installs them
# with apt-get when they are missing and it runs as root, and says what to install otherwise.
#
# Usage: scripts/browser.sh [--print-bin]
#   --print-bin   print the browser's path (after installing what is missing)
#
# Progress goes to stderr. Exit 0 when both are there, 1 when one cannot be had:
#   browser: FAILED <package>: <reason> (log: <file>)
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=lib/progress.sh
. "$root/scripts/lib/progress.sh"

CACHE="${HEPAF_CACHE:-$HOME/.cache/hepaf}"
print_bin=""
for a in "$@"; do
  case "$a" in
    --print-bin) print_bin=1 ;;
    -h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "browser: FAILED reading arguments: unknown argument '$a' (use --print-bin)" >&2; exit 2 ;;
  esac
done

fail() { echo "browser: FAILED $*" >&2; exit 1; }

# shellcheck disable=SC2317 # (run through progress_run)
apt_install() { # apt_install LOG PACKAGE...
  local log="$1"
  shift
  # The package index may be stale or missing (a fresh container): update once, then retry.
  { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" ||
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"; }; } >>"$log" 2>&1
}

ensure() { # ensure PROGRAM PACKAGE WHY
  local program="$1" package="$2" why="$3"
  command -v "$program" >/dev/null 2>&1 && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    local log="$CACHE/logs/$package-install.log"
    mkdir -p "$CACHE/logs" && exec 7>"$CACHE/.$package-install.lock" && flock 7
    if ! command -v "$program" >/dev/null 2>&1; then
      : >"$log"
      progress_run "browser:" "installing $package (apt-get install $package)" apt_install "$log" "$package" ||
        fail "$package: apt-get install $package failed: $(grep -E '^(E|W): ' "$log" | tail -n 1) (log: $log)"
      command -v "$program" >/dev/null 2>&1 ||
        fail "$package: installed, but '$program' is not on PATH (log: $log)"
    fi
    exec 7>&-
    return 0
  fi
  fail "$package: '$program' is not on PATH, and only root with apt-get can install it here; install $package (Debian and Ubuntu: apt-get install $package): $why"
}

ensure chromium chromium "the live tier's browser tests (test/live/browser.test.ts) drive it"
ensure certutil libnss3-tools "the browser tests trust the facility's root CA in the browser's own NSS database with it"
if [ -n "$print_bin" ]; then
  command -v chromium
else
  echo "browser: $(chromium --version 2>/dev/null | head -n 1) and certutil ready" >&2
fi
