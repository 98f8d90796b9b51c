#!/usr/bin/env bash
# `npm run images`: builds the images the facility deploys by default that this project makes
# (images/hub, images/notebook, images/worker), and with --doubles the live tier's image doubles
# of the upstream images it cannot pull here (test/live/images/*), on this machine, without a
# daemon or a registry:
#
#   base     docker.io/library/debian:bookworm-slim, the name the Containerfiles start FROM,
#            made from Debian's archive by mmdebstrap (minbase, as the official image is) and
#            imported into buildah's local storage under that name
#   build    `buildah bud --isolation=chroot --pull=never` of each Containerfile as it is (a
#            site's CI builds the same files with its own builder)
#   export   an OCI layout, its root filesystem unpacked by umoci, and its config (Entrypoint,
#            Cmd, User, Env, WorkingDir): what the live tier's kubelet double runs
#
# Each image is cached outside the repository under $HEPAF_CACHE/images/<name>-<key>, keyed by
# the hash of its Containerfile and build context (its lock, or the programs copied into it),
# so an unchanged image is found in a second and a changed lock makes a new one (replacing the
# old build of that image).
#
# Usage: scripts/images.sh [--doubles] [--print-index] [--no-build] [NAME...]
#   --doubles      also the image doubles (traefik, proxy, gateway-server, busybox, prometheus,
#                  acmesolver)
#   --print-index  print a JSON object: image reference -> { rootfs, config, key } of every
#                  selected image that is built (for the live tier)
#   --no-build     build nothing (with --print-index: only say what is there)
#   NAME           hub notebook worker traefik proxy gateway-server busybox prometheus acmesolver (default: the
#                  product images, and the doubles with --doubles)
#
# Needs root (buildah's storage, mmdebstrap, unpacking files of other owners); installs
# buildah, mmdebstrap and umoci from Debian's archive when they are missing. One progress line
# per step; a failure is one line naming the image and the step, with the log's path.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# shellcheck source=lib/progress.sh
. scripts/lib/progress.sh
T0=$SECONDS
say() { printf '[images %4ds] %s\n' "$((SECONDS - T0))" "$*" >&2; }
fail() { echo "images: FAILED $*" >&2; exit 1; }

PRODUCT=(hub notebook worker)
DOUBLES=(traefik proxy gateway-server busybox prometheus acmesolver)
want_doubles="" print_index="" no_build=""
selected=()
for a in "$@"; do
  case "$a" in
    --doubles) want_doubles=1 ;;
    --print-index) print_index=1 ;;
    --no-build) no_build=1 ;;
    hub | notebook | worker | traefik | proxy | gateway-server | busybox | prometheus | acmesolver) selected+=("$a") ;;
    -h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "images: unknown argument '$a' (see scripts/images.sh --help)" >&2; exit 2 ;;
  esac
done
if [ "${#selected[@]}" -eq 0 ]; then
  selected=("${PRODUCT[@]}")
  [ -z "$want_doubles" ] || selected+=("${DOUBLES[@]}")
fi

cache="${HEPAF_CACHE:-$HOME/.cache/hepaf}/images"
mkdir -p "$cache/logs"

# The references, from the one catalogue the components read (components/images).
refs_json="$(node -r ts-node/register/transpile-only -e '
  const c = require("./components/images/catalog");
  const u = c.UPSTREAM_IMAGES;
  const r = { traefik: u.traefik, proxy: u.proxy, "gateway-server": u.gatewayServer, busybox: u.busybox, prometheus: u.prometheus };
  // The image a site cert-manager starts HTTP-01 solvers from (not one of the facility images).
  r.acmesolver = require("./components/https/cert-manager").CERT_MANAGER_SOLVER_IMAGE;
  for (const role of c.BUILT_ROLES) r[role] = c.builtImage(role);
  process.stdout.write(JSON.stringify(r));')"
ref_of() { node -e 'process.stdout.write(JSON.parse(process.argv[1])[process.argv[2]])' "$refs_json" "$1"; }
context_of() {
  case "$1" in
    hub | notebook | worker) echo "images/$1" ;;
    *) echo "test/live/images/$1" ;;
  esac
}

# Extra files a double's build context needs, copied in from this machine's builds.
stage_context() { # NAME DIR
  case "$1" in
    traefik)
      local bin
      bin="$(bash scripts/live-tools.sh --print-bin --no-build traefik | sed -n 's/^traefik=//p')"
      [ -x "$bin" ] || fail "traefik: no Traefik binary (scripts/live-tools.sh traefik builds it)"
      ln "$bin" "$2/traefik" 2>/dev/null || cp "$bin" "$2/traefik"
      cp /etc/ssl/certs/ca-certificates.crt "$2/ca-certificates.crt"
      ;;
    acmesolver)
      local bin
      bin="$(bash scripts/live-tools.sh --print-bin --no-build cert-manager | sed -n 's/^acmesolver=//p')"
      [ -x "$bin" ] || fail "acmesolver: no solver binary (scripts/live-tools.sh cert-manager builds it)"
      ln "$bin" "$2/acmesolver" 2>/dev/null || cp "$bin" "$2/acmesolver"
      ;;
    prometheus)
      # prometheus and promtool, and from the same module the files upstream's Dockerfile copies
      # (the example config, LICENSE, NOTICE).
      local bins b src
      bins="$(bash scripts/live-tools.sh --print-bin --no-build prometheus)"
      for b in prometheus promtool; do
        local p
        p="$(printf '%s\n' "$bins" | sed -n "s/^$b=//p")"
        [ -x "$p" ] || fail "prometheus: no $b binary (scripts/live-tools.sh prometheus builds it)"
        ln "$p" "$2/$b" 2>/dev/null || cp "$p" "$2/$b"
      done
      src="$(printf '%s\n' "$bins" | sed -n 's/^prometheus-files=//p')"
      [ -f "$src/prometheus.yml" ] || fail "prometheus: no files from its module ($src; scripts/live-tools.sh prometheus copies them)"
      cp "$src/prometheus.yml" "$src/LICENSE" "$src/NOTICE" "$2/"
      chmod u+w "$2/prometheus.yml" "$2/LICENSE" "$2/NOTICE"
      ;;
    proxy)
      local version
      version="$(node -p 'require("./node_modules/configurable-http-proxy/package.json").version')"
      cp "$(command -v node)" "$2/node"
      # The package with its own dependencies, as npm installs it for the official image, under
      # the project's own overrides (package.json), so it runs what the hub's tests run.
      local manifest npmdir
      manifest="$(node -e 'const p = require("./package.json"); process.stdout.write(JSON.stringify({ private: true, dependencies: { "configurable-http-proxy": process.argv[1] }, overrides: p.overrides ?? {} }))' "$version")"
      npmdir="$cache/npm-configurable-http-proxy-$version-$(printf '%s' "$manifest" | sha256sum | cut -c1-12)"
      if [ ! -f "$npmdir/.complete" ]; then
        rm -rf "$npmdir"
        mkdir -p "$npmdir"
        printf '%s\n' "$manifest" >"$npmdir/package.json"
        (cd "$npmdir" && npm install --no-audit --no-fund --omit=dev --ignore-scripts --loglevel=error >/dev/null) ||
          fail "proxy: npm install configurable-http-proxy@$version"
        touch "$npmdir/.complete"
      fi
      mkdir -p "$2/configurable-http-proxy"
      cp -r "$npmdir/node_modules/configurable-http-proxy/." "$2/configurable-http-proxy/"
      mkdir -p "$2/configurable-http-proxy/node_modules"
      find "$npmdir/node_modules" -mindepth 1 -maxdepth 1 ! -name configurable-http-proxy ! -name .package-lock.json ! -name .bin \
        -exec cp -r {} "$2/configurable-http-proxy/node_modules/" \;
      ;;
  esac
}

install_packages() {
  say "installing $* from Debian's archive"
  [ "$(id -u)" = 0 ] || fail "setup: $* missing and not root (apt-get install $*)"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"; } >"$cache/logs/apt.log" 2>&1 ||
    fail "setup: apt-get install $* (log $cache/logs/apt.log)"
}

# --- the base the Containerfiles name ---------------------------------------------------------
BASE_REF=docker.io/library/debian:bookworm-slim
BASE_KEY=bookworm-minbase-2
ensure_base() {
  if buildah inspect --type image "$BASE_REF" 2>/dev/null | grep -q "\"hepaf.base\": \"$BASE_KEY\""; then return; fi
  # A tar archive keeps every file's owner and mode as Debian's packages set them.
  local base="$cache/base-$BASE_KEY.tar"
  if [ ! -s "$base" ]; then
    rm -f "$base.partial.tar"
    progress_run "[images]" "making $BASE_REF from Debian's archive (mmdebstrap, minbase)" \
      mmdebstrap --variant=minbase --format=tar --quiet --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
      --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' bookworm "$base.partial.tar" \
      >"$cache/logs/base.log" 2>&1 || fail "base: mmdebstrap (log $cache/logs/base.log)"
    mv "$base.partial.tar" "$base"
  fi
  local ctr
  ctr="$(buildah from scratch)"
  buildah add "$ctr" "$base" / >/dev/null
  buildah config --cmd bash --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --label "hepaf.base=$BASE_KEY" "$ctr"
  buildah commit -q "$ctr" "$BASE_REF" >/dev/null
  buildah rm "$ctr" >/dev/null
  say "base $BASE_REF imported into buildah's storage"
}

# --- one image --------------------------------------------------------------------------------
key_of() { # DIR: hash of every file of the context (names and contents) and the base
  (cd "$1" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum; echo "$BASE_KEY") | sha256sum | cut -c1-16
}

# Stages NAME's build context in a temporary directory; sets STAGE, KEY and DIR (its cache entry).
stage_one() {
  STAGE="$(mktemp -d "$cache/stage-$1.XXXXXX")"
  cp -r "$(context_of "$1")/." "$STAGE/"
  stage_context "$1" "$STAGE"
  KEY="$(key_of "$STAGE")"
  DIR="$cache/$1-$KEY"
}

build_one() { # NAME
  local name="$1" ref stage key dir log
  ref="$(ref_of "$name")"
  stage_one "$name"
  stage="$STAGE" key="$KEY" dir="$DIR"
  if [ -f "$dir/.complete" ]; then
    rm -rf "$stage"
    say "$name: $ref is built ($key)"
    return
  fi
  ensure_base
  log="$cache/logs/$name-$key.log"
  rm -rf "$dir"
  mkdir -p "$dir"
  local t=$SECONDS
  # Built under a tag of its own (its key and this run), so builds of other checkouts or caches
  # in the same buildah storage never meet; the reference is what image.json records.
  local tag="localhost/hepaf-build/$name:$key-$$"
  progress_run "[images]" "$name: building $ref" \
    buildah bud --isolation=chroot --pull=never --layers=false \
    -v "${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}:/run/build-ca.pem:ro" --build-arg PIP_CERT=/run/build-ca.pem \
    -f "$stage/Containerfile" -t "$tag" "$stage" >"$log" 2>&1 || { rm -rf "$stage"; fail "$name: buildah bud (log $log)"; }
  buildah push -q "$tag" "oci:$dir/oci:image" >>"$log" 2>&1 || fail "$name: buildah push to an OCI layout (log $log)"
  umoci raw unpack --image "$dir/oci:image" "$dir/rootfs" >>"$log" 2>&1 || fail "$name: umoci unpack (log $log)"
  node - "$dir" "$ref" "$key" <<'JS' || fail "$name: reading the image config"
const fs = require("fs");
const path = require("path");
const [dir, ref, key] = process.argv.slice(2);
const blob = (d) => path.join(dir, "oci", "blobs", ...d.split(":"));
const index = JSON.parse(fs.readFileSync(path.join(dir, "oci", "index.json"), "utf8"));
const manifest = JSON.parse(fs.readFileSync(blob(index.manifests[0].digest), "utf8"));
const config = JSON.parse(fs.readFileSync(blob(manifest.config.digest), "utf8"));
const bytes = manifest.layers.reduce((n, l) => n + l.size, 0);
fs.writeFileSync(path.join(dir, "image.json"), JSON.stringify({ ref, key, digest: manifest.config.digest, layersBytes: bytes, config: config.config ?? {} }, null, 2));
JS
  buildah rmi -f "$tag" >/dev/null 2>&1 || true
  rm -rf "$stage"
  touch "$dir/.complete"
  # Older builds of this image (another lock, another Containerfile) go: one per name is kept.
  find "$cache" -mindepth 1 -maxdepth 1 -type d -name "$name-*" ! -name "$name-$key" -exec rm -rf {} + 2>/dev/null || true
  say "$name: $ref built in $((SECONDS - t)) s ($(du -sh "$dir/rootfs" | cut -f1) unpacked, key $key)"
}

if [ -z "$no_build" ]; then
  [ "$(id -u)" = 0 ] || fail "setup: building images needs root (buildah's storage, unpacking files of other owners)"
  missing=()
  command -v buildah >/dev/null || missing+=(buildah)
  command -v mmdebstrap >/dev/null || missing+=(mmdebstrap)
  command -v umoci >/dev/null || missing+=(umoci)
  [ "${#missing[@]}" -eq 0 ] || install_packages "${missing[@]}"
  # One build at a time (a second caller waits, then finds the images built).
  exec 8>"$cache/.images.lock"
  flock -n 8 || { say "another run is building images; waiting for it"; flock 8; }
  for n in "${selected[@]}"; do build_one "$n"; done
fi

if [ -n "$print_index" ]; then
  entries=()
  for n in "${selected[@]}"; do
    stage_one "$n"
    rm -rf "$STAGE"
    [ -f "$DIR/.complete" ] && entries+=("$DIR")
  done
  node - "${entries[@]}" <<'JS'
const fs = require("fs");
const path = require("path");
const out = {};
for (const dir of process.argv.slice(2)) {
    const meta = JSON.parse(fs.readFileSync(path.join(dir, "image.json"), "utf8"));
    out[meta.ref] = { rootfs: path.join(dir, "rootfs"), config: meta.config, key: meta.key, layersBytes: meta.layersBytes };
}
process.stdout.write(JSON.stringify(out, null, 2) + "\n");
JS
fi
