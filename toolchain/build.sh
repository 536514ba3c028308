#!/usr/bin/env bash
# Build Berth's toolchain (Pulumi CLI, Python language host, Kubernetes provider,
# kube-apiserver & co, etcd, kwok) from the pinned Go modules in toolchain/modules/,
# into a per-user cache keyed by the pins:
#   ${BERTH_TOOLCHAIN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/berth/toolchain}/<key>/bin
# Only tools whose outputs are missing are built.
#
# usage: toolchain/build.sh [--print-bin | --check | TOOL...]
#   TOOL is one of: etcd kwok pulumi pulumi-language-python pulumi-resource-kubernetes kubernetes
#   (default: all, in that order: small first for fast feedback).
# env:   BERTH_GO_BUILD_P  go build -p value (default 2)
#        PULUMI_HOME       where the provider plugin is registered (default <repo>/.berth/pulumi-home)
set -euo pipefail

# shellcheck source=lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"
# shellcheck source=versions.env
source "$BERTH_TOOLCHAIN_SRC/versions.env"

export GOTOOLCHAIN="${GOTOOLCHAIN:-local}"
export GOFLAGS="-mod=readonly -buildvcs=false"
export CGO_ENABLED=0
P="${BERTH_GO_BUILD_P:-2}"

case "${1:-}" in
  --print-bin) echo "$(berth_toolchain_dir)/bin"; exit 0 ;;
  --check) # exit 0 iff every tool is already built for the current pins (prints nothing)
    d="$(berth_toolchain_dir)"
    for t in $BERTH_TOOLS; do
      grep -qx "key=$(berth_tool_key "$t")" "$d/stamps/$t" 2>/dev/null || exit 1
      for o in $(berth_tool_outputs "$t"); do [ -x "$d/bin/$o" ] || exit 1; done
    done
    [ -f "${PULUMI_HOME:-$BERTH_ROOT/.berth/pulumi-home}/.berth-provider-$(basename "$d")" ] || exit 1
    exit 0 ;;
esac

log() { printf '[toolchain %s] %s\n' "$(date +%H:%M:%S)" "$*"; }
die() { printf '[toolchain] ERROR: %s\n' "$*" >&2; exit 1; }

command -v go >/dev/null || die "go is not installed (need Go >= $GO_MIN_VERSION)"
gov="$(go env GOVERSION)"; gov="${gov#go}"
if [ "$(printf '%s\n%s\n' "$GO_MIN_VERSION" "$gov" | sort -V | head -1)" != "$GO_MIN_VERSION" ]; then
  die "Go $gov is too old: the pinned modules need Go >= $GO_MIN_VERSION"
fi
command -v python3 >/dev/null || die "python3 is needed (to generate the provider's embedded schema)"

KEY="$(berth_toolchain_key)"
DIR="$(berth_toolchain_cache_root)/$KEY"
BIN="$DIR/bin"
mkdir -p "$BIN" "$DIR/logs" "$DIR/stamps" "$DIR/work"

exec 9>"$DIR/.lock"
if ! flock -n 9; then
  log "another build is running in $DIR; waiting for it"
  flock 9
fi

tools=("$@")
[ "${#tools[@]}" -gt 0 ] || read -r -a tools <<<"$BERTH_TOOLS"
for t in "${tools[@]}"; do berth_tool_outputs "$t" >/dev/null || die "unknown tool '$t' (known: $BERTH_TOOLS)"; done

# A tool's stamp records its own key (berth_tool_key) and how long its build took.
is_built() {
  local t="$1" o
  grep -qx "key=$(berth_tool_key "$t")" "$DIR/stamps/$t" 2>/dev/null || return 1
  for o in $(berth_tool_outputs "$t"); do [ -x "$BIN/$o" ] || return 1; done
}

# reuse_tool TOOL: take TOOL's binaries from another cache directory whose stamp has the
# same tool key (hard links: same cache root), so a change to one tool rebuilds only it.
reuse_tool() {
  local t="$1" k o other
  k="$(berth_tool_key "$t")"
  for other in "$(berth_toolchain_cache_root)"/*/; do
    other="${other%/}"
    [ "$other" = "$DIR" ] && continue
    grep -qx "key=$k" "$other/stamps/$t" 2>/dev/null || continue
    for o in $(berth_tool_outputs "$t"); do [ -x "$other/bin/$o" ] || continue 2; done
    for o in $(berth_tool_outputs "$t"); do
      ln -f "$other/bin/$o" "$BIN/$o" 2>/dev/null || cp -f "$other/bin/$o" "$BIN/$o"
    done
    cp -f "$other/stamps/$t" "$DIR/stamps/$t"
    log "$t: unchanged (key $k), taken from $other"
    return 0
  done
  return 1
}

# legacy_key SRC: the key a toolchain tree at SRC had before per-tool keys (a hash of the
# whole tree); cache directories built then are named by it and their stamps hold no key.
legacy_key() {
  {
    echo "go=$(go env GOVERSION 2>/dev/null || echo none) goos=$(go env GOOS 2>/dev/null)/$(go env GOARCH 2>/dev/null)"
    (cd "$1" && find versions.env build.sh lib.sh gen-provider-embed.py modules \
        -type f \( -name '*.env' -o -name '*.sh' -o -name '*.py' -o -name 'go.mod' -o -name 'go.sum' -o -name '*.go' \) \
        -print | LC_ALL=C sort | while read -r f; do echo "== $f"; cat "$f"; done)
  } | sha256sum | cut -c1-12
}

# reuse_legacy TOOL: take TOOL from a directory built before per-tool keys, when one of the
# last commits that changed toolchain/ both names that directory (legacy_key of its tree)
# and gives TOOL the same key as now: its binaries were built from the same inputs.
reuse_legacy() {
  local t="$1" k c tree old o
  k="$(berth_tool_key "$t")"
  git -C "$BERTH_ROOT" rev-parse --git-dir >/dev/null 2>&1 || return 1
  for c in $(git -C "$BERTH_ROOT" log --format=%H -n 10 -- toolchain 2>/dev/null); do
    tree="$DIR/work/legacy-$c"
    if [ ! -d "$tree" ]; then
      mkdir -p "$tree"
      git -C "$BERTH_ROOT" archive "$c" toolchain | tar -x -C "$tree" || { rm -rf "$tree"; continue; }
    fi
    old="$(berth_toolchain_cache_root)/$(legacy_key "$tree/toolchain")"
    [ -d "$old/bin" ] && [ -f "$old/stamps/$t" ] && ! grep -q '^key=' "$old/stamps/$t" || continue
    [ "$(BERTH_TOOLCHAIN_SRC="$tree/toolchain" berth_tool_key "$t")" = "$k" ] || continue
    for o in $(berth_tool_outputs "$t"); do [ -x "$old/bin/$o" ] || continue 2; done
    for o in $(berth_tool_outputs "$t"); do
      ln -f "$old/bin/$o" "$BIN/$o" 2>/dev/null || cp -f "$old/bin/$o" "$BIN/$o"
    done
    printf 'key=%s\nseconds=0\nfrom=%s (commit %s)\n' "$k" "$old" "$c" >"$DIR/stamps/$t"
    log "$t: unchanged since commit ${c:0:12} (key $k), taken from $old"
    return 0
  done
  return 1
}

# step TOOL NAME CMD...: run one step with its output in the tool's log; time it; on
# failure name the tool and step and show the end of the log.
step() {
  local tool="$1" name="$2"; shift 2
  local logf="$DIR/logs/$tool.log" t0=$SECONDS
  log "$tool: $name ..."
  echo "### $(date -Is) $name: $*" >>"$logf"
  if ! "$@" >>"$logf" 2>&1; then
    echo "----- last lines of $logf -----" >&2
    tail -n 40 "$logf" >&2
    die "building '$tool' failed at step '$name' (full log: $logf)"
  fi
  log "$tool: $name done in $((SECONDS - t0))s"
}

retry() { # retry N CMD...: the module proxy sometimes times out a TLS handshake
  local n="$1" i; shift
  for ((i = 1; i <= n; i++)); do
    "$@" && return 0
    [ "$i" -lt "$n" ] && { echo "attempt $i of $n failed; retrying in $((5 * i))s"; sleep $((5 * i)); }
  done
  return 1
}

moddir() { # moddir MODULE@VERSION (run inside a wrapper module): module cache dir
  go mod download -json "$1" | python3 -c 'import json,sys; d=json.load(sys.stdin); sys.exit(d["Error"]) if d.get("Error") else print(d["Dir"])'
}
modtime() { # modtime MODULE (in the build list of the current wrapper module): its commit time (RFC 3339)
  go list -m -json "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Time"])'
}

copy_tree() { # copy_tree SRC DST: writable copy of a module cache directory
  rm -rf "$2" && mkdir -p "$(dirname "$2")" && cp -r "$1" "$2" && chmod -R u+w "$2"
}

gobuild() { # gobuild OUTDIR LDFLAGS TAGS PKG...
  local out="$1" ldflags="$2" tags="$3"; shift 3
  go build -p "$P" -trimpath -tags "$tags" -ldflags "$ldflags" -o "$out/" "$@"
}

build_tool() {
  local t="$1" m="$BERTH_TOOLCHAIN_SRC/modules/$1" stage="$DIR/work/$1.out"
  rm -rf "$stage"; mkdir -p "$stage"
  : >"$DIR/logs/$t.log"
  cd "$m"
  step "$t" "resolve modules (go mod download, verified against go.sum)" retry 3 go mod download
  case "$t" in
    etcd)
      step "$t" "build etcd, etcdctl" gobuild "$stage" "-s -w" "" \
        go.etcd.io/etcd/server/v3 go.etcd.io/etcd/etcdctl/v3
      mv "$stage/v3" "$stage/etcd" 2>/dev/null || true
      # go build names the server binary after its last path element ("v3" or "server").
      [ -x "$stage/etcd" ] || { [ -x "$stage/server" ] && mv "$stage/server" "$stage/etcd"; }
      ;;
    kwok)
      step "$t" "build kwok, kwokctl" gobuild "$stage" \
        "-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=v$KWOK_VERSION" "" \
        sigs.k8s.io/kwok/cmd/kwok sigs.k8s.io/kwok/cmd/kwokctl
      ;;
    pulumi)
      step "$t" "build pulumi CLI" gobuild "$stage" \
        "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_VERSION" "osusergo grpcnotrace" \
        github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
      ;;
    pulumi-language-python)
      step "$t" "build pulumi-language-python (Berth's host, sdk/v3 v$PULUMI_VERSION)" gobuild "$stage" \
        "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_LANGUAGE_PYTHON_VERSION" "osusergo grpcnotrace" \
        .
      local sdk; sdk="$(moddir "github.com/pulumi/pulumi/sdk/v3@v$PULUMI_VERSION")" || die "building '$t': sdk/v3 module not found"
      step "$t" "install pulumi-language-python-exec from sdk/v3" \
        install -m 0755 "$sdk/python/cmd/pulumi-language-python-exec" "$stage/pulumi-language-python-exec"
      ;;
    pulumi-resource-kubernetes)
      # main.go embeds two generated files that are not in the module, and go build
      # refuses overlays inside GOMODCACHE: build from a writable copy of the
      # (go.sum-verified) module source, wired in by a directory replace in a
      # scratch copy of the wrapper module.
      local prov wm="$DIR/work/provider-mod"
      local src; src="$(berth_toolchain_cache_root)/src/pulumi-kubernetes-provider-$PULUMI_KUBERNETES_MODULE_VERSION"
      prov="$(moddir "github.com/pulumi/pulumi-kubernetes/provider/v4@$PULUMI_KUBERNETES_MODULE_VERSION")" || die "building '$t': provider module not found"
      step "$t" "copy provider module source" copy_tree "$prov" "$src"
      step "$t" "generate schema-embed.json, terraform-mapping-embed.json" \
        python3 "$BERTH_TOOLCHAIN_SRC/gen-provider-embed.py" "$src" "$PULUMI_KUBERNETES_VERSION" "$src/cmd/pulumi-resource-kubernetes"
      rm -rf "$wm"; mkdir -p "$wm"; cp "$m/go.mod" "$m/go.sum" "$wm/"
      (cd "$wm" && go mod edit -replace "github.com/pulumi/pulumi-kubernetes/provider/v4=$src")
      cd "$wm"
      step "$t" "build pulumi-resource-kubernetes" gobuild "$stage" \
        "-s -w -X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=$PULUMI_KUBERNETES_VERSION" "" \
        github.com/pulumi/pulumi-kubernetes/provider/v4/cmd/pulumi-resource-kubernetes
      cd "$m"; rm -rf "$wm" "$src"
      ;;
    kubernetes)
      local minor patch date vars="" pkg
      minor="$(echo "$KUBERNETES_VERSION" | cut -d. -f2)"; patch="$(echo "$KUBERNETES_VERSION" | cut -d. -f3)"
      date="$(modtime k8s.io/kubernetes)" || die "building 'kubernetes': cannot read the release time of k8s.io/kubernetes"
      for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
        vars+=" -X $pkg.gitVersion=v$KUBERNETES_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
        vars+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=$date"
      done
      : "$patch"
      step "$t" "build kube-apiserver, kube-controller-manager, kube-scheduler, kubectl" gobuild "$stage" "-s -w$vars" "" \
        k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
        k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl
      ;;
  esac
  local o
  for o in $(berth_tool_outputs "$t"); do
    [ -x "$stage/$o" ] || die "building '$t': expected output '$o' missing in $stage"
    mv -f "$stage/$o" "$BIN/$o"
  done
  rm -rf "$stage"
}

register_provider() {
  # Register the provider with the CLI in the project's PULUMI_HOME. (The CLI also
  # finds it on PATH, which is what lets an SDK that asks for another version use it.)
  local home="${PULUMI_HOME:-$BERTH_ROOT/.berth/pulumi-home}" marker
  marker="$home/.berth-provider-$KEY"
  [ -f "$marker" ] && return 0
  mkdir -p "$home"
  step pulumi-resource-kubernetes "register plugin with pulumi (PULUMI_HOME=$home)" \
    env PULUMI_HOME="$home" PULUMI_SKIP_UPDATE_CHECK=true \
    "$BIN/pulumi" plugin install resource kubernetes "v$PULUMI_KUBERNETES_VERSION" \
    --file "$BIN/pulumi-resource-kubernetes" --reinstall
  rm -f "$home"/.berth-provider-*; : >"$marker"
}

T0=$SECONDS
log "cache: $DIR (key $KEY)"
built=0
for t in "${tools[@]}"; do
  if is_built "$t"; then
    log "$t: up to date"
    continue
  fi
  reuse_tool "$t" && continue
  reuse_legacy "$t" && continue
  t1=$SECONDS
  build_tool "$t"
  printf 'key=%s\nseconds=%s\n' "$(berth_tool_key "$t")" "$((SECONDS - t1))" >"$DIR/stamps/$t"
  log "$t: built in $((SECONDS - t1))s"
  built=$((built + 1))
done

if [ -x "$BIN/pulumi" ] && [ -x "$BIN/pulumi-resource-kubernetes" ]; then
  register_provider
fi

{
  echo "key=$KEY"
  echo "go=$(go env GOVERSION)"
  grep -E '^[A-Z_]+=' "$BERTH_TOOLCHAIN_SRC/versions.env"
} >"$DIR/manifest.env"
ln -sfn "$KEY" "$(berth_toolchain_cache_root)/current"

rm -rf "$DIR"/work/legacy-*
log "done: $built tool(s) built in $((SECONDS - T0))s; bin: $BIN ($(du -sh "$DIR" | cut -f1) in cache dir)"
