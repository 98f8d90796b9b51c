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
# shellcheck source=lib/debian.sh
. "$root/scripts/lib/debian.sh"

print_bin=""
for a in "$@"; do
  case "$a" in
    --print-bin) print_bin=1 ;;
    -h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "browser: FAILED reading arguments: unknown argument '$a' (use --print-bin)" >&2; exit 2 ;;
  esac
done

debian_ensure "browser:" chromium chromium "the live tier's browser tests (test/live/browser.test.ts) drive it" || exit 1
debian_ensure "browser:" certutil libnss3-tools "the browser tests trust the facility's root CA in the browser's own NSS database with it" || exit 1
if [ -n "$print_bin" ]; then
  command -v chromium
else
  echo "browser: $(chromium --version 2>/dev/null | head -n 1) and certutil ready" >&2
fi
