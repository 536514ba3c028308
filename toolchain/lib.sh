# shellcheck shell=bash
# Shared by toolchain/build.sh and toolchain/env.sh: where the toolchain cache lives.
# The cache directory is keyed by a short hash of the per-tool keys (berth_tool_key:
# everything that decides one tool's binaries).

BERTH_TOOLCHAIN_SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BERTH_ROOT="$(cd "$BERTH_TOOLCHAIN_SRC/.." && pwd)"

# Every tool the build produces, and the executables each one puts in bin/.
BERTH_TOOLS="etcd kwok pulumi pulumi-language-python pulumi-resource-kubernetes kubernetes"
berth_tool_outputs() {
  case "$1" in
    etcd) echo "etcd etcdctl" ;;
    kwok) echo "kwok kwokctl" ;;
    pulumi) echo "pulumi" ;;
    pulumi-language-python) echo "pulumi-language-python pulumi-language-python-exec" ;;
    pulumi-resource-kubernetes) echo "pulumi-resource-kubernetes" ;;
    kubernetes) echo "kube-apiserver kube-controller-manager kube-scheduler kubectl" ;;
    *) return 1 ;;
  esac
}

# berth_tool_key TOOL: what decides one tool's binaries: the Go version, the pins, its
# wrapper module (go.mod, go.sum, non-test Go sources), its recipe in build.sh (its case
# arm and gobuild()) and, for the provider, the schema generator. Tests, docs and the
# other tools' modules are not in it, so editing the language host rebuilds the host only.
berth_tool_key() {
  local src="$BERTH_TOOLCHAIN_SRC" t="$1"
  {
    echo "tool=$t outputs=$(berth_tool_outputs "$t")"
    echo "go=$(go env GOVERSION 2>/dev/null || echo none) goos=$(go env GOOS 2>/dev/null)/$(go env GOARCH 2>/dev/null)"
    echo "== versions.env"; cat "$src/versions.env"
    echo "== recipe"
    awk -v arm="    $t)" '$0 == arm {p=1} p {print} p && $0 == "      ;;" {exit}' "$src/build.sh"
    awk '/^gobuild\(\) / {p=1} p {print} p && /^}/ {exit}' "$src/build.sh"
    if [ "$t" = pulumi-resource-kubernetes ]; then echo "== gen-provider-embed.py"; cat "$src/gen-provider-embed.py"; fi
    (cd "$src/modules/$t" && find . -type f \( -name go.mod -o -name go.sum -o \( -name '*.go' ! -name '*_test.go' \) \) \
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
