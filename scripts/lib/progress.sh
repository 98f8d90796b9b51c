# shellcheck shell=bash
# Progress and memory for the project's long steps. Source it, then:
#
#   progress_run PREFIX LABEL CMD...   runs CMD; prints "PREFIX LABEL ..." first, a line every
#                                      HEPAF_PROGRESS_SECONDS (default 20) while it runs, and
#                                      "PREFIX LABEL: done in Ns" or "... FAILED after Ns" at the end
#                                      (all on stderr); returns CMD's exit code
#   failed_before KEY                  true when a refusal of KEY was remembered (and HEPAF_RETRY is
#                                      not 1); prints what was remembered
#   remember_failure KEY REASON        remembers that KEY (e.g. "module-tls-v5.6.1") was refused
#   forget_failure KEY                 forgets it (after a success)
#
# Refusals live in $HEPAF_CACHE/failed/ (default ~/.cache/hepaf/failed), one file per KEY, so
# a machine that cannot have something learns it once, not on every run.

_progress_failed_dir() { printf '%s/failed' "${HEPAF_CACHE:-$HOME/.cache/hepaf}"; }

progress_run() {
  local prefix="$1" label="$2" start rc beat
  shift 2
  start=$(date +%s)
  printf '%s %s ...\n' "$prefix" "$label" >&2
  (
    # Its sleep goes with it, and holds none of the caller's output meanwhile (a sleep left
    # behind, holding it, kept a caller's capture of the step's output open until it ended).
    s=""
    trap '[ -z "$s" ] || kill "$s" 2>/dev/null; exit 0' TERM
    while :; do
      sleep "${HEPAF_PROGRESS_SECONDS:-20}" </dev/null >/dev/null 2>&1 &
      s=$!
      wait "$s" || exit 0
      printf '%s   ... still %s (%ds)\n' "$prefix" "$label" "$(($(date +%s) - start))" >&2
    done
  ) >/dev/null &
  beat=$!
  # The heartbeat ends with the step, and with the script if it is stopped meanwhile (its PID is
  # written into the trap: the trap may run after this function's locals are gone).
  # shellcheck disable=SC2064
  trap "kill $beat 2>/dev/null" EXIT
  rc=0
  "$@" || rc=$?
  # A killed heartbeat's wait says 143: not the step's result, and no reason for `set -e` to stop.
  kill "$beat" 2>/dev/null || true
  wait "$beat" 2>/dev/null || true
  trap - EXIT
  if [ "$rc" -eq 0 ]; then
    printf '%s %s: done in %ds\n' "$prefix" "$label" "$(($(date +%s) - start))" >&2
  else
    printf '%s %s: FAILED after %ds (exit %d)\n' "$prefix" "$label" "$(($(date +%s) - start))" "$rc" >&2
  fi
  return "$rc"
}

failed_before() {
  local f
  f="$(_progress_failed_dir)/$1"
  [ -f "$f" ] || return 1
  if [ "${HEPAF_RETRY:-}" = 1 ]; then
    rm -f "$f"
    return 1
  fi
  FAILED_BEFORE="$(cat "$f")"
  return 0
}

remember_failure() {
  mkdir -p "$(_progress_failed_dir)" && printf '%s: %s\n' "$(date -u +%Y-%m-%dT%H:%MZ)" "$2" >"$(_progress_failed_dir)/$1"
}

forget_failure() { rm -f "$(_progress_failed_dir)/$1"; }
