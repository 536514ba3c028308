#!/usr/bin/env bash
# Regenerate the wrapper Go modules under toolchain/modules/ from the pins in
# toolchain/versions.env. Run it after changing a pin; commit the resulting
# go.mod/go.sum files. `make toolchain` never runs this: it builds from the
# committed go.mod/go.sum with -mod=readonly, so every download is verified.
#
# usage: toolchain/sync-modules.sh [etcd|kwok|kubernetes|pulumi|pulumi-resource-kubernetes|pulumi-language-python|
#                                   containerd|coredns|traefik|gateway-api ...]
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
source "$here/versions.env"
export GOTOOLCHAIN="${GOTOOLCHAIN:-local}" GOFLAGS=-mod=mod
mods="$here/modules"

die() { echo "sync-modules: $*" >&2; exit 1; }

# moddir: print the module cache directory of module@version (downloading it).
moddir() { go mod download -json "$1" | python3 -c 'import json,sys; d=json.load(sys.stdin); e=d.get("Error"); sys.exit("go mod download %s: %s" % (d.get("Path"), e)) if e else print(d["Dir"])'; }
# modfile: print the cached go.mod of module@version.
modfile() { go mod download -json "$1" | python3 -c 'import json,sys; d=json.load(sys.stdin); e=d.get("Error"); sys.exit("go mod download %s: %s" % (d.get("Path"), e)) if e else print(d["GoMod"])'; }

# non_local_replaces FILE: print "old=new@version" for every replace in FILE whose
# target is a module version (not a ./ or ../ directory).
non_local_replaces() {
  python3 - "$1" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
lines = []
for block in re.findall(r'^replace\s*\((.*?)^\)', text, re.S | re.M):
    lines += block.splitlines()
lines += [m for m in re.findall(r'^replace\s+([^(].*)$', text, re.M)]
for line in lines:
    line = line.split('//')[0].strip()
    if '=>' not in line:
        continue
    old, new = [s.split() for s in line.split('=>')]
    if new[0].startswith('.') or new[0].startswith('/'):
        continue
    print(('%s@%s' % (old[0], old[1]) if len(old) > 1 else old[0]) + '=' + new[0] + '@' + new[1])
PY
}

fresh() { # fresh DIR MODULEPATH: start a wrapper go.mod from scratch (keeps other files)
  rm -f "$1/go.mod" "$1/go.sum"
  (cd "$1" && go mod init "$2" >/dev/null 2>&1 && go mod edit -go="${GO_MIN_VERSION%.*}.0")
}

sync_etcd() {
  local d="$mods/etcd"; fresh "$d" berth.local/toolchain/etcd
  (cd "$d" && go get -tool "go.etcd.io/etcd/server/v3@v$ETCD_VERSION" "go.etcd.io/etcd/etcdctl/v3@v$ETCD_VERSION" \
     && go mod edit -go="${GO_MIN_VERSION%.*}.0" && go mod tidy)
}

sync_kwok() {
  local d="$mods/kwok"; fresh "$d" berth.local/toolchain/kwok
  (cd "$d" && go get -tool "sigs.k8s.io/kwok/cmd/kwok@v$KWOK_VERSION" "sigs.k8s.io/kwok/cmd/kwokctl@v$KWOK_VERSION" \
     && go mod edit -go="${GO_MIN_VERSION%.*}.0" && go mod tidy)
}

sync_kubernetes() {
  local d="$mods/kubernetes" minor patch gomod
  minor="$(echo "$KUBERNETES_VERSION" | cut -d. -f2)"; patch="$(echo "$KUBERNETES_VERSION" | cut -d. -f3)"
  fresh "$d" berth.local/toolchain/kubernetes
  gomod="$(modfile "k8s.io/kubernetes@v$KUBERNETES_VERSION")"
  # Every staging module is required at v0.0.0 and replaced by ./staging/src/...;
  # point each at its published v0.<minor>.<patch> instead.
  local args=()
  while read -r m; do
    args+=("-replace=$m@v0.0.0=$m@v0.$minor.$patch")
  done < <(sed -n 's#^[[:space:]]*\(k8s.io/[^[:space:]]*\) => \./staging/src/.*#\1#p' "$gomod")
  [ "${#args[@]}" -gt 20 ] || die "kubernetes: found only ${#args[@]} staging replaces in $gomod"
  (cd "$d" && go mod edit "${args[@]}" -require="k8s.io/kubernetes@v$KUBERNETES_VERSION" \
     && go get -tool "k8s.io/kubernetes/cmd/kube-apiserver@v$KUBERNETES_VERSION" \
          "k8s.io/kubernetes/cmd/kube-controller-manager@v$KUBERNETES_VERSION" \
          "k8s.io/kubernetes/cmd/kube-scheduler@v$KUBERNETES_VERSION" \
          "k8s.io/kubernetes/cmd/kubectl@v$KUBERNETES_VERSION" \
          "k8s.io/kubernetes/cmd/kubelet@v$KUBERNETES_VERSION" \
          "k8s.io/kubernetes/cmd/kube-proxy@v$KUBERNETES_VERSION" \
     && go mod edit -go="${GO_MIN_VERSION%.*}.0" && go mod tidy)
}

sync_pulumi() {
  local d="$mods/pulumi" args=() r
  fresh "$d" berth.local/toolchain/pulumi
  # Copy every non-local replace of pkg/v3 and sdk/v3 (pkg's `sdk/v3 => ../sdk` becomes a version pin).
  for f in "$(modfile "github.com/pulumi/pulumi/pkg/v3@v$PULUMI_VERSION")" "$(modfile "github.com/pulumi/pulumi/sdk/v3@v$PULUMI_VERSION")"; do
    while read -r r; do [ -n "$r" ] && args+=("-replace=$r"); done < <(non_local_replaces "$f")
  done
  (cd "$d" && go mod edit "${args[@]}" \
     -require="github.com/pulumi/pulumi/pkg/v3@v$PULUMI_VERSION" -require="github.com/pulumi/pulumi/sdk/v3@v$PULUMI_VERSION" \
     && go get -tool "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi@v$PULUMI_VERSION" \
     && go mod edit -go="${GO_MIN_VERSION%.*}.0" && go mod tidy)
}

sync_pulumi_resource_kubernetes() {
  local d="$mods/pulumi-resource-kubernetes" args=() r
  fresh "$d" berth.local/toolchain/pulumi-resource-kubernetes
  local mv="github.com/pulumi/pulumi-kubernetes/provider/v4@$PULUMI_KUBERNETES_MODULE_VERSION"
  while read -r r; do [ -n "$r" ] && args+=("-replace=$r"); done < <(non_local_replaces "$(modfile "$mv")")
  # The provider's `sdk/v4 => ../sdk` (same commit) becomes the sdk/v4 release of the same version.
  args+=("-replace=github.com/pulumi/pulumi-kubernetes/sdk/v4=github.com/pulumi/pulumi-kubernetes/sdk/v4@v$PULUMI_KUBERNETES_VERSION")
  (cd "$d" && go mod edit "${args[@]}" -require="$mv" \
     && go get -tool "github.com/pulumi/pulumi-kubernetes/provider/v4/cmd/pulumi-resource-kubernetes@$PULUMI_KUBERNETES_MODULE_VERSION" \
     && go mod edit -go="${GO_MIN_VERSION%.*}.0" && go mod tidy)
}

sync_pulumi_language_python() {
  # Our own language host (main.go in this directory) against sdk/v3 at PULUMI_VERSION.
  local d="$mods/pulumi-language-python" args=() r
  [ -f "$d/main.go" ] || die "pulumi-language-python: $d/main.go missing"
  fresh "$d" berth.local/toolchain/pulumi-language-python
  while read -r r; do [ -n "$r" ] && args+=("-replace=$r"); done \
    < <(non_local_replaces "$(modfile "github.com/pulumi/pulumi/sdk/v3@v$PULUMI_VERSION")")
  (cd "$d" && go mod edit "${args[@]}" -require="github.com/pulumi/pulumi/sdk/v3@v$PULUMI_VERSION" \
     && go mod tidy && go mod edit -go="${GO_MIN_VERSION%.*}.0" && go mod tidy)
}

sync_containerd() {
  local d="$mods/containerd" m="github.com/containerd/containerd/v2" args=() r
  fresh "$d" berth.local/toolchain/containerd
  while read -r r; do [ -n "$r" ] && args+=("-replace=$r"); done < <(non_local_replaces "$(modfile "$m@v$CONTAINERD_VERSION")")
  (cd "$d" && { [ "${#args[@]}" -eq 0 ] || go mod edit "${args[@]}"; } \
     && go get -tool "$m/cmd/containerd@v$CONTAINERD_VERSION" "$m/cmd/ctr@v$CONTAINERD_VERSION" \
          "$m/cmd/containerd-shim-runc-v2@v$CONTAINERD_VERSION" \
     && go mod edit -go="${GO_MIN_VERSION%.*}.0" && go mod tidy)
}

sync_coredns() {
  local d="$mods/coredns" m="github.com/coredns/coredns" args=() r
  fresh "$d" berth.local/toolchain/coredns
  while read -r r; do [ -n "$r" ] && args+=("-replace=$r"); done < <(non_local_replaces "$(modfile "$m@v$COREDNS_VERSION")")
  (cd "$d" && { [ "${#args[@]}" -eq 0 ] || go mod edit "${args[@]}"; } \
     && go get -tool "$m@v$COREDNS_VERSION" \
     && go mod edit -go="${GO_MIN_VERSION%.*}.0" && go mod tidy)
}

sync_traefik() {
  # traefik/v3 requires github.com/traefik/traefik/dynamic/ext, a nested module that its
  # own go.mod replaces with ./pkg/config/dynamic/ext: not in the v3 module zip and not
  # served on its own. modules/traefik/ext is Berth's stand-in (see its ext.go).
  # abbot/go-http-auth goes to TRAEFIK_GO_HTTP_AUTH instead of traefik's (unserved) fork
  # commit, and tidy runs against a copy of lego without TRAEFIK_LEGO_DNS_DROP (their SDKs
  # answer 403); that directory replace is dropped again, build.sh makes the same copy.
  local d="$mods/traefik" m="github.com/traefik/traefik/v3" args=() r lego lv src
  [ -f "$d/ext/go.mod" ] || die "traefik: $d/ext/go.mod missing"
  fresh "$d" berth.local/toolchain/traefik
  while read -r r; do
    case "$r" in github.com/abbot/go-http-auth*) continue ;; esac
    [ -n "$r" ] && args+=("-replace=$r")
  done < <(non_local_replaces "$(modfile "$m@v$TRAEFIK_VERSION")")
  args+=("-replace=github.com/traefik/traefik/dynamic/ext=./ext" "-replace=github.com/abbot/go-http-auth=$TRAEFIK_GO_HTTP_AUTH")
  src="$(mktemp -d)/lego"
  (cd "$d" && go mod edit "${args[@]}" -require="$m@v$TRAEFIK_VERSION" -tool="$m/cmd/traefik" \
     && lv="$(go list -m -f '{{.Version}}' github.com/go-acme/lego/v5)" && lego="github.com/go-acme/lego/v5@$lv" \
     && cp -r "$(moddir "$lego")" "$src" && chmod -R u+w "$src" \
     && python3 "$here/trim-lego-dns.py" "$src" $TRAEFIK_LEGO_DNS_DROP \
     && go mod edit -replace="github.com/go-acme/lego/v5=$src" && go mod tidy \
     && go mod edit -dropreplace=github.com/go-acme/lego/v5 && go mod download "$lego") \
    || { rm -rf "$(dirname "$src")"; die "traefik: sync failed"; }
  rm -rf "$(dirname "$src")"
}

sync_gateway_api() {
  # No Go package is built: the module is required only for its CRD YAML (config/crd/),
  # so no tidy (it would drop an unused require); go.sum gets the module's own hashes.
  local d="$mods/gateway-api" mv="sigs.k8s.io/gateway-api@v$GATEWAY_API_VERSION"
  fresh "$d" berth.local/toolchain/gateway-api
  (cd "$d" && go mod edit -require="$mv" && go mod download "$mv")
}

targets=("$@")
[ "${#targets[@]}" -gt 0 ] || targets=(etcd kwok kubernetes pulumi pulumi-resource-kubernetes pulumi-language-python containerd coredns traefik gateway-api)
for t in "${targets[@]}"; do
  echo "sync-modules: $t"
  case "$t" in
    etcd) sync_etcd ;;
    kwok) sync_kwok ;;
    kubernetes) sync_kubernetes ;;
    pulumi) sync_pulumi ;;
    pulumi-resource-kubernetes) sync_pulumi_resource_kubernetes ;;
    pulumi-language-python) sync_pulumi_language_python ;;
    containerd) sync_containerd ;;
    coredns) sync_coredns ;;
    traefik) sync_traefik ;;
    gateway-api) sync_gateway_api ;;
    *) die "unknown module '$t'" ;;
  esac
done
