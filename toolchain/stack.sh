#!/usr/bin/env bash
# Run a Pulumi operation for one Berth stack against the local cluster (or a
# kubeconfig you name), with the toolchain's CLI and the project's file backend.
#
# usage: toolchain/stack.sh preview|up|destroy|refresh|move STACK [extra pulumi args...]
#   STACK is dev, staging or prod.
#   Every operation first checks that the cluster answers and is the one the stack's state
#   was deployed to (its kube-system namespace uid), and stops before changing anything
#   otherwise. `move` re-creates the stack on the cluster it now points at, on purpose:
#   it saves the state to .berth/moved/, empties it and runs `pulumi up`; nothing on the
#   old cluster is deleted. docs/cluster-binding.md explains it.
# env:   KUBECONFIG_PATH  use this kubeconfig instead of starting the local cluster
#                         (your cluster: its API server is printed first; only the
#                         local cluster's kubeconfig is checked for https://127.0.0.1:<port>)
#        PULUMI_CWD       directory holding Pulumi.yaml (default: repository root)
# An inherited KUBECONFIG is never used: the provider is always given the one checked here.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
op="${1:-}"; stack="${2:-}"
[ $# -ge 2 ] && shift 2 || true
case "$op" in preview|up|destroy|refresh|move) ;; *) echo "usage: $0 preview|up|destroy|refresh|move dev|staging|prod" >&2; exit 2 ;; esac
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

# Which cluster is this? It must answer within seconds, and be the stack's own.
if ! uid="$(kubectl --kubeconfig="$kubeconfig" get namespace kube-system \
    -o 'jsonpath={.metadata.uid}' --request-timeout=5s 2>&1)" || [ -z "$uid" ]; then
  echo "stack.sh: cannot reach the cluster at $server (kubeconfig $kubeconfig); nothing was changed:" >&2
  echo "  ${uid##*$'\n'}" >&2   # kubectl's last line says why
  exit 1
fi
py="$BERTH_ROOT/.venv/bin/python"
export_file="$(mktemp)"
trap 'rm -f "$export_file"' EXIT
pulumi -C "$cwd" stack export --stack "$stack" --file "$export_file"
if [ "$op" = move ]; then
  read -r old_uid old_server < <("$py" -m components.cluster recorded < "$export_file") || true
  if [ "${old_uid:-}" = "$uid" ]; then
    echo "stack.sh: stack $stack is already deployed to this cluster ($server); nothing to move (use: make up STACK=$stack)" >&2
    exit 1
  fi
  if [ -n "${old_uid:-}" ]; then
    saved="$BERTH_STATE/moved/$stack-$(date -u +%Y%m%dT%H%M%SZ).json"
    mkdir -p "$(dirname "$saved")"
    (umask 077 && cp "$export_file" "$saved")
    echo "stack.sh: moving stack $stack from the cluster at $old_server (kube-system $old_uid) to $server (kube-system $uid)"
    echo "stack.sh: its state is saved in $saved; nothing on the old cluster is deleted"
    "$py" -m components.cluster empty < "$export_file" > "$export_file.empty"
    pulumi -C "$cwd" stack import --stack "$stack" --force --file "$export_file.empty" >/dev/null
    rm -f "$export_file.empty"
  fi
  op=up
elif ! "$py" -m components.cluster check "$stack" "$server" "$uid" < "$export_file"; then
  exit 1
fi
rm -f "$export_file"; trap - EXIT

echo "stack.sh: pulumi $op --stack $stack (cluster $server, kube-system $uid, kubeconfig $kubeconfig)"
case "$op" in
  preview) exec pulumi -C "$cwd" preview --non-interactive --stack "$stack" "$@" ;;
  up) exec pulumi -C "$cwd" up --yes --non-interactive --stack "$stack" "$@" ;;
  destroy) exec pulumi -C "$cwd" destroy --yes --non-interactive --stack "$stack" "$@" ;;
  refresh) exec pulumi -C "$cwd" refresh --yes --non-interactive --stack "$stack" "$@" ;;
esac
