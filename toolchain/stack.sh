#!/usr/bin/env bash
# Run a Pulumi operation for one Berth stack against the local cluster (or a
# kubeconfig you name), with the toolchain's CLI and the project's file backend.
#
# usage: toolchain/stack.sh preview|up|destroy|refresh STACK [extra pulumi args...]
#   STACK is dev, staging or prod.
# env:   KUBECONFIG_PATH  use this kubeconfig instead of starting the local cluster
#                         (your cluster: its API server is printed first; only the
#                         local cluster's kubeconfig is checked for https://127.0.0.1:<port>)
#        PULUMI_CWD       directory holding Pulumi.yaml (default: repository root)
# An inherited KUBECONFIG is never used: the provider is always given the one checked here.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
op="${1:-}"; stack="${2:-}"
[ $# -ge 2 ] && shift 2 || true
case "$op" in preview|up|destroy|refresh) ;; *) echo "usage: $0 preview|up|destroy|refresh dev|staging|prod" >&2; exit 2 ;; esac
case "$stack" in dev|staging|prod) ;; *) echo "stack.sh: STACK must be dev, staging or prod (got '${stack}')" >&2; exit 2 ;; esac

"$here/build.sh" --check || "$here/build.sh"   # builds (with progress) only if something is missing
# shellcheck source=env.sh
source "$here/env.sh"

if [ -n "${KUBECONFIG_PATH:-}" ]; then
  # Your cluster, named explicitly: say which API server it is before touching it.
  kubeconfig="$(cd "$(dirname "$KUBECONFIG_PATH")" && pwd)/$(basename "$KUBECONFIG_PATH")"
  server="$(kubectl --kubeconfig="$kubeconfig" config view --minify -o jsonpath='{.clusters[0].cluster.server}')"
  echo "stack.sh: using the kubeconfig you gave: $kubeconfig (API server $server)"
else
  "$BERTH_ROOT/cluster/berth-cluster" up
  kubeconfig="$BERTH_KUBECONFIG"
  # The local cluster must be ours, on loopback.
  server="$("$BERTH_ROOT/cluster/berth-cluster" check-kubeconfig "$kubeconfig")"
fi
export KUBECONFIG="$kubeconfig"   # what the kubernetes provider reads (no kubernetes:kubeconfig set)
unset KUBECONTEXT

cwd="${PULUMI_CWD:-$BERTH_ROOT}"
[ -f "$cwd/Pulumi.yaml" ] || { echo "stack.sh: no Pulumi.yaml in $cwd (set PULUMI_CWD)" >&2; exit 1; }
mkdir -p "${PULUMI_BACKEND_URL#file://}"
pulumi login --non-interactive "$PULUMI_BACKEND_URL" >/dev/null
pulumi -C "$cwd" stack select --create --non-interactive "$stack"
echo "stack.sh: pulumi $op --stack $stack (cluster $server, kubeconfig $kubeconfig)"
case "$op" in
  preview) exec pulumi -C "$cwd" preview --non-interactive --stack "$stack" "$@" ;;
  up) exec pulumi -C "$cwd" up --yes --non-interactive --stack "$stack" "$@" ;;
  destroy) exec pulumi -C "$cwd" destroy --yes --non-interactive --stack "$stack" "$@" ;;
  refresh) exec pulumi -C "$cwd" refresh --yes --non-interactive --stack "$stack" "$@" ;;
esac
