#!/usr/bin/env bash
# Lints the GitHub Actions workflows (.github/workflows) with actionlint, which also checks the
# `run:` blocks with shellcheck when shellcheck is on PATH (Debian: `apt-get install shellcheck`).
# actionlint is used from PATH, or built once from the Go module proxy and cached, like promtool.
#
# Usage: scripts/actionlint.sh [actionlint args...]   (no args: every workflow in the repository)
#        ACTIONLINT_VERSION=v1.7.12 scripts/actionlint.sh
set -euo pipefail

version="${ACTIONLINT_VERSION:-v1.7.12}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="$root/.streambus/bin"
out="${XDG_CACHE_HOME:-$HOME/.cache}/streambus-infra/actionlint-$version"
mkdir -p "$bin"

found=""
IFS=: read -r -a dirs <<<"$PATH"
for dir in "${dirs[@]}"; do
  if [[ -n "$dir" && "$dir" != "$bin" && -x "$dir/actionlint" ]]; then
    found="$dir/actionlint"
    break
  fi
done

if [[ -z "$found" ]]; then
  if [[ ! -x "$out/actionlint" ]]; then
    command -v go >/dev/null || { echo "actionlint.sh: install actionlint or Go to build it" >&2; exit 1; }
    echo "actionlint.sh: building actionlint $version from the Go module proxy (cold: about a minute)" >&2
    start=$SECONDS
    rm -rf "$out.tmp" && mkdir -p "$out.tmp"
    GOBIN="$out.tmp" CGO_ENABLED=0 GOFLAGS="${GOFLAGS:-} -trimpath" \
      go install "github.com/rhysd/actionlint/cmd/actionlint@$version" >&2
    rm -rf "$out" && mv "$out.tmp" "$out"
    echo "actionlint.sh: built in $((SECONDS - start)) s" >&2
  fi
  found="$out/actionlint"
fi
ln -sfn "$found" "$bin/actionlint"

cd "$root"
# Without arguments actionlint finds .github/workflows itself; say so when there is none.
if [[ $# -eq 0 && ! -d .github/workflows ]]; then
  echo "actionlint.sh: no .github/workflows to check" >&2
  exit 1
fi
command -v shellcheck >/dev/null || echo "actionlint.sh: shellcheck not on PATH: run: blocks are not shell-checked" >&2
exec "$bin/actionlint" "$@"
