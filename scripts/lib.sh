# shellcheck shell=bash
# Shared by the scripts that provide tools (toolchain.sh, kubernetes.sh): source it after
# setting `bin` (the project's own links, .streambus/bin).

# find_outside NAME: looks a command up on PATH without our own links, so that a stale link never
# hides the machine's own tool.
# shellcheck disable=SC2154 # bin: set by the script that sources this
find_outside() {
  local IFS=: dir
  for dir in $PATH; do
    [[ "$dir" == "$bin" || -z "$dir" ]] && continue
    if [[ -x "$dir/$1" ]]; then
      printf '%s\n' "$dir/$1"
      return 0
    fi
  done
  return 1
}
