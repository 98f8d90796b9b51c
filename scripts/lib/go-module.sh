# shellcheck shell=bash
# go_module_dir TOOL MODULE VERSION: prints the directory of MODULE@VERSION's source, downloading
# it once through the Go module proxy into the cache scripts/live-tools.sh builds from. A refused
# download is remembered ($HEPAF_CACHE/failed/, by version) and not asked for again unless
# HEPAF_RETRY=1. TOOL names the caller in messages. Needs lib/progress.sh sourced.
go_module_dir() {
  local tool="$1" module="$2" version="$3"
  local cache="${HEPAF_GOMODCACHE:-${HEPAF_CACHE:-$HOME/.cache/hepaf}/go/mod}"
  # The module cache spells upper-case letters as "!" and the letter in lower case.
  local escaped
  # shellcheck disable=SC2001 # (\L: each capital in lower case)
  escaped="$(sed 's/[A-Z]/!\L&/g' <<<"$module")"
  local dir="$cache/$escaped@$version" key="module-${module//\//_}-$version"
  if [ ! -d "$dir" ]; then
    if failed_before "$key"; then
      echo "$tool: the Go module proxy refused $module@$version before ($FAILED_BEFORE); HEPAF_RETRY=1 asks again" >&2
      return 1
    fi
    command -v go >/dev/null || { echo "$tool: the Go toolchain is needed to fetch $module@$version from the module proxy" >&2; return 1; }
    mkdir -p "$cache"
    local log reason
    log="$(mktemp)"
    if ! progress_run "$tool:" "downloading $module@$version from the Go module proxy" \
      bash -c 'cd "$1" && GOMODCACHE="$1" GOFLAGS=-modcacherw GO111MODULE=on go mod download -json "$2" >"$3" 2>&1' _ "$cache" "$module@$version" "$log"; then
      reason="$(tail -3 "$log" | tr '\n' ' ')"
      rm -f "$log"
      if grep -q -e ' 403 ' -e ' 404 ' -e ' 410 ' -e 'not available' -e 'unknown revision' <<<"$reason"; then remember_failure "$key" "$reason"; fi
      echo "$tool: cannot download $module@$version from the Go module proxy: $reason" >&2
      return 1
    fi
    rm -f "$log"
  fi
  echo "$dir"
}
