#!/usr/bin/env bash
# Build the real node's two test images as OCI archives (no registry, no container tool):
#   OUTDIR/echo.oci.tar   berth.local/echo:<tag>   the test server (echo/), uid 65532, port 8080
#   OUTDIR/pause.oci.tar  berth.local/pause:<tag>  the pod sandbox image (pause/)
# <tag> is a hash of the sources and the Go version, so a change gives a new reference
# and an unchanged tree is not rebuilt. Prints (and writes to OUTDIR/images.env):
#   IMAGES_TAG=<tag> ECHO_IMAGE=<ref> PAUSE_IMAGE=<ref> ECHO_ARCHIVE=<path> PAUSE_ARCHIVE=<path>
# Import with: ctr -n k8s.io images import OUTDIR/echo.oci.tar (the name comes from the archive).
#
# usage: toolchain/images/build.sh OUTDIR
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
[ $# -eq 1 ] || { echo "usage: $0 OUTDIR" >&2; exit 2; }
mkdir -p "$1"
out="$(cd "$1" && pwd)"

export GOTOOLCHAIN="${GOTOOLCHAIN:-local}" CGO_ENABLED=0 GOOS=linux
export GOFLAGS="-mod=readonly -buildvcs=false -trimpath"
arch="$(go env GOARCH)"
tag="$(
  cd "$here"
  { echo "go=$(go env GOVERSION) arch=$arch"
    find . -type f \( -name go.mod -o -name pack.py -o -name build.sh -o \( -name '*.go' ! -name '*_test.go' \) \) \
      -print | LC_ALL=C sort | while read -r f; do echo "== $f"; cat "$f"; done
  } | sha256sum | cut -c1-12
)"

exec 9>"$out/.images.lock"
flock 9

env_file="$out/images.env"
want="IMAGES_TAG=$tag"
if ! grep -qx "$want" "$env_file" 2>/dev/null || [ ! -s "$out/echo.oci.tar" ] || [ ! -s "$out/pause.oci.tar" ]; then
  started=$(date +%s)
  work="$(mktemp -d "$out/.build.XXXXXX")"
  trap 'rm -rf "$work"' EXIT
  for prog in echo pause; do
    # netgo/osusergo: the pure-Go resolver and user lookup, so the binary is static.
    (cd "$here" && go build -tags "netgo osusergo" -ldflags "-s -w" -o "$work/$prog" "./$prog")
  done
  python3 "$here/pack.py" --binary "$work/echo" --ref "berth.local/echo:$tag" --port 8080 \
    --arch "$arch" --out "$work/echo.oci.tar"
  python3 "$here/pack.py" --binary "$work/pause" --ref "berth.local/pause:$tag" \
    --arch "$arch" --out "$work/pause.oci.tar"
  mv -f "$work/echo.oci.tar" "$work/pause.oci.tar" "$out/"
  {
    echo "$want"
    echo "ECHO_IMAGE=berth.local/echo:$tag"
    echo "PAUSE_IMAGE=berth.local/pause:$tag"
    echo "ECHO_ARCHIVE=$out/echo.oci.tar"
    echo "PAUSE_ARCHIVE=$out/pause.oci.tar"
  } >"$env_file.partial"
  mv -f "$env_file.partial" "$env_file"
  echo "[images] built echo and pause ($tag) in $(($(date +%s) - started)) s" >&2
fi
cat "$env_file"
