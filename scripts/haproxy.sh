#!/usr/bin/env bash
# The front-door bench's HAProxy anchor: makes sure HAProxy is on PATH and prints its path.
# It comes from the distribution (Debian's package `haproxy`, 2.6 on bookworm): this script
# installs it with apt-get when it is missing and runs as root, and otherwise fails with one
# line saying how to install it. It installs the program only; the bench starts it itself with
# its own configuration (the package's service is not started inside the bench's namespaces).
#
# Usage: scripts/haproxy.sh
#
# Progress (the install, one line at its start and one at its end) goes to stderr; the path goes
# to stdout. Exit 0 with the path, 1 when HAProxy cannot be had.
#
# Environment:
#   HEPAF_CACHE   cache root (default $HOME/.cache/hepaf): the install's log and lock
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=lib/progress.sh
. "$root/scripts/lib/progress.sh"

CACHE="${HEPAF_CACHE:-$HOME/.cache/hepaf}"

for a in "$@"; do
  case "$a" in
    -h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "haproxy: FAILED reading arguments: unknown argument '$a' (it takes none)" >&2; exit 2 ;;
  esac
done

fail() { echo "haproxy: FAILED $*" >&2; exit 1; }

# shellcheck disable=SC2317 # (run through progress_run)
apt_install_haproxy() { # apt_install_haproxy LOG
  # The package index may be stale or missing (a fresh container): update once, then retry.
  { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends haproxy ||
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends haproxy; }; } >>"$1" 2>&1
}

ensure_haproxy() {
  command -v haproxy >/dev/null 2>&1 && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    local log="$CACHE/logs/haproxy-install.log"
    mkdir -p "$CACHE/logs" && exec 7>"$CACHE/.haproxy-install.lock" && flock 7
    command -v haproxy >/dev/null 2>&1 && return 0
    : >"$log"
    if progress_run "haproxy:" "installing HAProxy (apt-get install haproxy)" apt_install_haproxy "$log" &&
      command -v haproxy >/dev/null 2>&1; then
      return 0
    fi
    fail "apt-get install haproxy failed: $(grep -E '^(E|W): ' "$log" | tail -n 1) (log: $log)"
  fi
  fail "not on PATH, and only root with apt-get can install it here; install HAProxy (Debian and Ubuntu: apt-get install haproxy): the front-door bench measures Traefik against it"
}

ensure_haproxy
command -v haproxy
