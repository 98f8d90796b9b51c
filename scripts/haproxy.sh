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
# shellcheck source=lib/debian.sh
. "$root/scripts/lib/debian.sh"

for a in "$@"; do
  case "$a" in
    -h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "haproxy: FAILED reading arguments: unknown argument '$a' (it takes none)" >&2; exit 2 ;;
  esac
done

debian_ensure "haproxy:" haproxy haproxy "the front-door bench measures Traefik against it" || exit 1
command -v haproxy
