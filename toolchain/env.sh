# shellcheck shell=bash
# Source this (bash) to use Berth's toolchain and local cluster:
#   source toolchain/env.sh
# It puts the built toolchain first on PATH and keeps the Pulumi CLI local,
# offline and pointed at the project's file backend. It starts nothing.
#
# Set BERTH_USE_SYSTEM_PULUMI=1 to keep a `pulumi` that is already on PATH
# (the built bin directory then goes last on PATH instead of first).

# shellcheck source=lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

BERTH_TOOLCHAIN_BIN="$(berth_toolchain_dir)/bin"
BERTH_STATE="${BERTH_STATE:-$BERTH_ROOT/.berth}"
BERTH_KUBECONFIG="${BERTH_KUBECONFIG:-$BERTH_STATE/kubeconfig}"
export BERTH_ROOT BERTH_TOOLCHAIN_BIN BERTH_STATE BERTH_KUBECONFIG

case ":$PATH:" in
  *":$BERTH_TOOLCHAIN_BIN:"*) ;;
  *)
    if [ "${BERTH_USE_SYSTEM_PULUMI:-0}" = 1 ]; then
      PATH="$PATH:$BERTH_TOOLCHAIN_BIN"
    else
      PATH="$BERTH_TOOLCHAIN_BIN:$PATH"
    fi
    ;;
esac
export PATH

export PULUMI_HOME="${PULUMI_HOME:-$BERTH_STATE/pulumi-home}"
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
export PULUMI_BACKEND_URL="${PULUMI_BACKEND_URL:-file://$BERTH_STATE/state}"
# Local-development passphrase for the file backend's secrets provider. It protects
# nothing: stack state lives in .berth/state on this machine only. Set your own
# PULUMI_CONFIG_PASSPHRASE (or _FILE) for anything that matters.
if [ -z "${PULUMI_CONFIG_PASSPHRASE:-}" ] && [ -z "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]; then
  export PULUMI_CONFIG_PASSPHRASE="berth-local-dev"
fi
