#!/usr/bin/env bash
# Installs versitygw, a real S3-compatible server, for the backup procedure's tests.
# Idempotent: when the binary is already there, it does nothing. Built from the Go module
# proxy (no prebuilt download can be had here); the build takes a few minutes on 2 cores.
#
# Usage: scripts/versitygw.sh            prints the binary's path on success
#        VERSITYGW_VERSION=v1.8.0 scripts/versitygw.sh
set -euo pipefail

version="${VERSITYGW_VERSION:-v1.8.0}"
bindir="${XDG_CACHE_HOME:-$HOME/.cache}/streambus-infra/bin"
bin="$bindir/versitygw"
stamp="$bindir/versitygw.version"

if [[ -x "$bin" && -f "$stamp" && "$(cat "$stamp")" == "$version" ]]; then
  echo "$bin"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  echo "versitygw.sh: go is not on PATH; install Go 1.25 or newer to build versitygw" >&2
  exit 1
fi

mkdir -p "$bindir"
# make test builds it before the tests start, so the build may use every core.
echo "versitygw.sh: building versitygw ${version} from the Go module proxy (cold: a few minutes)" >&2
start=$SECONDS
GOBIN="$bindir" CGO_ENABLED=0 GOFLAGS="${GOFLAGS:-} -trimpath" \
  go install "github.com/versity/versitygw/cmd/versitygw@${version}" >&2
echo "versitygw.sh: built in $((SECONDS - start)) s" >&2
echo "$version" >"$stamp"
echo "$bin"
