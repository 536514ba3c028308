#!/usr/bin/env bash
# Render a stack's manifests to rendered/<stack>/ through the Kubernetes provider's
# render mode: no cluster is needed or touched. For GitOps (Argo CD, Flux).
#
# usage: toolchain/render.sh STACK [OUTDIR]
# The run uses a throwaway state backend, so the real stack's state is never changed.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
stack="${1:-}"
case "$stack" in dev|staging|prod) ;; *) echo "usage: $0 dev|staging|prod [OUTDIR]" >&2; exit 2 ;; esac

"$here/build.sh" --check || "$here/build.sh"
# shellcheck source=env.sh
source "$here/env.sh"

out="$(mkdir -p "${2:-$BERTH_ROOT/rendered/$stack}" && cd "${2:-$BERTH_ROOT/rendered/$stack}" && pwd)"
rm -rf "$out"/*
state="$(mktemp -d)"
trap 'rm -rf "$state"' EXIT
export PULUMI_BACKEND_URL="file://$state" BERTH_RENDER_DIR="$out"
# Render mode never contacts a cluster; make sure no inherited one is even named.
unset KUBECONFIG KUBECONTEXT

pulumi login --non-interactive "$PULUMI_BACKEND_URL" >/dev/null
pulumi -C "$BERTH_ROOT" stack select --create --non-interactive "$stack"
pulumi -C "$BERTH_ROOT" up --yes --skip-preview --non-interactive --stack "$stack" >/dev/null
count="$(find "$out" -name '*.yaml' | wc -l)"
echo "render.sh: wrote $count manifests for stack '$stack' to $out"
echo "render.sh: WARNING: Secrets are written there in plain text (base64); do not commit them unencrypted."
