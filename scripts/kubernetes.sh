#!/usr/bin/env bash
# Makes a real kubernetes control plane and the Pulumi kubernetes provider available in
# .streambus/bin, for the end-to-end tests of the kubernetes platform (test/kube/, docs/kubernetes.md).
# Idempotent: each piece is built once from the Go module proxy into a cache keyed by its version
# and wrapper module (${XDG_CACHE_HOME:-$HOME/.cache}/streambus-infra), so a second run takes seconds.
#
#   - kube-apiserver, kube-controller-manager, kube-scheduler: k8s.io/kubernetes $KUBERNETES_VERSION through the
#     wrapper module toolchain/kubernetes/control-plane (its staging modules replaced by the
#     published ones).
#   - etcd: the machine's when it is 3.5.13 or newer; else go.etcd.io/etcd/server/v3 at the
#     version kube-apiserver's client pins (v3.7.0), from the same wrapper module.
#   - kwok: sigs.k8s.io/kwok $KWOK_VERSION (nodes and pods without a kubelet).
#   - pulumi-resource-kubernetes: github.com/pulumi/pulumi-kubernetes/provider/v4 through
#     toolchain/kubernetes/provider, version-stamped to match the @pulumi/kubernetes package.
#     On PATH (.streambus/bin), where the engine finds a plugin without downloading it.
#
# Each build's duration is kept beside it (build-seconds), for docs/kubernetes.md.
#
# Usage: scripts/kubernetes.sh [PIECE...]   build what is missing, link it, print the folder;
#        PIECE: control-plane, etcd, kwok, provider (default: all, in that order)
set -euo pipefail

KUBERNETES_VERSION=v1.37.2
KWOK_VERSION=v0.8.0
PROVIDER_MODULE_VERSION=v4.0.0-20260115033456-f47bc2d6f199

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/streambus-infra"
bin="$root/.streambus/bin"
wrappers="$root/toolchain/kubernetes"
mkdir -p "$bin" "$cache"

say() { printf 'kubernetes.sh: %s\n' "$*" >&2; }

need_go() {
  command -v go >/dev/null || { say "$1: needs Go 1.26 or newer to build (https://go.dev/dl)"; exit 1; }
}

# The version of @pulumi/kubernetes the program uses: the plugin must report the same one.
provider_version() {
  sed -n 's/^ *"@pulumi\/kubernetes": *"[~^]\{0,1\}\([0-9][^"]*\)".*/\1/p' "$root/package.json" | head -n1
}

# key FOLDER [EXTRA]: a short hash of a wrapper module (and EXTRA: the link flags), so that a
# change to either rebuilds.
key() {
  { cat "$1"/go.mod "$1"/go.sum "$1"/*.go; echo "${2:-}"; } | sha256sum | cut -c1-12
}

# built OUT SECONDS: moves OUT.tmp into place and records how long the build took.
built() {
  echo "$2" >"$1.tmp/build-seconds"
  rm -rf "$1" && mv "$1.tmp" "$1"
}

# find_outside, shared with the other script that provides tools
# shellcheck source=scripts/lib.sh
source "$root/scripts/lib.sh"

provide_control_plane() {
  local src="$wrappers/control-plane" out start ldflags minor
  # The version the API server reports (/version): unstamped it says v0.0.0, which the kubernetes
  # provider refuses ("minimum supported cluster version is v1.13").
  minor="${KUBERNETES_VERSION#v1.}" && minor="${minor%%.*}"
  ldflags="-s -w"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags+=" -X $pkg.gitVersion=$KUBERNETES_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
  done
  out="$cache/kubernetes-$KUBERNETES_VERSION-$(key "$src" "$ldflags")"
  if [[ ! -x "$out/kube-apiserver" || ! -x "$out/kube-controller-manager" || ! -x "$out/kube-scheduler" ]]; then
    need_go kube-apiserver
    say "kube-apiserver, kube-controller-manager, kube-scheduler: building $KUBERNETES_VERSION from the Go module proxy (cold: about 8 minutes on 2 cores)"
    start=$SECONDS
    rm -rf "$out.tmp" && mkdir -p "$out.tmp"
    (cd "$src" && CGO_ENABLED=0 GOFLAGS="${GOFLAGS:-} -mod=readonly" go build -trimpath -ldflags "$ldflags" \
      -o "$out.tmp/" k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
      k8s.io/kubernetes/cmd/kube-scheduler)
    built "$out" $((SECONDS - start))
    say "kube-apiserver, kube-controller-manager, kube-scheduler: built in $(cat "$out/build-seconds") s"
  fi
  ln -sfn "$out/kube-apiserver" "$bin/kube-apiserver"
  ln -sfn "$out/kube-controller-manager" "$bin/kube-controller-manager"
  ln -sfn "$out/kube-scheduler" "$bin/kube-scheduler"
}

provide_etcd() {
  local src="$wrappers/control-plane" system version out start
  # kube-apiserver v1.37 needs etcd's watch progress requests (3.5.13 or newer; Debian bookworm's
  # etcd-server is 3.4.23, with which watches end in errors and kwok misses pods).
  if system="$(find_outside etcd)"; then
    version="$("$system" --version 2>/dev/null | sed -n 's/^etcd Version: //p')"
    if [[ -n "$version" ]] && [[ "$(printf '%s\n3.5.13\n' "$version" | sort -V | head -n1)" == 3.5.13 ]]; then
      ln -sfn "$system" "$bin/etcd"
      return
    fi
  fi
  out="$cache/etcd-$(key "$src")"
  if [[ ! -x "$out/etcd" ]]; then
    need_go etcd
    say "etcd: none of 3.5.13 or newer on PATH; building v3.7.0 from the Go module proxy (cold: a few minutes)"
    start=$SECONDS
    rm -rf "$out.tmp" && mkdir -p "$out.tmp"
    (cd "$src" && CGO_ENABLED=0 GOFLAGS="${GOFLAGS:-} -mod=readonly" go build -trimpath -ldflags "-s -w" \
      -o "$out.tmp/etcd" go.etcd.io/etcd/server/v3)
    built "$out" $((SECONDS - start))
    say "etcd: built in $(cat "$out/build-seconds") s"
  fi
  ln -sfn "$out/etcd" "$bin/etcd"
}

provide_kwok() {
  local out="$cache/kwok-$KWOK_VERSION" start
  if [[ ! -x "$out/kwok" ]]; then
    need_go kwok
    say "kwok: building $KWOK_VERSION from the Go module proxy (cold: a few minutes)"
    start=$SECONDS
    rm -rf "$out.tmp" && mkdir -p "$out.tmp"
    GOBIN="$out.tmp" CGO_ENABLED=0 GOFLAGS="${GOFLAGS:-} -trimpath" \
      go install -ldflags "-s -w" "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION" >&2
    built "$out" $((SECONDS - start))
    say "kwok: built in $(cat "$out/build-seconds") s"
  fi
  ln -sfn "$out/kwok" "$bin/kwok"
}

provide_provider() {
  local src="$wrappers/provider" version out start module
  version="$(provider_version)"
  [[ -n "$version" ]] || { say "pulumi-resource-kubernetes: no @pulumi/kubernetes in package.json"; exit 1; }
  out="$cache/pulumi-resource-kubernetes-$version-$(key "$src")"
  if [[ ! -x "$out/pulumi-resource-kubernetes" ]]; then
    need_go pulumi-resource-kubernetes
    say "pulumi-resource-kubernetes: building $version from the Go module proxy (cold: about 10 minutes on 2 cores)"
    start=$SECONDS
    rm -rf "$out.tmp" && mkdir -p "$out.tmp/src"
    cp "$src/go.mod" "$src/go.sum" "$src/main.go" "$src/gen.go" "$out.tmp/src/"
    (
      cd "$out.tmp/src"
      export GOFLAGS="${GOFLAGS:-} -mod=readonly"
      go mod download github.com/pulumi/pulumi-kubernetes/provider/v4
      module="$(go list -m -f '{{.Dir}}' github.com/pulumi/pulumi-kubernetes/provider/v4)"
      # The schema and mapping a release build embeds, made as the module's generate.go makes them.
      go run gen.go "$module" "$version"
      CGO_ENABLED=0 go build -trimpath \
        -ldflags "-s -w -X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=$version" \
        -o "$out.tmp/pulumi-resource-kubernetes" .
    )
    rm -rf "$out.tmp/src"
    built "$out" $((SECONDS - start))
    say "pulumi-resource-kubernetes: built in $(cat "$out/build-seconds") s"
  fi
  ln -sfn "$out/pulumi-resource-kubernetes" "$bin/pulumi-resource-kubernetes"
}

pieces=("$@")
((${#pieces[@]})) || pieces=(control-plane etcd kwok provider)
for piece in "${pieces[@]}"; do
  case "$piece" in
    control-plane) provide_control_plane ;;
    etcd) provide_etcd ;;
    kwok) provide_kwok ;;
    provider) provide_provider ;;
    *) say "unknown piece '$piece' (control-plane, etcd, kwok, provider)"; exit 2 ;;
  esac
done
echo "$bin"
