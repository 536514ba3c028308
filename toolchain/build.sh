#!/usr/bin/env bash
# Build Berth's toolchain (Pulumi CLI, Python language host, Kubernetes provider,
# kube-apiserver & co, etcd, kwok) from the pinned Go modules in toolchain/modules/,
# into a per-user cache keyed by the pins:
#   ${BERTH_TOOLCHAIN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/berth/toolchain}/<key>/bin
# Only tools whose outputs are missing are built.
#
# usage: toolchain/build.sh [--print-bin | --check | TOOL...]
#   TOOL is one of: etcd kwok pulumi pulumi-language-python pulumi-resource-kubernetes kubernetes
#   kube-node containerd gateway-api coredns traefik (default: all, in that order).
#   --print-bin    the bin directory (kubelet, containerd, coredns, traefik, ... live there)
#   --print-share  the share directory (gateway-api/standard-install.yaml, experimental-install.yaml)
#   Also runs toolchain/node-deps.sh (the real node's Debian packages) unless
#   BERTH_SKIP_NODE_DEPS=1.
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
  --print-share) echo "$(berth_toolchain_dir)/share"; exit 0 ;;
  --check) # exit 0 iff every tool is already built for the current pins (prints nothing)
    d="$(berth_toolchain_dir)"
    for t in $BERTH_TOOLS; do
      grep -qx "key=$(berth_tool_key "$t")" "$d/stamps/$t" 2>/dev/null || exit 1
      for o in $(berth_tool_outputs "$t"); do berth_output_ok "$d" "$o" || exit 1; done
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
  for o in $(berth_tool_outputs "$t"); do berth_output_ok "$DIR" "$o" || return 1; done
}

# link_output SRCDIR OUTPUT: hard-link (or copy) one output of another cache directory here.
link_output() {
  local from to
  from="$(berth_output_path "$1" "$2")"; to="$(berth_output_path "$DIR" "$2")"
  mkdir -p "$(dirname "$to")"
  ln -f "$from" "$to" 2>/dev/null || cp -f "$from" "$to"
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
    for o in $(berth_tool_outputs "$t"); do berth_output_ok "$other" "$o" || continue 2; done
    for o in $(berth_tool_outputs "$t"); do link_output "$other" "$o"; done
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
    for o in $(berth_tool_outputs "$t"); do berth_output_ok "$old" "$o" || continue 2; done
    for o in $(berth_tool_outputs "$t"); do link_output "$old" "$o"; done
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

kube_ldflags() { # -X flags for k8s.io/kubernetes binaries (run inside the kubernetes wrapper module)
  local minor date vars="" pkg
  minor="$(echo "$KUBERNETES_VERSION" | cut -d. -f2)"
  date="$(modtime k8s.io/kubernetes)" || return 1
  # Without them the binaries report v0.0.0 (and the provider misreads the API server).
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    vars+=" -X $pkg.gitVersion=v$KUBERNETES_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
    vars+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=$date"
  done
  echo "$vars"
}

gobuild() { # gobuild OUTDIR LDFLAGS TAGS PKG...
  local out="$1" ldflags="$2" tags="$3"; shift 3
  go build -p "$P" -trimpath -tags "$tags" -ldflags "$ldflags" -o "$out/" "$@"
}

build_tool() {
  local t="$1" m stage="$DIR/work/$1.out"
  m="$BERTH_TOOLCHAIN_SRC/modules/$(berth_tool_module "$1")"
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
      local vars; vars="$(kube_ldflags)" || die "building 'kubernetes': cannot read the release time of k8s.io/kubernetes"
      step "$t" "build kube-apiserver, kube-controller-manager, kube-scheduler, kubectl" gobuild "$stage" "-s -w$vars" "" \
        k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
        k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl
      ;;
    kube-node)
      local vars; vars="$(kube_ldflags)" || die "building 'kube-node': cannot read the release time of k8s.io/kubernetes"
      step "$t" "build kubelet, kube-proxy" gobuild "$stage" "-s -w$vars" "" \
        k8s.io/kubernetes/cmd/kubelet k8s.io/kubernetes/cmd/kube-proxy
      ;;
    containerd)
      # containerd's Makefile's static build: no cgo, its default tag urfave_cli_no_docs
      # plus osusergo netgo static_build; the shim also gets no_grpc (it serves ttrpc only).
      local cd=github.com/containerd/containerd/v2 cvars
      cvars="-s -w -X $cd/version.Version=v$CONTAINERD_VERSION -X $cd/version.Package=$cd"
      step "$t" "build containerd, ctr" gobuild "$stage" "$cvars" "urfave_cli_no_docs osusergo netgo static_build" \
        "$cd/cmd/containerd" "$cd/cmd/ctr"
      step "$t" "build containerd-shim-runc-v2" gobuild "$stage" "$cvars" "urfave_cli_no_docs osusergo netgo static_build no_grpc" \
        "$cd/cmd/containerd-shim-runc-v2"
      ;;
    gateway-api)
      # The release's standard-install.yaml / experimental-install.yaml are made by upstream's
      # hack/build-install-yaml.sh: every config/crd/<channel>/gateway*.yaml in glob order,
      # each after a "---". Do the same from the go.sum-verified module zip.
      local gw ch f out
      gw="$(moddir "sigs.k8s.io/gateway-api@v$GATEWAY_API_VERSION")" || die "building 'gateway-api': module not found"
      mkdir -p "$stage/share/gateway-api"
      for ch in standard experimental; do
        out="$stage/share/gateway-api/$ch-install.yaml"
        printf '# Gateway API v%s, %s channel: config/crd/%s/gateway*.yaml of sigs.k8s.io/gateway-api@v%s\n' \
          "$GATEWAY_API_VERSION" "$ch" "$ch" "$GATEWAY_API_VERSION" >"$out"
        for f in $(cd "$gw/config/crd/$ch" && LC_ALL=C ls gateway*.yaml); do
          printf -- '---\n#\n# config/crd/%s/%s\n#\n' "$ch" "$f" >>"$out"
          cat "$gw/config/crd/$ch/$f" >>"$out"
        done
        grep -q '^kind: CustomResourceDefinition' "$out" || die "building 'gateway-api': no CRD in $out"
      done
      log "$t: $(grep -c '^kind: CustomResourceDefinition' "$stage/share/gateway-api/standard-install.yaml") standard CRDs, $(grep -c '^kind: CustomResourceDefinition' "$stage/share/gateway-api/experimental-install.yaml") experimental"
      ;;
    coredns)
      # plugin.cfg's plugins are already compiled in (core/plugin/zplugin.go is in the module).
      step "$t" "build coredns" gobuild "$stage" "-s -w" "" github.com/coredns/coredns
      ;;
    traefik)
      # Built like the provider: from a scratch copy of the wrapper module whose replaces
      # point at a writable copy of lego (go.sum-verified) without the DNS providers named in
      # TRAEFIK_LEGO_DNS_DROP (their SDKs are not served), and at the ext stand-in.
      local tr=github.com/traefik/traefik/v3 tdate lego lsrc wm="$DIR/work/traefik-mod"
      tdate="$(modtime "$tr")" || die "building 'traefik': cannot read its release time"
      lego="github.com/go-acme/lego/v5@$(go list -m -f '{{.Version}}' github.com/go-acme/lego/v5)" \
        || die "building 'traefik': lego/v5 is not in its build list"
      lsrc="$(berth_toolchain_cache_root)/src/lego-${lego##*@}-trimmed"
      local lmod; lmod="$(moddir "$lego")" || die "building 'traefik': $lego not found"
      step "$t" "copy $lego module source" copy_tree "$lmod" "$lsrc"
      # shellcheck disable=SC2086 # a list of names
      step "$t" "drop lego DNS providers whose SDKs are not served" \
        python3 "$BERTH_TOOLCHAIN_SRC/trim-lego-dns.py" "$lsrc" $TRAEFIK_LEGO_DNS_DROP
      rm -rf "$wm"; mkdir -p "$wm"; cp "$m/go.mod" "$m/go.sum" "$wm/"
      (cd "$wm" && go mod edit -replace "github.com/go-acme/lego/v5=$lsrc" -replace "github.com/traefik/traefik/dynamic/ext=$m/ext")
      cd "$wm"
      step "$t" "build traefik" gobuild "$stage" \
        "-s -w -X $tr/pkg/version.Version=v$TRAEFIK_VERSION -X $tr/pkg/version.BuildDate=$tdate" "" \
        "$tr/cmd/traefik"
      cd "$m"; rm -rf "$wm" "$lsrc"
      ;;
  esac
  local o to
  for o in $(berth_tool_outputs "$t"); do
    [ -s "$stage/$o" ] || die "building '$t': expected output '$o' missing in $stage"
    to="$(berth_output_path "$DIR" "$o")"; mkdir -p "$(dirname "$to")"
    mv -f "$stage/$o" "$to"
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
# The real node's Debian packages (quick when installed). Not fatal: a machine that only
# runs the control plane and kwok nodes (no root, no apt) still gets its toolchain.
if [ "${BERTH_SKIP_NODE_DEPS:-0}" != 1 ] && ! "$BERTH_TOOLCHAIN_SRC/node-deps.sh"; then
  log "WARNING: the real node's Debian packages are missing (see above); the real node cannot start." \
    "Set BERTH_SKIP_NODE_DEPS=1 on a machine that never runs it."
fi
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
