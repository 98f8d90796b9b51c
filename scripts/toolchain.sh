#!/usr/bin/env bash
# Makes the Pulumi engine that node_modules asks for available on this machine: the pulumi CLI
# and the Node.js language host at the version of @pulumi/pulumi, and the kubernetes, tls,
# command and random plugins at the version in the "pulumi" field of each package.json.
#
# Usage: scripts/toolchain.sh [COMPONENT...]
#   COMPONENT: cli nodejs kubernetes tls command random (default: all; the engine needs all).
#
#   1. Locate, quickly, where each missing piece comes from: Pulumi's ordinary install (the
#      release download of the CLI and language host; `pulumi plugin install` for a plugin),
#      else a build from the Go module proxy (only the module version is resolved here).
#   2. If a piece has neither, say which and stop: nothing is built, since the engine is of no
#      use without every piece.
#   3. Download or build (CGO_ENABLED=0, HEPAF_GO_JOBS jobs, default 2) and install each piece
#      where Pulumi looks, then verify.
#
# A refused download or module version is remembered in $HEPAF_CACHE/failed/ (keyed by
# version) and not asked for again; HEPAF_RETRY=1 asks again.
#
# Environment: HEPAF_CACHE (default ~/.cache/hepaf: binaries, wrapper modules, logs, Go's
# caches), PULUMI_HOME (default ~/.pulumi), HEPAF_RETRY, HEPAF_GO_JOBS; GOPROXY and the other
# Go settings as the go command reads them.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export HEPAF_CACHE="${HEPAF_CACHE:-$HOME/.cache/hepaf}"
CACHE="$HEPAF_CACHE"
export PULUMI_HOME="${PULUMI_HOME:-$HOME/.pulumi}"
GO_JOBS="${HEPAF_GO_JOBS:-2}"
T0=$SECONDS
# shellcheck source=lib/progress.sh
. "$ROOT/scripts/lib/progress.sh"
# shellcheck source=lib/go-env.sh
. "$ROOT/scripts/lib/go-env.sh"

ALL=(cli nodejs kubernetes tls command random)
PROVIDERS=(kubernetes tls command random)
say() { printf '[toolchain %ds] %s\n' "$((SECONDS - T0))" "$*"; }
die() { printf 'toolchain: %s\n' "$*" >&2; exit 1; }
# The last lines of a log that say something (without go's download chatter), on one line.
log_tail() {
  grep -v -e '^## ' -e '^go: downloading' -e '^go: finding' -e '^go: extracting' "$1" 2>/dev/null | tail -n "${2:-4}" | tr '\n\t' '  ' | sed 's/  */ /g'
}

# --- what is asked for ------------------------------------------------------------------------
SELECTED=("$@")
[ "$#" -gt 0 ] || SELECTED=("${ALL[@]}")
for c in "${SELECTED[@]}"; do
  case "$c" in
    cli | nodejs | kubernetes | tls | command | random) ;;
    -h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) die "unknown component '$c' (use: ${ALL[*]})" ;;
  esac
done

command -v node >/dev/null 2>&1 || die "'node' is not on PATH"
pkg_field() { # pkg_field NPM-PACKAGE EXPRESSION
  local f="$ROOT/node_modules/$1/package.json"
  [ -f "$f" ] || die "$f is missing (run npm ci first)"
  node -e 'const p=require(process.argv[1]); const v=eval(process.argv[2]); if(!v){process.exit(3)} console.log(v)' "$f" "$2" || die "no $2 in $f"
}
declare -A VER LABEL SOURCE MODVER STATUS
PV="$(pkg_field @pulumi/pulumi p.version)"
VER[cli]="$PV" VER[nodejs]="$PV"
LABEL[cli]="pulumi CLI" LABEL[nodejs]="language host pulumi-language-nodejs"
for p in "${PROVIDERS[@]}"; do
  VER[$p]="$(pkg_field "@pulumi/$p" '(p.pulumi||{}).version')"
  LABEL[$p]="provider $p"
done
case "$(uname -m)" in x86_64 | amd64) ARCH=x64 ;; aarch64 | arm64) ARCH=arm64 ;; *) ARCH="$(uname -m)" ;; esac
OS="$(uname -s | tr '[:upper:]' '[:lower:]')"

mkdir -p "$CACHE/bin" "$CACHE/wrappers" "$CACHE/logs" || die "cannot create $CACHE"
exec 9>"$CACHE/.toolchain.lock"
flock -n 9 || { say "another toolchain run holds $CACHE/.toolchain.lock; waiting"; flock 9; }

CLI_DIR="$PULUMI_HOME/versions/$PV/bin"
CLI="$CLI_DIR/pulumi"
CLI_CACHE="$CACHE/bin/pulumi-v$PV"
have_exe() { [ -x "$1" ] && [ -s "$1" ]; }
plugin_dir() { printf '%s/plugins/resource-%s-v%s' "$PULUMI_HOME" "$1" "${VER[$1]}"; }
installed() {
  case "$1" in
    cli) have_exe "$CLI" ;;
    nodejs) have_exe "$CLI_DIR/pulumi-language-nodejs" ;;
    *) have_exe "$(plugin_dir "$1")/pulumi-resource-$1" && [ ! -e "$(plugin_dir "$1").partial" ] ;;
  esac
}
install_exe() { mkdir -p "$(dirname "$2")" && cp -f "$1" "$2.tmp.$$" && chmod 0755 "$2.tmp.$$" && mv -f "$2.tmp.$$" "$2"; }

# --- Pulumi's ordinary install -----------------------------------------------------------------
# The release tarball holds the CLI and the language hosts. Tried once per version.
OFFICIAL_KEY="pulumi-release-v$PV-$OS-$ARCH"
official_release() {
  have_exe "$CLI_CACHE/pulumi" && have_exe "$CLI_CACHE/pulumi-language-nodejs" && return 0
  if failed_before "$OFFICIAL_KEY"; then
    say "skipping Pulumi's release download of v$PV: it failed before ($FAILED_BEFORE); HEPAF_RETRY=1 tries again"
    return 1
  fi
  local url="https://get.pulumi.com/releases/sdk/pulumi-v$PV-$OS-$ARCH.tar.gz" tmp log="$CACHE/logs/release-v$PV.log"
  tmp="$(mktemp -d "$CACHE/wrappers/release.XXXXXX")" || return 1
  if progress_run "[toolchain]" "downloading $url" curl -fsSL --connect-timeout 10 --stderr "$log" -o "$tmp/p.tgz" "$url" &&
    tar -xzf "$tmp/p.tgz" -C "$tmp" 2>>"$log" && have_exe "$tmp/pulumi/pulumi" && have_exe "$tmp/pulumi/pulumi-language-nodejs"; then
    install_exe "$tmp/pulumi/pulumi" "$CLI_CACHE/pulumi" && install_exe "$tmp/pulumi/pulumi-language-nodejs" "$CLI_CACHE/pulumi-language-nodejs"
    rm -rf "$tmp"
    return 0
  fi
  rm -rf "$tmp"
  remember_failure "$OFFICIAL_KEY" "$(log_tail "$log" 1 | cut -c1-200)"
  say "  Pulumi's release download failed: $(log_tail "$log" 1 | cut -c1-200)"
  return 1
}

# `pulumi plugin install`, with whatever pulumi CLI is installed. Tried once per version.
official_plugin() {
  local name="$1" v="${VER[$1]}" key="plugin-install-$1-v${VER[$1]}" log="$CACHE/logs/$1-v${VER[$1]}.log" cli="$CLI"
  have_exe "$cli" || cli="$CLI_CACHE/pulumi"
  have_exe "$cli" || return 1
  if failed_before "$key"; then
    say "skipping pulumi plugin install of $name v$v: it failed before ($FAILED_BEFORE); HEPAF_RETRY=1 tries again"
    return 1
  fi
  if progress_run "[toolchain]" "pulumi plugin install resource $name $v" \
    bash -c 'PULUMI_SKIP_UPDATE_CHECK=true "$1" plugin install resource "$2" "$3" >"$4" 2>&1' _ "$cli" "$name" "$v" "$log" && installed "$name"; then
    return 0
  fi
  rm -rf "$(plugin_dir "$name")" "$(plugin_dir "$name").partial"
  remember_failure "$key" "$(log_tail "$log" 1 | cut -c1-200)"
  return 1
}

# --- the Go module proxy -----------------------------------------------------------------------
GO_READY=""
go_setup() {
  [ -n "$GO_READY" ] && return 0
  command -v go >/dev/null 2>&1 || return 1
  hepaf_go_env
  mkdir -p "$CACHE/go/query"
  GO_READY=1
}
# goinfo MODULE@QUERY -> "VERSION TIME COMMIT" (errors to $LOG)
goinfo() {
  (cd "$CACHE/go/query" && timeout 180 go list -m \
    -f '{{.Version}} {{if .Time}}{{.Time.UTC.Format "20060102150405"}}{{else}}-{{end}} {{with .Origin}}{{.Hash}}{{else}}-{{end}}' "$1") 2>>"$LOG"
}
# resolve MODULE TAG CANDIDATE... -> RESOLVED: the tag itself, else the pseudo-version of the
# commit that a tagged module of the same release (a CANDIDATE such as sdk/v3@TAG) comes from.
resolve() {
  local mod="$1" tag="$2" out major info t h c
  shift 2
  RESOLVED=""
  echo "## resolve $mod@$tag" >>"$LOG"
  if out="$(goinfo "$mod@$tag")"; then RESOLVED="${out%% *}"; return 0; fi
  major="${mod##*/}"
  case "$major" in v[2-9] | v[1-9][0-9]) major="${major#v}" ;; *) major=0 ;; esac
  for c in "$@"; do
    info="$(goinfo "$c")" || continue
    read -r _ t h <<<"$info"
    [ "$h" != "-" ] && [ "$t" != "-" ] || continue
    if out="$(goinfo "$mod@v$major.0.0-$t-${h:0:12}")"; then RESOLVED="${out%% *}"; return 0; fi
  done
  return 1
}
# The module of each component, and the tagged modules whose commit names its release.
module_of() {
  local v="${VER[$1]}" major repo
  case "$1" in
    cli) echo "github.com/pulumi/pulumi/pkg/v3 v$v" ;;
    nodejs) echo "github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3 v$v github.com/pulumi/pulumi/pkg/v3@v$v github.com/pulumi/pulumi/sdk/v3@v$v" ;;
    *)
      major="${v%%.*}" repo="github.com/pulumi/pulumi-$1"
      if [ "$major" -ge 2 ]; then
        echo "$repo/provider/v$major v$v $repo@v$v+incompatible $repo/sdk/v$major@v$v"
      else
        echo "$repo/provider v$v $repo@v$v $repo/sdk@v$v"
      fi
      ;;
  esac
}
# locate_module COMPONENT -> MODVER[COMPONENT] "MODULE VERSION", or a remembered refusal.
locate_module() {
  local comp="$1" key="module-$1-v${VER[$1]}" mod tag cands
  if failed_before "$key"; then
    REASON="the Go module proxy refused it before ($FAILED_BEFORE); HEPAF_RETRY=1 asks again"
    return 1
  fi
  go_setup || { REASON="it cannot be built here: 'go' is not on PATH"; return 1; }
  say "resolving ${LABEL[$comp]} v${VER[$comp]} on the Go module proxy"
  read -r mod tag cands <<<"$(module_of "$comp")"
  LOG="$CACHE/logs/$comp-v${VER[$comp]}.log"
  : >"$LOG"
  # shellcheck disable=SC2086
  if resolve "$mod" "$tag" $cands; then
    MODVER[$comp]="$mod $RESOLVED"
    return 0
  fi
  REASON="the Go module proxy serves no version of $mod for $tag: $(log_tail "$LOG" 2 | sed "s#.*: \(4[0-9][0-9] \)#\1#" | cut -c1-200)"
  # A refusal (403/404/410, unknown revision) is remembered; a network failure is not.
  if grep -q -e ' 403 ' -e ' 404 ' -e ' 410 ' -e 'not available' -e 'unknown revision' -e 'invalid version' "$LOG"; then
    remember_failure "$key" "$REASON"
  fi
  return 1
}

# make_wrapper COMPONENT MODULE VERSION -> WRAP: a module of our own that requires MODULE@VERSION
# with MODULE's replace lines (a dependency's own replaces do not apply to its users); a replace
# by a local directory (pkg/v3's ../sdk) becomes the same release of that module from the proxy.
make_wrapper() {
  local comp="$1" mod="$2" modver="$3" json gomod old oldv new newv _m tag cands
  WRAP="$CACHE/wrappers/$comp-v${VER[$comp]}"
  rm -rf "$WRAP" && mkdir -p "$WRAP" || return 1
  json="$(cd "$CACHE/go/query" && go mod download -json "$mod@$modver" 2>>"$LOG")" || return 1
  MOD_DIR="$(node -e 'console.log(JSON.parse(require("fs").readFileSync(0,"utf8")).Dir||"")' <<<"$json")"
  gomod="$(node -e 'console.log(JSON.parse(require("fs").readFileSync(0,"utf8")).GoMod||"")' <<<"$json")"
  printf 'module hepaf.invalid/toolchain/%s\n\ngo %s\n\nrequire %s %s\n' "$comp" \
    "$(sed -n 's/^go \([0-9][0-9.]*\).*/\1/p' "$gomod" | head -n 1)" "$mod" "$modver" >"$WRAP/go.mod"
  while IFS='|' read -r old oldv new newv; do
    [ -n "$old" ] || continue
    if [ -z "$newv" ]; then
      read -r _m tag cands <<<"$(module_of "$comp")"
      # shellcheck disable=SC2086
      if ! resolve "$old" "$tag" $cands; then
        echo "## $mod replaces $old by the local directory $new; the module proxy serves no $old of $tag" >>"$LOG"
        return 1
      fi
      new="$old" newv="$RESOLVED"
    fi
    (cd "$WRAP" && go mod edit -replace "$old${oldv:+@$oldv}=$new@$newv") || return 1
  done < <(go mod edit -json "$gomod" | node -e '
    const j = JSON.parse(require("fs").readFileSync(0, "utf8"));
    for (const r of j.Replace || []) console.log([r.Old.Path, r.Old.Version || "", r.New.Path, r.New.Version || ""].join("|"));')
}

# build_module COMPONENT OUTPUT: builds the component's main package in its wrapper.
build_module() {
  local comp="$1" out="$2" mod modver pkg ldflags
  read -r mod modver <<<"${MODVER[$comp]}"
  LOG="$CACHE/logs/$comp-v${VER[$comp]}.log"
  make_wrapper "$comp" "$mod" "$modver" || { REASON="preparing $mod@$modver failed: $(log_tail "$LOG" 2)"; return 1; }
  case "$comp" in
    cli) pkg="$mod/cmd/pulumi" ldflags="-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PV" ;;
    nodejs) pkg="$mod" ldflags="-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PV" ;;
    *)
      pkg="$mod/cmd/pulumi-resource-$comp" ldflags="-X $mod/pkg/version.Version=${VER[$comp]}"
      if [ -f "$MOD_DIR/cmd/pulumi-resource-$comp/generate.go" ]; then
        # Its main embeds files the repository generates and the module zip lacks: build a
        # copy of the main package with them generated by its own generate.go.
        mkdir -p "$WRAP/main" && find "$MOD_DIR/cmd/pulumi-resource-$comp" -maxdepth 1 -type f -exec cp -f {} "$WRAP/main/" \; && chmod -R u+w "$WRAP/main"
        (cd "$WRAP/main" && VERSION="${VER[$comp]}" nice -n 10 go run -mod=mod ./generate.go) >>"$LOG" 2>&1 ||
          { REASON="generating its embedded files failed: $(log_tail "$LOG" 4)"; return 1; }
        rm -f "$WRAP/main/generate.go"
        pkg="./main"
      fi
      ;;
  esac
  mkdir -p "$(dirname "$out")"
  if ! progress_run "[toolchain]" "building ${LABEL[$comp]} v${VER[$comp]} from $mod@$modver (go build -p $GO_JOBS; the first build takes many minutes)" \
    bash -c 'cd "$1" && nice -n 10 go build -p "$2" -mod=mod -trimpath -ldflags "-s -w $3" -o "$4.tmp" "$5" >>"$6" 2>&1' _ "$WRAP" "$GO_JOBS" "$ldflags" "$out" "$pkg" "$LOG"; then
    rm -f "$out.tmp"
    REASON="go build failed: $(log_tail "$LOG" 6)"
    return 1
  fi
  mv -f "$out.tmp" "$out"
}

install_plugin() { # install_plugin NAME BINARY
  local d tmp
  d="$(plugin_dir "$1")" tmp="$PULUMI_HOME/plugins/.hepaf-tmp-$1-$$"
  rm -rf "$tmp" && mkdir -p "$tmp" && install_exe "$2" "$tmp/pulumi-resource-$1" && rm -rf "$d" "$d.partial" && mv "$tmp" "$d"
}

# --- 1. locate ---------------------------------------------------------------------------------
say "pulumi v$PV; plugins: $(for p in "${PROVIDERS[@]}"; do printf '%s v%s ' "$p" "${VER[$p]}"; done)(PULUMI_HOME=$PULUMI_HOME, cache $CACHE)"
MISSING=()
for c in "${SELECTED[@]}"; do
  if installed "$c"; then STATUS[$c]="installed"; else MISSING+=("$c"); fi
done
UNAVAILABLE=()
RELEASE_TRIED="" RELEASE_OK=""
for c in "${MISSING[@]}"; do
  case "$c" in
    cli | nodejs)
      if [ -z "$RELEASE_TRIED" ]; then
        RELEASE_TRIED=1
        official_release && RELEASE_OK=1
      fi
      if [ -n "$RELEASE_OK" ]; then SOURCE[$c]=release; continue; fi
      ;;
    *)
      # Plugins come from the same release host as the CLI: when its download failed, so would theirs.
      if [ -z "$RELEASE_TRIED" ] || [ -n "$RELEASE_OK" ]; then
        if official_plugin "$c"; then SOURCE[$c]=plugin-install STATUS[$c]="installed by pulumi plugin install"; continue; fi
      fi
      ;;
  esac
  if locate_module "$c"; then
    SOURCE[$c]=module
  else
    UNAVAILABLE+=("${LABEL[$c]} v${VER[$c]}: $REASON")
  fi
done

# --- 2. stop early when a piece cannot be had --------------------------------------------------
if [ "${#UNAVAILABLE[@]}" -gt 0 ]; then
  say "the Pulumi engine cannot be made here; nothing was built"
  for u in "${UNAVAILABLE[@]}"; do printf 'toolchain: cannot provide %s\n' "$u" >&2; done
  exit 1
fi

# --- 3. obtain and install ---------------------------------------------------------------------
FAILURES=()
for c in "${MISSING[@]}"; do
  case "${SOURCE[$c]}" in
    plugin-install) continue ;;
    release)
      exe=pulumi
      [ "$c" = nodejs ] && exe=pulumi-language-nodejs
      install_exe "$CLI_CACHE/$exe" "$CLI_DIR/$exe" && STATUS[$c]="installed from Pulumi's release" || FAILURES+=("${LABEL[$c]}: cannot write $CLI_DIR/$exe")
      ;;
    module)
      if [ "$c" = cli ] || [ "$c" = nodejs ]; then
        exe=pulumi
        [ "$c" = nodejs ] && exe=pulumi-language-nodejs
        out="$CLI_CACHE/$exe"
      else
        out="$CACHE/bin/$c-v${VER[$c]}/pulumi-resource-$c"
      fi
      if ! have_exe "$out" && ! build_module "$c" "$out"; then
        FAILURES+=("${LABEL[$c]} v${VER[$c]}: $REASON (log: $LOG)")
        continue
      fi
      if [ "$c" = cli ] || [ "$c" = nodejs ]; then install_exe "$out" "$CLI_DIR/$exe"; else install_plugin "$c" "$out"; fi &&
        STATUS[$c]="built from ${MODVER[$c]/ /@}" || FAILURES+=("${LABEL[$c]}: cannot install $out")
      ;;
  esac
done
if have_exe "$CLI" && [ "$("$CLI" version 2>/dev/null | tail -n 1)" != "v$PV" ]; then
  FAILURES+=("${LABEL[cli]}: '$CLI version' does not print v$PV")
fi

echo "toolchain summary (PULUMI_HOME=$PULUMI_HOME, $((SECONDS - T0))s)"
for c in "${SELECTED[@]}"; do printf '  %-11s v%-9s %s\n' "$c" "${VER[$c]}" "${STATUS[$c]:-FAILED}"; done
if [ "${#FAILURES[@]}" -gt 0 ]; then
  for f in "${FAILURES[@]}"; do printf 'toolchain: cannot provide %s\n' "$f" >&2; done
  exit 1
fi
echo "toolchain: ready; use it with: . scripts/env.sh"
