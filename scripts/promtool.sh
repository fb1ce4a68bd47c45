#!/usr/bin/env bash
# Makes Prometheus's `promtool` available in .streambus/bin for the alert-rule tests.
# A promtool already on PATH (Debian: `apt-get install prometheus`, as .ci/run does) is used as it
# is; else it is built once from the Go module proxy and cached. Idempotent.
set -euo pipefail

version="${PROMTOOL_VERSION:-v0.316.0}" # the Go module version of Prometheus 3.x's promtool
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="$root/.streambus/bin"
out="${XDG_CACHE_HOME:-$HOME/.cache}/streambus-infra/promtool-$version"
mkdir -p "$bin"

IFS=: read -r -a dirs <<<"$PATH"
for dir in "${dirs[@]}"; do
  if [[ -n "$dir" && "$dir" != "$bin" && -x "$dir/promtool" ]]; then
    ln -sfn "$dir/promtool" "$bin/promtool"
    exit 0
  fi
done

if [[ ! -x "$out/promtool" ]]; then
  command -v go >/dev/null || { echo "promtool.sh: install promtool (Debian: apt-get install prometheus) or Go to build it" >&2; exit 1; }
  echo "promtool.sh: building promtool $version from the Go module proxy (cold: several minutes)" >&2
  start=$SECONDS
  rm -rf "$out.tmp" && mkdir -p "$out.tmp"
  GOBIN="$out.tmp" CGO_ENABLED=0 GOFLAGS="${GOFLAGS:-} -trimpath" \
    go install "github.com/prometheus/prometheus/cmd/promtool@$version" >&2
  rm -rf "$out" && mv "$out.tmp" "$out"
  echo "promtool.sh: built in $((SECONDS - start)) s" >&2
fi
ln -sfn "$out/promtool" "$bin/promtool"
