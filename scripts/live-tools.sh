#!/usr/bin/env bash
# Build the real programs the live test tier runs, each at a pinned version, with the ordinary
# `go` client from the Go module proxy, cached outside the repository and keyed by version:
#
#   etcd        go.etcd.io/etcd/server/v3           (wrapper main calling etcdmain.Main)
#   kube        k8s.io/kubernetes: kube-apiserver, kube-controller-manager, kube-scheduler,
#               kubectl (one wrapper module; the k8s.io staging modules at the matching v0.x)
#   kwok        sigs.k8s.io/kwok/cmd/kwok           (plus its Stage files)
#   traefik     github.com/traefik/traefik/v3/cmd/traefik (wrapper with Traefik's own go.mod)
#   prometheus  github.com/prometheus/prometheus: prometheus and promtool (wrapper with
#               Prometheus's own go.mod; only Kubernetes service discovery compiled in)
#               (plus the example config, LICENSE and NOTICE its image holds)
#   cert-manager github.com/cert-manager/cert-manager: its controllers and its HTTP-01 solver,
#               started by the small mains of test/live/cert-manager (the release's own commands
#               are modules the proxy does not serve); keyed by the release and those sources
#   pebble      github.com/letsencrypt/pebble/v2/cmd/pebble (wrapper with pebble's own go.mod)
#
# Usage: scripts/live-tools.sh [--print-bin] [--no-build] [COMPONENT...]   (default: all seven)
#   --print-bin   after building, print "NAME=PATH" for every binary (for the test harness)
#   --no-build    build nothing (with --print-bin: only say where the binaries are)
#
# One progress line per step with the elapsed time. A failure is one line:
#   live-tools: FAILED <component> <version>: <step>: <refused module or last error>
# and is remembered in $HEPAF_CACHE/failed/ (keyed by version) so the next run says it again at
# once instead of retrying the same refused download; HEPAF_RETRY=1 retries.
#
# Environment:
#   HEPAF_CACHE      cache root (default $HOME/.cache/hepaf); Go's module and build caches live
#                    in $HEPAF_CACHE/go unless HEPAF_GOMODCACHE / HEPAF_GOCACHE say otherwise
#   HEPAF_GO_JOBS    go build -p (default 2)
#   HEPAF_ETCD_VERSION, HEPAF_KUBE_VERSION, HEPAF_KWOK_VERSION, HEPAF_TRAEFIK_VERSION,
#   HEPAF_PROMETHEUS_VERSION, HEPAF_PEBBLE_VERSION
#                    override the pinned versions (for experiments); Prometheus's is its Go
#                    module version (0.316.0 is Prometheus 3.16.0: module v0.3MM.P is release 3.MM.P)
set -uo pipefail

ETCD_VERSION="${HEPAF_ETCD_VERSION:-3.6.16}"
KUBE_VERSION="${HEPAF_KUBE_VERSION:-1.37.2}"
KWOK_VERSION="${HEPAF_KWOK_VERSION:-0.8.0}"
TRAEFIK_VERSION="${HEPAF_TRAEFIK_VERSION:-3.6.12}"
PROMETHEUS_VERSION="${HEPAF_PROMETHEUS_VERSION:-0.316.0}"
PEBBLE_VERSION="${HEPAF_PEBBLE_VERSION:-2.10.3}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# cert-manager: the release test/live/cert-manager/go.mod requires (a unit test holds it to
# components/https/cert-manager.ts), and a key of the mains' sources.
CM_SRC="$HERE/test/live/cert-manager"
CERT_MANAGER_VERSION="$(sed -n 's#^[[:space:]]*github.com/cert-manager/cert-manager v\([^ ]*\)$#\1#p' "$CM_SRC/go.mod" | head -n 1)"
CM_KEY="$(cd "$CM_SRC" && cat go.mod go.sum controller/main.go acmesolver/main.go | sha256sum | cut -c1-12)"
# The release a Prometheus module version is (v0.316.0 -> 3.16.0), what `prometheus --version` says.
prom_minor="${PROMETHEUS_VERSION#*.}"
prom_minor="${prom_minor%%.*}"
PROMETHEUS_RELEASE="${prom_minor:0:1}.$((10#${prom_minor:1})).${PROMETHEUS_VERSION##*.}"

CACHE="${HEPAF_CACHE:-$HOME/.cache/hepaf}"
# shellcheck source=lib/go-env.sh
. "$HERE/scripts/lib/go-env.sh"
GO_JOBS="${HEPAF_GO_JOBS:-2}"
T0=$SECONDS
PRINT_BIN=""
NO_BUILD=""
SELECTED=()
for a in "$@"; do
  case "$a" in
    --print-bin) PRINT_BIN=1 ;;
    --no-build) NO_BUILD=1 ;;
    etcd | kube | kwok | traefik | prometheus | cert-manager | pebble) SELECTED+=("$a") ;;
    -h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "live-tools: FAILED reading arguments: unknown component '$a' (use: etcd kube kwok traefik prometheus cert-manager pebble)" >&2; exit 2 ;;
  esac
done
[ "${#SELECTED[@]}" -gt 0 ] || SELECTED=(etcd kube kwok traefik prometheus cert-manager pebble)

say() { printf '[live-tools %4ds] %s\n' "$((SECONDS - T0))" "$*" >&2; }
FAILED=()

if ! command -v go >/dev/null 2>&1; then
  echo "live-tools: FAILED all: 'go' is not on PATH (Go >= 1.25 builds the live tier's programs from the Go module proxy)" >&2
  exit 1
fi
hepaf_go_env
mkdir -p "$CACHE/bin" "$CACHE/wrappers" "$CACHE/logs" "$CACHE/failed" "$CACHE/go/query" || {
  echo "live-tools: FAILED all: cannot create $CACHE" >&2
  exit 1
}
# One build at a time (CI starts one early in the background; the live tier's own call then
# waits here and finds the binaries made).
exec 9>"$CACHE/.live-tools.lock"
if [ -z "$NO_BUILD" ] && ! flock -n 9; then
  say "another run is building (lock $CACHE/.live-tools.lock); waiting for it"
  flock 9
fi

# The module (with version) that the proxy refused, read from go's own error lines; else the
# last line that says something.
refused_module() {
  local m
  m="$(grep -oE '[A-Za-z0-9._~/-]+@v[0-9][A-Za-z0-9.+_-]*: (reading|verifying|invalid version|unrecognized import)[^ ]*[^:]*: [^ ]*( [0-9]{3})?' "$1" |
    head -n 1)"
  if [ -n "$m" ]; then
    printf 'refused module %s' "$m"
    return
  fi
  grep -v -e '^## ' -e '^go: downloading' -e '^go: finding' -e '^go: extracting' "$1" | tail -n 3 | tr '\n\t' '  ' | sed 's/  */ /g' | cut -c1-400
}

# step COMPONENT VERSION STEP LOG -- COMMAND...: runs COMMAND with its output in LOG.
step() {
  local comp="$1" ver="$2" what="$3" log="$4" t=$SECONDS
  shift 5
  say "$comp $ver: $what"
  printf '## %s\n' "$what" >>"$log"
  if "$@" >>"$log" 2>&1; then
    say "$comp $ver: $what done ($((SECONDS - t)) s)"
    return 0
  fi
  local msg="live-tools: FAILED $comp $ver: $what: $(refused_module "$log") (log: $log)"
  printf '%s\n' "$msg" >"$CACHE/failed/$comp-$ver"
  echo "$msg" >&2
  FAILED+=("$comp")
  return 1
}

remembered_failure() { # remembered_failure COMPONENT VERSION
  local f="$CACHE/failed/$1-$2"
  [ -f "$f" ] || return 1
  if [ -n "${HEPAF_RETRY:-}" ]; then
    rm -f "$f"
    return 1
  fi
  cat "$f" >&2
  echo "live-tools: (remembered from an earlier run; HEPAF_RETRY=1 tries again)" >&2
  FAILED+=("$1")
  return 0
}

gobuild() { # gobuild DIR OUT LDFLAGS PACKAGE [TAGS]
  local tmp="$2.tmp.$$"
  mkdir -p "$(dirname "$2")"
  (cd "$1" && nice -n "${HEPAF_NICE:-5}" go build -p "$GO_JOBS" -mod=mod -trimpath ${5:+-tags "$5"} -ldflags "-s -w $3" -o "$tmp" "$4") &&
    mv -f "$tmp" "$2"
}

# Module directory of MODULE@VERSION in the module cache (downloads it).
moddir() {
  (cd "$CACHE/go/query" && go mod download -json "$1") |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p' | head -n 1
}

# ---------------------------------------------------------------------------------------------
build_etcd() {
  local v="$ETCD_VERSION" dir="$CACHE/bin/etcd-v$ETCD_VERSION"
  [ -x "$dir/etcd" ] && return 0
  remembered_failure etcd "v$v" && return 1
  local w="$CACHE/wrappers/etcd-v$v" log="$CACHE/logs/etcd-v$v.log"
  : >"$log"
  rm -rf "$w" && mkdir -p "$w"
  cat >"$w/main.go" <<'EOF'
// Command etcd: the etcd server, built from go.etcd.io/etcd/server/v3 at a pinned version.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
EOF
  printf 'module hepaf.invalid/live/etcd\n\ngo 1.25\n\nrequire go.etcd.io/etcd/server/v3 v%s\n' "$v" >"$w/go.mod"
  step etcd "v$v" "downloading modules" "$log" -- sh -c "cd '$w' && go mod tidy" || return 1
  step etcd "v$v" "building etcd" "$log" -- gobuild "$w" "$dir/etcd" "" . || return 1
}

build_kube() {
  local v="$KUBE_VERSION" dir="$CACHE/bin/kube-v$KUBE_VERSION"
  local bins=(kube-apiserver kube-controller-manager kube-scheduler kubectl) b missing=""
  for b in "${bins[@]}"; do [ -x "$dir/$b" ] || missing=1; done
  [ -z "$missing" ] && return 0
  remembered_failure kube "v$v" && return 1
  local w="$CACHE/wrappers/kube-v$v" log="$CACHE/logs/kube-v$v.log" kdir minor="${v#*.}"
  minor="${minor%%.*}"
  : >"$log"
  step kube "v$v" "downloading k8s.io/kubernetes@v$v" "$log" -- sh -c "cd '$CACHE/go/query' && go mod download -json k8s.io/kubernetes@v$v" || return 1
  kdir="$(moddir "k8s.io/kubernetes@v$v")"
  rm -rf "$w" && mkdir -p "$w"
  printf 'module hepaf.invalid/live/kube\n\ngo 1.25\n\nrequire k8s.io/kubernetes v%s\n' "$v" >"$w/go.mod"
  # Each local replace of k8s.io/kubernetes's go.mod (k8s.io/X => ./staging/src/k8s.io/X) becomes
  # k8s.io/X at the staging modules' version v0.<minor>.<patch>.
  local staging
  staging="$(sed -n 's#^[[:space:]]*\(k8s\.io/[A-Za-z0-9._/-]*\)[[:space:]]*=>[[:space:]]*\./staging/.*#\1#p' "$kdir/go.mod")"
  if [ -z "$staging" ]; then
    step kube "v$v" "reading the staging replaces of k8s.io/kubernetes@v$v" "$log" -- false
    return 1
  fi
  local m
  for m in $staging; do (cd "$w" && go mod edit -replace "$m=$m@v0.${v#*.}") || return 1; done
  say "kube v$v: $(wc -w <<<"$staging") staging modules replaced by their v0.${v#*.} releases"
  local now ld="" p
  now="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld="$ld -X $p.gitVersion=v$v -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean -X $p.buildDate=$now"
  done
  step kube "v$v" "downloading modules" "$log" -- sh -c "cd '$w' && go get k8s.io/kubernetes/cmd/kube-apiserver@v$v k8s.io/kubernetes/cmd/kube-controller-manager@v$v k8s.io/kubernetes/cmd/kube-scheduler@v$v k8s.io/kubernetes/cmd/kubectl@v$v" || return 1
  for b in "${bins[@]}"; do
    [ -x "$dir/$b" ] && continue
    step kube "v$v" "building $b" "$log" -- gobuild "$w" "$dir/$b" "$ld" "k8s.io/kubernetes/cmd/$b" || return 1
  done
}

build_kwok() {
  local v="$KWOK_VERSION" dir="$CACHE/bin/kwok-v$KWOK_VERSION"
  [ -x "$dir/kwok" ] && [ -d "$dir/stages" ] && return 0
  remembered_failure kwok "v$v" && return 1
  local w="$CACHE/wrappers/kwok-v$v" log="$CACHE/logs/kwok-v$v.log" src
  : >"$log"
  rm -rf "$w" && mkdir -p "$w"
  printf 'module hepaf.invalid/live/kwok\n\ngo 1.25\n\nrequire sigs.k8s.io/kwok v%s\n' "$v" >"$w/go.mod"
  step kwok "v$v" "downloading modules" "$log" -- sh -c "cd '$w' && go get sigs.k8s.io/kwok/cmd/kwok@v$v" || return 1
  step kwok "v$v" "building kwok" "$log" -- gobuild "$w" "$dir/kwok" "-X sigs.k8s.io/kwok/pkg/consts.Version=v$v" sigs.k8s.io/kwok/cmd/kwok || return 1
  src="$(moddir "sigs.k8s.io/kwok@v$v")"
  rm -rf "$dir/stages" && mkdir -p "$dir/stages" && cp -r "$src/kustomize/stage/." "$dir/stages/" && chmod -R u+w "$dir/stages"
}

# own_module_wrapper COMPONENT VERSION MODULE WRAPPER LOG: in WRAPPER, the module's own go.mod
# (its pinned dependencies and replaces) renamed, with its go.sum, requiring MODULE@vVERSION, so the
# build resolves exactly the module's own versions; MODULE_DIR is then its source. A replace by a
# local path (which no module proxy serves) is refused.
own_module_wrapper() {
  local comp="$1" v="$2" mod="$3" w="$4" log="$5" local_replace
  step "$comp" "v$v" "downloading $mod@v$v" "$log" -- sh -c "cd '$CACHE/go/query' && go mod download -json $mod@v$v" || return 1
  MODULE_DIR="$(moddir "$mod@v$v")"
  rm -rf "$w" && mkdir -p "$w"
  sed "s#^module .*#module hepaf.invalid/live/$comp#" "$MODULE_DIR/go.mod" >"$w/go.mod"
  local_replace="$(grep -E '=>[[:space:]]*\.' "$w/go.mod" | sed 's/^[[:space:]]*//' | head -n 1)"
  if [ -n "$local_replace" ]; then
    local msg="live-tools: FAILED $comp v$v: its go.mod replaces a module by a local path, which no module proxy serves ($local_replace)"
    printf '%s\n' "$msg" | tee "$CACHE/failed/$comp-v$v" >&2
    FAILED+=("$comp")
    return 1
  fi
  cp "$MODULE_DIR/go.sum" "$w/go.sum" && chmod u+w "$w/go.sum"
  (cd "$w" && go mod edit -require "$mod@v$v")
}

build_traefik() {
  local v="$TRAEFIK_VERSION" dir="$CACHE/bin/traefik-v$TRAEFIK_VERSION"
  [ -x "$dir/traefik" ] && return 0
  remembered_failure traefik "v$v" && return 1
  local w="$CACHE/wrappers/traefik-v$v" log="$CACHE/logs/traefik-v$v.log"
  : >"$log"
  own_module_wrapper traefik "$v" github.com/traefik/traefik/v3 "$w" "$log" || return 1
  local now
  now="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  step traefik "v$v" "downloading modules" "$log" -- sh -c "cd '$w' && go mod download all" || return 1
  step traefik "v$v" "building traefik" "$log" -- gobuild "$w" "$dir/traefik" \
    "-X github.com/traefik/traefik/v3/pkg/version.Version=v$v -X github.com/traefik/traefik/v3/pkg/version.BuildDate=$now" \
    github.com/traefik/traefik/v3/cmd/traefik || return 1
}

build_prometheus() {
  local v="$PROMETHEUS_VERSION" r="$PROMETHEUS_RELEASE" dir="$CACHE/bin/prometheus-v$PROMETHEUS_VERSION" b
  [ -x "$dir/prometheus" ] && [ -x "$dir/promtool" ] && [ -f "$dir/files/prometheus.yml" ] && return 0
  remembered_failure prometheus "v$v" && return 1
  local w="$CACHE/wrappers/prometheus-v$v" log="$CACHE/logs/prometheus-v$v.log"
  : >"$log"
  # Prometheus's go.mod has no replace directives.
  own_module_wrapper prometheus "$v" github.com/prometheus/prometheus "$w" "$log" || return 1
  local pdir="$MODULE_DIR"
  # As upstream's .promu.yml sets them (Revision: the module proxy gives no commit).
  local now p=github.com/prometheus/common/version
  now="$(date -u +%Y%m%d-%H:%M:%S)"
  local ld="-X $p.Version=$r -X $p.Revision=v$v -X $p.Branch=HEAD -X $p.BuildUser=hepaf-live-tools -X $p.BuildDate=$now"
  step prometheus "v$v" "downloading modules" "$log" -- sh -c "cd '$w' && go mod download all" || return 1
  for b in prometheus promtool; do
    [ -x "$dir/$b" ] && continue
    # Only Kubernetes service discovery (plugins/plugin_kubernetes.go): far fewer modules.
    step prometheus "v$v" "building $b" "$log" -- \
      gobuild "$w" "$dir/$b" "$ld" "github.com/prometheus/prometheus/cmd/$b" remove_all_sd,enable_kubernetes_sd || return 1
  done
  # What the official image holds beside the binaries (its Dockerfile copies them from the source).
  rm -rf "$dir/files" && mkdir -p "$dir/files" &&
    cp "$pdir/documentation/examples/prometheus.yml" "$pdir/LICENSE" "$pdir/NOTICE" "$dir/files/" && chmod -R u+w "$dir/files"
}

build_pebble() {
  local v="$PEBBLE_VERSION" dir="$CACHE/bin/pebble-v$PEBBLE_VERSION"
  [ -x "$dir/pebble" ] && return 0
  remembered_failure pebble "v$v" && return 1
  local w="$CACHE/wrappers/pebble-v$v" log="$CACHE/logs/pebble-v$v.log"
  : >"$log"
  own_module_wrapper pebble "$v" github.com/letsencrypt/pebble/v2 "$w" "$log" || return 1
  step pebble "v$v" "downloading modules" "$log" -- sh -c "cd '$w' && go mod download all" || return 1
  step pebble "v$v" "building pebble" "$log" -- gobuild "$w" "$dir/pebble" "" github.com/letsencrypt/pebble/v2/cmd/pebble || return 1
  # Its test certificate (for localhost, signed by its test CA), which a pebble of the tier serves its ACME API with.
  rm -rf "$dir/certs" && mkdir -p "$dir/certs" && cp "$MODULE_DIR/test/certs/pebble.minica.pem" "$dir/certs/" &&
    cp -r "$MODULE_DIR/test/certs/localhost" "$dir/certs/" && chmod -R u+w "$dir/certs"
}

build_cert_manager() {
  local v="$CERT_MANAGER_VERSION" dir="$CACHE/bin/cert-manager-v$CERT_MANAGER_VERSION-$CM_KEY" b
  [ -x "$dir/controller" ] && [ -x "$dir/acmesolver" ] && return 0
  remembered_failure cert-manager "v$v-$CM_KEY" && return 1
  local log="$CACHE/logs/cert-manager-v$v-$CM_KEY.log"
  : >"$log"
  # Only the packages the two mains import (the graph's other modules, such as other issuers'
  # SDKs, are not all served by the proxy).
  step cert-manager "v$v" "downloading modules" "$log" -- sh -c "cd '$CM_SRC' && go list -deps ./controller ./acmesolver >/dev/null" || return 1
  for b in controller acmesolver; do
    step cert-manager "v$v" "building $b" "$log" -- gobuild "$CM_SRC" "$dir/$b" "" "./$b" || return 1
  done
}

[ -n "$NO_BUILD" ] && SELECTED=()
for c in "${SELECTED[@]}"; do
  t=$SECONDS
  if "build_${c//-/_}"; then
    [ $((SECONDS - t)) -gt 0 ] && say "$c: ready ($((SECONDS - t)) s)"
  fi
done

if [ -n "$PRINT_BIN" ]; then
  printf 'etcd=%s\n' "$CACHE/bin/etcd-v$ETCD_VERSION/etcd"
  for b in kube-apiserver kube-controller-manager kube-scheduler kubectl; do
    printf '%s=%s\n' "$b" "$CACHE/bin/kube-v$KUBE_VERSION/$b"
  done
  printf 'kwok=%s\nkwok-stages=%s\n' "$CACHE/bin/kwok-v$KWOK_VERSION/kwok" "$CACHE/bin/kwok-v$KWOK_VERSION/stages"
  printf 'traefik=%s\n' "$CACHE/bin/traefik-v$TRAEFIK_VERSION/traefik"
  printf 'prometheus=%s\npromtool=%s\nprometheus-files=%s\n' "$CACHE/bin/prometheus-v$PROMETHEUS_VERSION/prometheus" \
    "$CACHE/bin/prometheus-v$PROMETHEUS_VERSION/promtool" "$CACHE/bin/prometheus-v$PROMETHEUS_VERSION/files"
  printf 'cert-manager-controller=%s\nacmesolver=%s\n' "$CACHE/bin/cert-manager-v$CERT_MANAGER_VERSION-$CM_KEY/controller" "$CACHE/bin/cert-manager-v$CERT_MANAGER_VERSION-$CM_KEY/acmesolver"
  printf 'pebble=%s\npebble-certs=%s\n' "$CACHE/bin/pebble-v$PEBBLE_VERSION/pebble" "$CACHE/bin/pebble-v$PEBBLE_VERSION/certs"
fi
if [ "${#FAILED[@]}" -gt 0 ]; then
  exit 1
fi
[ -n "$NO_BUILD" ] || say "ready: ${SELECTED[*]} ($((SECONDS - T0)) s)"
