# shellcheck shell=bash
# Shared by toolchain/build.sh and toolchain/env.sh: where the toolchain cache lives.
# The cache directory is keyed by a short hash of the per-tool keys (berth_tool_key:
# everything that decides one tool's binaries).

BERTH_TOOLCHAIN_SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BERTH_ROOT="$(cd "$BERTH_TOOLCHAIN_SRC/.." && pwd)"

# Every tool the build produces, and what each one puts in the cache directory: a bare
# name is an executable in bin/, a path with a slash is a file under the directory itself.
BERTH_TOOLS="etcd kwok pulumi pulumi-language-python pulumi-resource-kubernetes kubernetes kube-node containerd gateway-api coredns traefik"
berth_tool_outputs() {
  case "$1" in
    etcd) echo "etcd etcdctl" ;;
    kwok) echo "kwok kwokctl" ;;
    pulumi) echo "pulumi" ;;
    pulumi-language-python) echo "pulumi-language-python pulumi-language-python-exec" ;;
    pulumi-resource-kubernetes) echo "pulumi-resource-kubernetes" ;;
    kubernetes) echo "kube-apiserver kube-controller-manager kube-scheduler kubectl" ;;
    kube-node) echo "kubelet kube-proxy" ;;
    containerd) echo "containerd ctr containerd-shim-runc-v2" ;;
    gateway-api) echo "share/gateway-api/standard-install.yaml share/gateway-api/experimental-install.yaml" ;;
    coredns) echo "coredns" ;;
    traefik) echo "traefik" ;;
    *) return 1 ;;
  esac
}

# berth_tool_module TOOL: the wrapper module under modules/ a tool is built from (kubelet
# and kube-proxy come from the same k8s.io/kubernetes module as the control plane).
berth_tool_module() {
  case "$1" in
    kube-node) echo kubernetes ;;
    *) echo "$1" ;;
  esac
}

# berth_output_ok DIR OUTPUT: the output (as berth_tool_outputs names it) exists in the
# cache directory DIR: an executable in DIR/bin, or a non-empty file under DIR.
berth_output_ok() {
  case "$2" in
    */*) [ -s "$1/$2" ] ;;
    *) [ -x "$1/bin/$2" ] ;;
  esac
}

# berth_output_path DIR OUTPUT: where that output lives.
berth_output_path() {
  case "$2" in
    */*) echo "$1/$2" ;;
    *) echo "$1/bin/$2" ;;
  esac
}

# berth_tool_key TOOL: what decides one tool's binaries: the Go version, the pins, its
# wrapper module (go.mod, go.sum, non-test Go sources), its recipe in build.sh (its case
# arm, gobuild() and kube_ldflags() for the kube tools) and, for the provider, the schema
# generator (for traefik, the lego trimmer). Tests, docs and the other tools' modules are
# not in it, so editing the language host rebuilds the host only.
berth_tool_key() {
  local src="$BERTH_TOOLCHAIN_SRC" t="$1"
  {
    echo "tool=$t outputs=$(berth_tool_outputs "$t")"
    echo "go=$(go env GOVERSION 2>/dev/null || echo none) goos=$(go env GOOS 2>/dev/null)/$(go env GOARCH 2>/dev/null)"
    echo "== versions.env"; cat "$src/versions.env"
    echo "== recipe"
    awk -v arm="    $t)" '$0 == arm {p=1} p {print} p && $0 == "      ;;" {exit}' "$src/build.sh"
    awk '/^gobuild\(\) / {p=1} p {print} p && /^}/ {exit}' "$src/build.sh"
    case "$t" in
      kubernetes|kube-node) awk '/^kube_ldflags\(\) / {p=1} p {print} p && /^}/ {exit}' "$src/build.sh" ;;
    esac
    if [ "$t" = pulumi-resource-kubernetes ]; then echo "== gen-provider-embed.py"; cat "$src/gen-provider-embed.py"; fi
    if [ "$t" = traefik ]; then echo "== trim-lego-dns.py"; cat "$src/trim-lego-dns.py"; fi
    (cd "$src/modules/$(berth_tool_module "$t")" && find . -type f \( -name go.mod -o -name go.sum -o \( -name '*.go' ! -name '*_test.go' \) \) \
        -print | LC_ALL=C sort | while read -r f; do echo "== $f"; cat "$f"; done)
  } | sha256sum | cut -c1-12
}

# The cache directory's key: the keys of all tools. A new directory takes every tool whose
# own key is unchanged from another directory of the cache (build.sh: reuse_tool).
berth_toolchain_key() {
  local t
  for t in $BERTH_TOOLS; do echo "$t=$(berth_tool_key "$t")"; done | sha256sum | cut -c1-12
}

berth_toolchain_cache_root() {
  echo "${BERTH_TOOLCHAIN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/berth/toolchain}"
}

berth_toolchain_dir() {
  echo "$(berth_toolchain_cache_root)/$(berth_toolchain_key)"
}
