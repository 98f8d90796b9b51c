# shellcheck shell=bash
# Source this file (". scripts/env.sh") to use the Pulumi CLI that scripts/toolchain.sh
# installed: the version is the one node_modules/@pulumi/pulumi asks for.
#
#   PULUMI_HOME      ${PULUMI_HOME:-$HOME/.pulumi}
#   PATH             $PULUMI_HOME/versions/<version>/bin first (pulumi, pulumi-language-nodejs)
#   PULUMI_SKIP_UPDATE_CHECK=true
#   PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true (plugins come from scripts/toolchain.sh)
#   PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK is unset (the Automation API checks the CLI version)

_hepaf_env_root="$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")/.." && pwd)"

export PULUMI_HOME="${PULUMI_HOME:-$HOME/.pulumi}"

_hepaf_env_pkg="$_hepaf_env_root/node_modules/@pulumi/pulumi/package.json"
_hepaf_env_version=""
if [ -f "$_hepaf_env_pkg" ]; then
  if command -v node >/dev/null 2>&1; then
    _hepaf_env_version="$(node -p 'require(process.argv[1]).version' "$_hepaf_env_pkg" 2>/dev/null)"
  else
    # npm writes "name" and "version" first: the first "version" key is the package's.
    _hepaf_env_version="$(sed -n 's/^[[:space:]]*"version":[[:space:]]*"\([^"]*\)".*/\1/p' "$_hepaf_env_pkg" | head -n 1)"
  fi
fi

if [ -n "$_hepaf_env_version" ]; then
  _hepaf_env_bin="$PULUMI_HOME/versions/$_hepaf_env_version/bin"
  case ":$PATH:" in
    ":$_hepaf_env_bin:"*) ;; # already first
    *) export PATH="$_hepaf_env_bin:$PATH" ;;
  esac
  export HEPAF_PULUMI_VERSION="$_hepaf_env_version"
else
  echo "scripts/env.sh: cannot read the version of node_modules/@pulumi/pulumi (run npm ci); PATH left unchanged" >&2
fi

export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
unset PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK

unset _hepaf_env_root _hepaf_env_pkg _hepaf_env_version _hepaf_env_bin
