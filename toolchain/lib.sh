# shellcheck shell=bash
# Shared by toolchain/build.sh and toolchain/env.sh: where the toolchain cache lives.
# The cache directory is keyed by a short hash of everything that decides what gets
# built: the pins, the wrapper modules (go.mod, go.sum, Go sources), the build
# scripts, and the Go version doing the build.

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

berth_toolchain_key() {
  local src="$BERTH_TOOLCHAIN_SRC"
  {
    echo "go=$(go env GOVERSION 2>/dev/null || echo none) goos=$(go env GOOS 2>/dev/null)/$(go env GOARCH 2>/dev/null)"
    (cd "$src" && find versions.env build.sh lib.sh gen-provider-embed.py modules \
        -type f \( -name '*.env' -o -name '*.sh' -o -name '*.py' -o -name 'go.mod' -o -name 'go.sum' -o -name '*.go' \) \
        -print | LC_ALL=C sort | while read -r f; do echo "== $f"; cat "$f"; done)
  } | sha256sum | cut -c1-12
}

berth_toolchain_cache_root() {
  echo "${BERTH_TOOLCHAIN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/berth/toolchain}"
}

berth_toolchain_dir() {
  echo "$(berth_toolchain_cache_root)/$(berth_toolchain_key)"
}
