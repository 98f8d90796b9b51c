# shellcheck shell=bash
# The Go settings of every build of the project's Go programs (the live tier's tools, the
# Pulumi toolchain, actionlint, provider/sdkgen, the live tier's own modules), in one place.
# Source it, then call hepaf_go_env (in a subshell where the settings must not leak):
#   GOMODCACHE, GOCACHE  $HEPAF_GOMODCACHE / $HEPAF_GOCACHE, else $HEPAF_CACHE/go/{mod,build}
#                        (default HEPAF_CACHE ~/.cache/hepaf): outside the repository, shared by
#                        every build, so one module graph is downloaded and compiled once
#   CGO_ENABLED=0 GOTOOLCHAIN=local GOWORK=off GOFLAGS=-buildvcs=false GIT_TERMINAL_PROMPT=0
hepaf_go_env() {
  local cache="${HEPAF_CACHE:-$HOME/.cache/hepaf}"
  export GOMODCACHE="${HEPAF_GOMODCACHE:-$cache/go/mod}"
  export GOCACHE="${HEPAF_GOCACHE:-$cache/go/build}"
  export CGO_ENABLED=0 GOTOOLCHAIN=local GOWORK=off GOFLAGS=-buildvcs=false GIT_TERMINAL_PROMPT=0
}
