#!/usr/bin/env bash
# Make the Pulumi engine that node_modules asks for available on this machine:
#   - the pulumi CLI and the Node.js language host, at the version of @pulumi/pulumi;
#   - the resource plugins of @pulumi/{kubernetes,tls,command,random}, at the version in the
#     "pulumi" field of each package.json.
#
# Usage: scripts/toolchain.sh [COMPONENT...]
#   COMPONENT is one of: cli nodejs kubernetes tls command random (default: all of them).
#   Needs node_modules (npm ci) and, to build anything, a Go toolchain.
#
# For each component it first tries Pulumi's normal download (short time-out), then builds it
# from the Go module proxy with the ordinary `go` client, in a wrapper module generated under
# the cache directory (never in the repository). Results are cached by version, so a second run
# only checks and verifies.
#
# Environment:
#   HEPAF_CACHE           cache root (default $HOME/.cache/hepaf): binaries, wrapper modules,
#                         logs, and Go's module cache (go/mod) and build cache (go/build)
#   PULUMI_HOME           where Pulumi looks (default $HOME/.pulumi)
#   HEPAF_OFFICIAL_TIMEOUT  seconds for each normal-download attempt (default 20; 0 skips them)
#   HEPAF_GO_JOBS         go build -p (default 2)
#   HEPAF_GOVERSION_<C>   use this Go module version for component <C> (e.g.
#                         HEPAF_GOVERSION_KUBERNETES=v4.0.0-2026...-abcdef123456) instead of
#                         resolving it; C is CLI, NODEJS, KUBERNETES, TLS, COMMAND or RANDOM
#   HEPAF_VERSION_<C>     for experiments only: build/install this version instead of the one
#                         node_modules asks for
#   GOPROXY, GOSUMDB, ... are honoured as the go command reads them.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${HEPAF_CACHE:-$HOME/.cache/hepaf}"
export PULUMI_HOME="${PULUMI_HOME:-$HOME/.pulumi}"
OFFICIAL_TIMEOUT="${HEPAF_OFFICIAL_TIMEOUT:-20}"
GO_JOBS="${HEPAF_GO_JOBS:-2}"
QUERY_TIMEOUT="${HEPAF_GO_QUERY_TIMEOUT:-180}"
T0=$SECONDS

ALL_COMPONENTS=(cli nodejs kubernetes tls command random)
PROVIDERS=(kubernetes tls command random)

say() { printf '[toolchain %ds] %s\n' "$((SECONDS - T0))" "$*"; }

FAILURES=()
# fail STEP COMPONENT-LABEL VERSION DETAIL
fail() {
  local msg="toolchain: FAILED $1 $2 v$3: $4"
  FAILURES+=("$msg")
  say "FAILED $1 $2 v$3 (details at the end)"
}
die() {
  printf 'toolchain: FAILED %s\n' "$*" >&2
  exit 1
}
# Last lines of a log that say something (go prints "go: downloading" chatter).
log_tail() {
  local lines
  lines="$(grep -v -e '^## ' -e '^go: downloading' -e '^go: finding' -e '^go: extracting' "$1" 2>/dev/null | tail -n "${2:-8}")"
  printf '%s' "$lines" | tr '\n\t' '  ' | sed 's/  */ /g'
}

# ---------------------------------------------------------------------------------------------
# Arguments and versions (read from node_modules at run time)
# ---------------------------------------------------------------------------------------------
SELECTED=()
if [ "$#" -eq 0 ]; then
  SELECTED=("${ALL_COMPONENTS[@]}")
else
  for a in "$@"; do
    case "$a" in
      cli | nodejs | kubernetes | tls | command | random) SELECTED+=("$a") ;;
      -h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; exit 0 ;;
      *) die "reading arguments: unknown component '$a' (use: ${ALL_COMPONENTS[*]})" ;;
    esac
  done
fi
selected() { local c; for c in "${SELECTED[@]}"; do [ "$c" = "$1" ] && return 0; done; return 1; }

command -v node >/dev/null 2>&1 || die "reading versions: 'node' is not on PATH"
pkg_field() { # pkg_field NPM-PACKAGE EXPRESSION
  local f="$ROOT/node_modules/$1/package.json"
  [ -f "$f" ] || die "reading versions: $f is missing (run npm ci first)"
  node -e 'const p=require(process.argv[1]); const v=eval(process.argv[2]); if(!v){process.exit(3)} console.log(v)' "$f" "$2" ||
    die "reading versions: no $2 in $f"
}
declare -A VER LABEL
PV="${HEPAF_VERSION_CLI:-$(pkg_field @pulumi/pulumi p.version)}"
VER[cli]="$PV"
VER[nodejs]="$PV"
LABEL[cli]="pulumi CLI"
LABEL[nodejs]="language host pulumi-language-nodejs"
for p in "${PROVIDERS[@]}"; do
  if selected "$p"; then
    envvar="HEPAF_VERSION_${p^^}"
    VER[$p]="${!envvar:-$(pkg_field "@pulumi/$p" '(p.pulumi||{}).version')}"
  fi
  LABEL[$p]="provider $p"
done

case "$(uname -m)" in
  x86_64 | amd64) ARCH=x64 ;;
  aarch64 | arm64) ARCH=arm64 ;;
  *) ARCH="$(uname -m)" ;;
esac
case "$(uname -s)" in
  Linux) OS=linux ;;
  Darwin) OS=darwin ;;
  *) OS="$(uname -s | tr '[:upper:]' '[:lower:]')" ;;
esac

mkdir -p "$CACHE/bin" "$CACHE/wrappers" "$CACHE/logs" "$CACHE/resolved" || die "preparing: cannot create $CACHE"
exec 9>"$CACHE/.toolchain.lock"
if ! flock -n 9; then
  say "another toolchain run holds $CACHE/.toolchain.lock; waiting"
  flock 9
fi

CLI_DIR="$PULUMI_HOME/versions/$PV/bin"
CLI="$CLI_DIR/pulumi"
PLUGINS="$PULUMI_HOME/plugins"
CLI_CACHE="$CACHE/bin/pulumi-v$PV"

declare -A STATUS SOURCE SECS
plugin_dir() { printf '%s/resource-%s-v%s' "$PLUGINS" "$1" "${VER[$1]}"; }
plugin_bin() { printf '%s/pulumi-resource-%s' "$(plugin_dir "$1")" "$1"; }
have_exe() { [ -x "$1" ] && [ -s "$1" ]; }

# ---------------------------------------------------------------------------------------------
# Go: environment, module resolution, wrapper builds
# ---------------------------------------------------------------------------------------------
GO_READY=""
go_setup() { # go_setup LABEL VERSION
  [ -n "$GO_READY" ] && return 0
  if ! command -v go >/dev/null 2>&1; then
    fail "checking Go toolchain for" "$1" "$2" "'go' is not on PATH; Go >= 1.25 is needed to build from the Go module proxy"
    return 1
  fi
  export GOMODCACHE="${HEPAF_GOMODCACHE:-$CACHE/go/mod}"
  export GOCACHE="${HEPAF_GOCACHE:-$CACHE/go/build}"
  export CGO_ENABLED=0 GOTOOLCHAIN=local GOWORK=off GOFLAGS=-buildvcs=false GIT_TERMINAL_PROMPT=0
  mkdir -p "$CACHE/go/query"
  say "using $(go env GOVERSION) with GOPROXY=$(go env GOPROXY)"
  GO_READY=1
}

# goinfo MODULE@QUERY -> "VERSION TIME(YYYYMMDDhhmmss) COMMIT", errors appended to $LOG
goinfo() {
  (cd "$CACHE/go/query" && timeout "$QUERY_TIMEOUT" go list -m \
    -f '{{.Version}} {{if .Time}}{{.Time.UTC.Format "20060102150405"}}{{else}}-{{end}} {{with .Origin}}{{.Hash}}{{else}}-{{end}}' \
    "$1") 2>>"$LOG"
}

# resolve MODULE TAG CANDIDATE... -> sets RESOLVED to the module version to use.
# Tries the tag itself, then the pseudo-version of the commit that each candidate module@TAG
# (a tagged module of the same repository and release) comes from: a listed version with that
# commit hash, or the pseudo-version vMAJOR.0.0-TIME-HASH computed from it.
RESOLVE_TRIED="" RESOLVED=""
resolve() {
  local mod="$1" tag="$2" out major hashes="" times="" c info t h v
  shift 2
  RESOLVE_TRIED="$mod@$tag" RESOLVED=""
  echo "## resolve $mod@$tag" >>"$LOG"
  if out="$(goinfo "$mod@$tag")"; then
    RESOLVED="${out%% *}"
    return 0
  fi
  major="${mod##*/}"
  case "$major" in v[2-9] | v[1-9][0-9]) major="${major#v}" ;; *) major=0 ;; esac
  for c in "$@"; do
    if info="$(goinfo "$c")"; then
      read -r _ t h <<<"$info"
      if [ "$h" != "-" ] && [ "$t" != "-" ]; then
        echo "## $c -> commit $h ($t)" >>"$LOG"
        hashes="$hashes ${h:0:12}"
        times="$times $t"
      fi
    fi
  done
  [ "$#" -gt 0 ] || return 1
  # The module's "latest" on the proxy: used when it is one of the candidate commits.
  local latest
  latest="$(goinfo "$mod@latest")" || latest=""
  latest="${latest%% *}"
  if [ -z "$hashes" ]; then
    RESOLVE_TRIED="$RESOLVE_TRIED (and the commit of $tag is unknown: the proxy serves none of $*"
    [ -n "$latest" ] && RESOLVE_TRIED="$RESOLVE_TRIED; its latest version of $mod is $latest, not known to be $tag"
    RESOLVE_TRIED="$RESOLVE_TRIED)"
    return 1
  fi
  for h in $hashes; do
    case "$latest" in *-"$h") RESOLVED="$latest"; return 0 ;; esac
  done
  local -a ha ta
  read -r -a ha <<<"$hashes"
  read -r -a ta <<<"$times"
  local i
  for i in "${!ha[@]}"; do
    v="v$major.0.0-${ta[$i]}-${ha[$i]}"
    RESOLVE_TRIED="$RESOLVE_TRIED, $mod@$v"
    if out="$(goinfo "$mod@$v")"; then
      RESOLVED="${out%% *}"
      return 0
    fi
  done
  return 1
}

# modinfo MODULE@VERSION -> sets MOD_DIR and MOD_GOMOD (downloads the module zip)
modinfo() {
  local json
  json="$(cd "$CACHE/go/query" && timeout "${HEPAF_GO_DOWNLOAD_TIMEOUT:-900}" go mod download -json "$1" 2>>"$LOG")" || return 1
  MOD_DIR="$(node -e 'const j=JSON.parse(require("fs").readFileSync(0,"utf8")); console.log(j.Dir||"")' <<<"$json")"
  MOD_GOMOD="$(node -e 'const j=JSON.parse(require("fs").readFileSync(0,"utf8")); console.log(j.GoMod||"")' <<<"$json")"
  [ -n "$MOD_DIR" ] && [ -d "$MOD_DIR" ]
}

# make_wrapper COMPONENT MODULE MODVERSION TAG CANDIDATE... -> sets WRAP (a fresh wrapper module
# requiring MODULE@MODVERSION, with MODULE's non-local replace lines; each local replace, which
# a dependency's go.mod cannot carry, becomes the same release of that module from the proxy,
# or an empty stand-in module when the proxy has none).
make_wrapper() {
  local comp="$1" mod="$2" modver="$3" tag="$4"
  shift 4
  WRAP="$CACHE/wrappers/$comp-v${VER[$comp]}"
  rm -rf "$WRAP" && mkdir -p "$WRAP" || return 1
  modinfo "$mod@$modver" || return 1
  local gover
  gover="$(sed -n 's/^go \([0-9][0-9.]*\).*/\1/p' "$MOD_GOMOD" | head -n 1)"
  printf 'module hepaf.invalid/toolchain/%s\n\ngo %s\n\nrequire %s %s\n' "$comp" "${gover:-1.25}" "$mod" "$modver" >"$WRAP/go.mod"
  local old oldv new newv lv n=0
  while IFS='|' read -r old oldv new newv; do
    [ -n "$old" ] || continue
    local lhs="$old"
    [ -n "$oldv" ] && lhs="$old@$oldv"
    if [ -n "$newv" ]; then
      (cd "$WRAP" && go mod edit -replace "$lhs=$new@$newv") || return 1
      continue
    fi
    # local replace (=> ./dir or ../dir): same release of that module from the proxy
    local -a cands=()
    local c
    for c in "$@"; do cands+=("$c"); done
    if resolve "$old" "$tag" "${cands[@]}"; then
      lv="$RESOLVED"
      echo "## local replace $old => $new: using $old@$lv" >>"$LOG"
      (cd "$WRAP" && go mod edit -replace "$lhs=$old@$lv") || return 1
    else
      n=$((n + 1))
      echo "## local replace $old => $new: not served; empty stand-in module" >>"$LOG"
      say "  note: $old (local '$new' in $mod) is not served by the module proxy; using an empty stand-in"
      mkdir -p "$WRAP/standin$n"
      printf 'module %s\n' "$old" >"$WRAP/standin$n/go.mod"
      (cd "$WRAP" && go mod edit -replace "$lhs=./standin$n") || return 1
    fi
  done < <(go mod edit -json "$MOD_GOMOD" | node -e '
    const j = JSON.parse(require("fs").readFileSync(0, "utf8"));
    for (const r of j.Replace || []) console.log([r.Old.Path, r.Old.Version || "", r.New.Path, r.New.Version || ""].join("|"));')
  return 0
}

# gobuild COMPONENT PACKAGE OUTPUT LDFLAGS
gobuild() {
  local tmp="$3.tmp.$$"
  mkdir -p "$(dirname "$3")"
  if (cd "$WRAP" && nice -n "${HEPAF_NICE:-10}" go build -p "$GO_JOBS" -mod=mod -trimpath \
    -ldflags "-s -w $4" -o "$tmp" "$2") >>"$LOG" 2>&1; then
    mv -f "$tmp" "$3"
  else
    rm -f "$tmp"
    return 1
  fi
}

# ---------------------------------------------------------------------------------------------
# Components
# ---------------------------------------------------------------------------------------------
install_exe() { # install_exe SRC DST
  mkdir -p "$(dirname "$2")" && cp -f "$1" "$2.tmp.$$" && chmod 0755 "$2.tmp.$$" && mv -f "$2.tmp.$$" "$2"
}

# The CLI release tarball holds both the CLI and the language hosts.
OFFICIAL_CLI_TRIED=""
official_cli() {
  [ "$OFFICIAL_TIMEOUT" -gt 0 ] 2>/dev/null || return 1
  [ -z "$OFFICIAL_CLI_TRIED" ] || return 1
  OFFICIAL_CLI_TRIED=1
  local url="https://get.pulumi.com/releases/sdk/pulumi-v$PV-$OS-$ARCH.tar.gz" tmp
  say "trying the normal download of pulumi v$PV ($url, ${OFFICIAL_TIMEOUT}s)"
  tmp="$(mktemp -d "$CACHE/wrappers/official.XXXXXX")" || return 1
  if curl -fsSL --connect-timeout 5 --max-time "$OFFICIAL_TIMEOUT" -o "$tmp/p.tgz" "$url" >>"$LOG" 2>&1 &&
    tar -xzf "$tmp/p.tgz" -C "$tmp" >>"$LOG" 2>&1 &&
    have_exe "$tmp/pulumi/pulumi" && have_exe "$tmp/pulumi/pulumi-language-nodejs"; then
    mkdir -p "$CLI_CACHE"
    install_exe "$tmp/pulumi/pulumi" "$CLI_CACHE/pulumi"
    install_exe "$tmp/pulumi/pulumi-language-nodejs" "$CLI_CACHE/pulumi-language-nodejs"
    rm -rf "$tmp"
    return 0
  fi
  rm -rf "$tmp"
  say "  normal download failed: $(log_tail "$LOG" 1 | cut -c1-200)"
  return 1
}

build_cli() {
  local label="${LABEL[cli]}"
  go_setup "$label" "$PV" || return 1
  local mod="github.com/pulumi/pulumi/pkg/v3" modver
  say "resolving $mod@v$PV on the Go module proxy"
  modver="${HEPAF_GOVERSION_CLI:-}"
  if [ -z "$modver" ] && resolve "$mod" "v$PV"; then modver="$RESOLVED"; fi
  if [ -z "$modver" ]; then
    fail resolving "$label" "$PV" "no usable version on the Go module proxy (tried $RESOLVE_TRIED): $(log_tail "$LOG" 2)"
    return 1
  fi
  echo "$mod@$modver" >"$CACHE/resolved/cli-v$PV"
  say "downloading $mod@$modver and preparing the wrapper module"
  if ! make_wrapper cli "$mod" "$modver" "v$PV" "github.com/pulumi/pulumi/sdk/v3@v$PV"; then
    fail downloading "$label" "$PV" "$(log_tail "$LOG" 3)"
    return 1
  fi
  say "building pulumi v$PV (go build -p $GO_JOBS; the first build takes a while) ..."
  if ! gobuild cli "$mod/cmd/pulumi" "$CLI_CACHE/pulumi" \
    "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PV"; then
    fail building "$label" "$PV" "$(log_tail "$LOG" 8)"
    return 1
  fi
}

build_nodejs() {
  local label="${LABEL[nodejs]}"
  go_setup "$label" "$PV" || return 1
  local mod="github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3" modver
  say "resolving $mod for v$PV on the Go module proxy (untagged: pseudo-version of the v$PV commit)"
  modver="${HEPAF_GOVERSION_NODEJS:-}"
  if [ -z "$modver" ] && resolve "$mod" "v$PV" \
    "github.com/pulumi/pulumi/pkg/v3@v$PV" "github.com/pulumi/pulumi/sdk/v3@v$PV" "github.com/pulumi/pulumi@v$PV+incompatible"; then
    modver="$RESOLVED"
  fi
  if [ -z "$modver" ]; then
    fail resolving "$label" "$PV" "no usable version on the Go module proxy (tried $RESOLVE_TRIED): $(log_tail "$LOG" 2)"
    return 1
  fi
  echo "$mod@$modver" >"$CACHE/resolved/nodejs-v$PV"
  say "downloading $mod@$modver and preparing the wrapper module"
  if ! make_wrapper nodejs "$mod" "$modver" "v$PV" "github.com/pulumi/pulumi/pkg/v3@v$PV"; then
    fail downloading "$label" "$PV" "$(log_tail "$LOG" 3)"
    return 1
  fi
  say "building pulumi-language-nodejs v$PV ..."
  if ! gobuild nodejs "$mod" "$CLI_CACHE/pulumi-language-nodejs" \
    "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PV"; then
    fail building "$label" "$PV" "$(log_tail "$LOG" 8)"
    return 1
  fi
}

ensure_cli() { # ensure_cli COMPONENT (cli or nodejs)
  local comp="$1" exe dst
  if [ "$comp" = cli ]; then exe=pulumi; else exe=pulumi-language-nodejs; fi
  dst="$CLI_DIR/$exe"
  if have_exe "$dst"; then
    STATUS[$comp]=ok SOURCE[$comp]="already installed"
    return 0
  fi
  local t=$SECONDS
  LOG="$CACHE/logs/$comp-v$PV.log"
  if ! have_exe "$CLI_CACHE/$exe"; then
    : >"$LOG"
    if ! official_cli; then
      if [ "$comp" = cli ]; then build_cli; else build_nodejs; fi || {
        STATUS[$comp]=FAILED SOURCE[$comp]="see $LOG" SECS[$comp]=$((SECONDS - t))
        return 1
      }
      SOURCE[$comp]="built from the Go module proxy ($(cut -d@ -f2 "$CACHE/resolved/$comp-v$PV"))"
    else
      SOURCE[$comp]="normal download"
    fi
  else
    SOURCE[$comp]="cache"
  fi
  say "installing $exe v$PV into $CLI_DIR"
  install_exe "$CLI_CACHE/$exe" "$dst" || {
    fail installing "${LABEL[$comp]}" "$PV" "cannot write $dst"
    STATUS[$comp]=FAILED
    return 1
  }
  # $PULUMI_HOME/bin/<exe>: a symlink, unless a real file of someone else's install is there.
  mkdir -p "$PULUMI_HOME/bin"
  if [ -L "$PULUMI_HOME/bin/$exe" ] || [ ! -e "$PULUMI_HOME/bin/$exe" ]; then
    ln -sfn "../versions/$PV/bin/$exe" "$PULUMI_HOME/bin/$exe"
  fi
  STATUS[$comp]=ok SECS[$comp]=$((SECONDS - t))
}

# Provider modules live in provider/ (major >= 2: provider/vN) of github.com/pulumi/pulumi-NAME.
build_provider() {
  local name="$1" v="${VER[$1]}" label="${LABEL[$1]}"
  go_setup "$label" "$v" || return 1
  local major="${v%%.*}" repo="github.com/pulumi/pulumi-$name" mod sdk root
  if [ "$major" -ge 2 ]; then
    mod="$repo/provider/v$major" sdk="$repo/sdk/v$major@v$v" root="$repo@v$v+incompatible"
  else
    mod="$repo/provider" sdk="$repo/sdk@v$v" root="$repo@v$v"
  fi
  local envvar="HEPAF_GOVERSION_${name^^}" modver
  modver="${!envvar:-}"
  say "resolving $mod for v$v on the Go module proxy (no provider tags: pseudo-version of the v$v commit)"
  if [ -z "$modver" ] && resolve "$mod" "v$v" "$root" "$sdk"; then modver="$RESOLVED"; fi
  if [ -z "$modver" ]; then
    fail resolving "$label" "$v" "no usable version on the Go module proxy (tried $RESOLVE_TRIED): $(log_tail "$LOG" 2)"
    return 1
  fi
  echo "$mod@$modver" >"$CACHE/resolved/$name-v$v"
  say "downloading $mod@$modver and preparing the wrapper module"
  if ! make_wrapper "$name" "$mod" "$modver" "v$v" "$root" "$sdk"; then
    fail downloading "$label" "$v" "$(log_tail "$LOG" 3)"
    return 1
  fi
  local cmd="cmd/pulumi-resource-$name" pkg out="$CACHE/bin/$name-v$v/pulumi-resource-$name"
  pkg="$mod/$cmd"
  if [ -f "$MOD_DIR/$cmd/generate.go" ]; then
    # main embeds files that the repository generates (schema-embed.json, ...) and that the
    # module zip lacks: build a copy of the main package with them generated by its own
    # generate.go, which stamps the version into the schema.
    say "generating the embedded schema files of pulumi-resource-$name v$v"
    mkdir -p "$WRAP/main"
    find "$MOD_DIR/$cmd" -maxdepth 1 -type f -exec cp -f {} "$WRAP/main/" \;
    chmod -R u+w "$WRAP/main"
    if ! (cd "$WRAP/main" && VERSION="$v" nice -n "${HEPAF_NICE:-10}" go run -mod=mod ./generate.go) >>"$LOG" 2>&1; then
      fail generating "$label" "$v" "$(log_tail "$LOG" 6)"
      return 1
    fi
    rm -f "$WRAP/main/generate.go"
    pkg="./main"
  fi
  say "building pulumi-resource-$name v$v ..."
  if ! gobuild "$name" "$pkg" "$out" "-X $mod/pkg/version.Version=$v"; then
    fail building "$label" "$v" "$(log_tail "$LOG" 8)"
    return 1
  fi
}

clean_partial() { # a failed install must not leave a .partial marker or half a directory behind
  local d
  d="$(plugin_dir "$1")"
  if [ -e "$d.partial" ]; then
    rm -rf "$d" "$d.partial"
  fi
}

ensure_provider() {
  local name="$1" v="${VER[$1]}" t=$SECONDS
  local dst out
  dst="$(plugin_bin "$name")"
  out="$CACHE/bin/$name-v$v/pulumi-resource-$name"
  if have_exe "$dst" && [ ! -e "$(plugin_dir "$name").partial" ]; then
    STATUS[$name]=ok SOURCE[$name]="already installed"
    return 0
  fi
  LOG="$CACHE/logs/$name-v$v.log"
  if ! have_exe "$out"; then
    : >"$LOG"
    if [ "$OFFICIAL_TIMEOUT" -gt 0 ] 2>/dev/null && have_exe "$CLI"; then
      say "trying the normal install: pulumi plugin install resource $name $v (${OFFICIAL_TIMEOUT}s)"
      if timeout "$OFFICIAL_TIMEOUT" "$CLI" plugin install resource "$name" "$v" >>"$LOG" 2>&1 &&
        have_exe "$dst" && [ ! -e "$(plugin_dir "$name").partial" ]; then
        STATUS[$name]=ok SOURCE[$name]="normal download" SECS[$name]=$((SECONDS - t))
        return 0
      fi
      clean_partial "$name"
      say "  normal install failed: $(log_tail "$LOG" 1 | cut -c1-200)"
    fi
    if ! build_provider "$name"; then
      STATUS[$name]=FAILED SOURCE[$name]="see $LOG" SECS[$name]=$((SECONDS - t))
      return 1
    fi
    SOURCE[$name]="built from the Go module proxy ($(cut -d@ -f2 "$CACHE/resolved/$name-v$v"))"
  else
    SOURCE[$name]="cache"
  fi
  say "installing pulumi-resource-$name v$v into $PLUGINS"
  clean_partial "$name"
  if have_exe "$CLI"; then
    if ! PULUMI_SKIP_UPDATE_CHECK=true "$CLI" plugin install resource "$name" "$v" --file "$out" >>"$LOG" 2>&1; then
      clean_partial "$name"
      fail installing "${LABEL[$name]}" "$v" "pulumi plugin install --file: $(log_tail "$LOG" 3)"
      STATUS[$name]=FAILED
      return 1
    fi
  else
    # No CLI: place it exactly where pulumi would.
    local d tmp
    d="$(plugin_dir "$name")"
    tmp="$PLUGINS/.hepaf-tmp-$name-$$"
    rm -rf "$tmp" && mkdir -p "$tmp" && cp -f "$out" "$tmp/pulumi-resource-$name" &&
      chmod 0755 "$tmp/pulumi-resource-$name" && rm -rf "$d" && mv "$tmp" "$d" || {
      rm -rf "$tmp"
      fail installing "${LABEL[$name]}" "$v" "cannot write $d"
      STATUS[$name]=FAILED
      return 1
    }
  fi
  if ! have_exe "$dst" || [ -e "$(plugin_dir "$name").partial" ]; then
    clean_partial "$name"
    fail installing "${LABEL[$name]}" "$v" "$dst is missing after the install"
    STATUS[$name]=FAILED
    return 1
  fi
  STATUS[$name]=ok SECS[$name]=$((SECONDS - t))
}

# ---------------------------------------------------------------------------------------------
# Run
# ---------------------------------------------------------------------------------------------
say "pulumi v$PV; providers: $(for p in "${PROVIDERS[@]}"; do selected "$p" && printf '%s v%s ' "$p" "${VER[$p]}"; done)"
say "PULUMI_HOME=$PULUMI_HOME cache=$CACHE"
BUILT=""
for c in "${SELECTED[@]}"; do
  case "$c" in
    cli | nodejs) ensure_cli "$c" ;;
    *) ensure_provider "$c" ;;
  esac
  case "${SOURCE[$c]:-}" in built* | normal*) BUILT=1 ;; esac
done

# Verify
say "verifying"
if selected cli && [ "${STATUS[cli]:-}" = ok ]; then
  got="$("$CLI" version 2>&1 | tail -n 1)"
  if [ "$got" != "v$PV" ]; then
    fail verifying "${LABEL[cli]}" "$PV" "'$CLI version' printed '$got'"
    STATUS[cli]=FAILED
  fi
fi
if selected nodejs && [ "${STATUS[nodejs]:-}" = ok ] && ! have_exe "$CLI_DIR/pulumi-language-nodejs"; then
  fail verifying "${LABEL[nodejs]}" "$PV" "$CLI_DIR/pulumi-language-nodejs is missing"
  STATUS[nodejs]=FAILED
fi
PLUGIN_LS=""
if have_exe "$CLI"; then
  PLUGIN_LS="$("$CLI" plugin ls 2>&1)" || PLUGIN_LS=""
fi
for p in "${PROVIDERS[@]}"; do
  selected "$p" && [ "${STATUS[$p]:-}" = ok ] || continue
  if [ -n "$PLUGIN_LS" ]; then
    if ! awk -v n="$p" -v v="${VER[$p]}" '$1 == n && $2 == "resource" && $3 == v { found = 1 } END { exit !found }' <<<"$PLUGIN_LS"; then
      fail verifying "${LABEL[$p]}" "${VER[$p]}" "'pulumi plugin ls' does not list resource $p ${VER[$p]}"
      STATUS[$p]=FAILED
    fi
  elif ! have_exe "$(plugin_bin "$p")"; then
    fail verifying "${LABEL[$p]}" "${VER[$p]}" "$(plugin_bin "$p") is missing"
    STATUS[$p]=FAILED
  fi
done

# Summary
echo
echo "toolchain summary (PULUMI_HOME=$PULUMI_HOME)"
printf '  %-12s %-10s %-7s %6s  %s\n' component version status secs source
for c in "${SELECTED[@]}"; do
  printf '  %-12s %-10s %-7s %6s  %s\n' "$c" "v${VER[$c]}" "${STATUS[$c]:-FAILED}" "${SECS[$c]:--}" "${SOURCE[$c]:-}"
done
if [ -n "$BUILT" ]; then
  echo "  disk: $(du -sch "$CACHE"/{bin,wrappers,logs,resolved,go} 2>/dev/null | tail -n 1 | cut -f1) under $CACHE (bin wrappers logs resolved go), $(du -sh "$PULUMI_HOME" 2>/dev/null | cut -f1) in $PULUMI_HOME"
fi
if [ -n "$PLUGIN_LS" ]; then
  echo "  pulumi plugin ls:"
  sed 's/^/    /' <<<"$PLUGIN_LS"
fi
echo "  total $((SECONDS - T0))s; use it with: . scripts/env.sh"

if [ "${#FAILURES[@]}" -gt 0 ]; then
  echo >&2
  printf '%s\n' "${FAILURES[@]}" >&2
  exit 1
fi
