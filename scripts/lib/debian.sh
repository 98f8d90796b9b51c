# shellcheck shell=bash
# Programs the project takes from the distribution (Debian's packages): installed with apt-get
# when missing and the script runs as root, else one line saying what to install. Source it
# after lib/progress.sh, then:
#
#   debian_ensure PREFIX PROGRAM PACKAGE WHY
#       returns 0 when PROGRAM is on PATH (installing PACKAGE first if needed); otherwise prints
#       "PREFIX FAILED PACKAGE: <reason>" on stderr (WHY says what needs it) and returns 1.
#       Installs are logged to $HEPAF_CACHE/logs/PACKAGE-install.log and serialized by a lock
#       there, so two scripts that need the same package install it once.

# shellcheck disable=SC2317 # (run through progress_run)
_debian_apt_install() { # _debian_apt_install LOG PACKAGE
  # The package index may be stale or missing (a fresh container): update once, then retry.
  { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$2" ||
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$2"; }; } >>"$1" 2>&1
}

debian_ensure() {
  local prefix="$1" program="$2" package="$3" why="$4" cache="${HEPAF_CACHE:-$HOME/.cache/hepaf}"
  command -v "$program" >/dev/null 2>&1 && return 0
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "$prefix FAILED $package: '$program' is not on PATH, and only root with apt-get can install it here; install $package (Debian and Ubuntu: apt-get install $package): $why" >&2
    return 1
  fi
  local log="$cache/logs/$package-install.log" rc=0
  mkdir -p "$cache/logs" || return 1
  exec 7>"$cache/.$package-install.lock" && flock 7
  if ! command -v "$program" >/dev/null 2>&1; then
    : >"$log"
    if ! progress_run "$prefix" "installing $package (apt-get install $package)" _debian_apt_install "$log" "$package"; then
      echo "$prefix FAILED $package: apt-get install $package failed: $(grep -E '^(E|W): ' "$log" | tail -n 1) (log: $log)" >&2
      rc=1
    elif ! command -v "$program" >/dev/null 2>&1; then
      echo "$prefix FAILED $package: installed, but '$program' is not on PATH (log: $log)" >&2
      rc=1
    fi
  fi
  exec 7>&-
  return "$rc"
}
