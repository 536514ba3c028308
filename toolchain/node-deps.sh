#!/usr/bin/env bash
# Debian packages the local cluster's real node needs (runc, the CNI plugins, the
# packet-filter and conntrack tools kube-proxy calls, socat for port-forward, ip).
# Idempotent: when all are installed it only asks dpkg (well under a second) and never
# touches the network; otherwise it runs apt-get update once and installs what is missing.
#
# usage: toolchain/node-deps.sh [--check | --print]
#   --check  exit 0 iff every package is installed (prints what is missing otherwise)
#   --print  print the packages, one a line
# env:   BERTH_SKIP_NODE_DEPS=1  do nothing (machines that never start the real node)
set -euo pipefail

# package: what the real node uses it for
PACKAGES=(
  runc                         # the OCI runtime containerd's runc shim calls
  containernetworking-plugins  # bridge, host-local, loopback, portmap in /usr/lib/cni
  iptables                     # kube-proxy --proxy-mode=iptables (nft backend), CNI portmap
  nftables                     # kube-proxy --proxy-mode=nftables, clean-up of its tables
  conntrack                    # kube-proxy flushes stale UDP conntrack entries
  socat                        # kubectl port-forward through the kubelet
  iproute2                     # ip: bridge, routes, network namespaces
)

log() { printf '[node-deps %s] %s\n' "$(date +%H:%M:%S)" "$*"; }

missing() {
  local p
  for p in "${PACKAGES[@]}"; do
    [ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null)" = "ii " ] || echo "$p"
  done
}

case "${1:-}" in
  --print) printf '%s\n' "${PACKAGES[@]}"; exit 0 ;;
  --check)
    m="$(missing)"
    [ -z "$m" ] && exit 0
    echo "missing Debian packages: $(echo "$m" | tr '\n' ' ')" >&2
    exit 1 ;;
  "") ;;
  *) echo "usage: $0 [--check | --print]" >&2; exit 2 ;;
esac

[ "${BERTH_SKIP_NODE_DEPS:-0}" = 1 ] && exit 0

if ! command -v dpkg-query >/dev/null || ! command -v apt-get >/dev/null; then
  echo "[node-deps] not a Debian system: install by hand: ${PACKAGES[*]}" >&2
  exit 1
fi

mapfile -t need < <(missing)
[ "${#need[@]}" -eq 0 ] && exit 0

sudo=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "[node-deps] need root (or sudo) to install: ${need[*]}" >&2; exit 1; }
  sudo=(sudo)
fi

t0=$SECONDS
log "installing ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -q
"${sudo[@]}" apt-get install -y -q --no-install-recommends "${need[@]}"
m="$(missing)"
[ -z "$m" ] || { echo "[node-deps] still missing after apt-get install: $m" >&2; exit 1; }
log "installed ${#need[@]} package(s) in $((SECONDS - t0))s"
