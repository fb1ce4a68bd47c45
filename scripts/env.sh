# shellcheck shell=bash
# Source me: `source scripts/env.sh`. Puts the project's toolchain (made by `make toolchain`) and
# its commands (streambus-ops, streambus-sim, streambus-stack) first on PATH, and sets Pulumi's
# offline settings. Safe to source more than once.
#
# The backend: the user's own wins. In this order:
#   1. STREAMBUS_BACKEND_URL, when set: a URL, or `project` for the project's file backend (what
#      the Makefile sets, so that `make demo`, `make test` and `make bench` never touch a user's
#      backend);
#   2. an exported PULUMI_BACKEND_URL;
#   3. a `pulumi login` recorded in the user's PULUMI_HOME (${PULUMI_HOME:-~/.pulumi}/credentials.json);
#   4. else the project's file backend, .pulumi/backend.
# Only with the project's file backend are PULUMI_HOME (.pulumi/home) and a throwaway secrets
# passphrase set: a project-local PULUMI_HOME would hide the credentials of a `pulumi login`, and a
# known passphrase has no place on a real backend. With the user's backend both stay as they were.

_sb_root="$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")/.." && pwd)"
export STREAMBUS_INFRA_ROOT="$_sb_root"
export STREAMBUS_CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/streambus-infra"

# The project's commands (bin/: streambus-ops and the others, links to their .js entry points),
# then the toolchain's links (pulumi, node, the dynamic-provider plugin, an ignored folder) first,
# so that the commands run on the toolchain's Node.
for _sb_dir in "$_sb_root/bin" "$_sb_root/.streambus/bin"; do
  case ":$PATH:" in
    *":$_sb_dir:"*) ;;
    *) export PATH="$_sb_dir:$PATH" ;;
  esac
done
case ":$PATH:" in *":$_sb_root/policy/bin:"*) ;; *) export PATH="$PATH:$_sb_root/policy/bin" ;; esac # the policy pack's analyzer (policy/PulumiPolicy.yaml)

_sb_backend="file://$_sb_root/.pulumi/backend"
_sb_login=""
if [[ "${PULUMI_HOME:-}" != "$_sb_root/.pulumi/home" && -r "${PULUMI_HOME:-$HOME/.pulumi}/credentials.json" ]]; then
  _sb_login="$(sed -n 's/^[[:space:]]*"current":[[:space:]]*"\([^"]*\)".*/\1/p' "${PULUMI_HOME:-$HOME/.pulumi}/credentials.json" | head -n1)"
fi
if [[ "${STREAMBUS_BACKEND_URL:-}" == project ]]; then
  export PULUMI_BACKEND_URL="$_sb_backend"
elif [[ -n "${STREAMBUS_BACKEND_URL:-}" ]]; then
  export PULUMI_BACKEND_URL="$STREAMBUS_BACKEND_URL"
elif [[ -n "${PULUMI_BACKEND_URL:-}" ]]; then
  # Not printed: a backend URL may hold a password (postgres://).
  [[ "$PULUMI_BACKEND_URL" == "$_sb_backend" ]] ||
    echo "scripts/env.sh: keeping your Pulumi backend (the exported PULUMI_BACKEND_URL); STREAMBUS_BACKEND_URL=project picks the project's" >&2
elif [[ -n "$_sb_login" ]]; then
  echo "scripts/env.sh: keeping your Pulumi backend (your \`pulumi login\`); STREAMBUS_BACKEND_URL=project picks the project's" >&2
else
  export PULUMI_BACKEND_URL="$_sb_backend"
fi

# No update check, no plugin downloads (the local stack needs none; a stack on aws or kubernetes
# installs its plugins with `pulumi plugin install`, README).
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
export PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK="${PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK:-false}"
if [[ "${PULUMI_BACKEND_URL:-}" == "$_sb_backend" ]]; then
  # The project's backend: state in an ignored folder, secrets of local and test stacks under a
  # throwaway passphrase, and a project-local PULUMI_HOME (plugins, workspace settings).
  export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE-streambus-local-only}"
  export PULUMI_HOME="$_sb_root/.pulumi/home"
  mkdir -p "$_sb_root/.pulumi/backend" "$_sb_root/.pulumi/home"
else
  # Sourced before with the project's backend, now with the user's: undo what went with it.
  [[ "${PULUMI_HOME:-}" != "$_sb_root/.pulumi/home" ]] || unset PULUMI_HOME
  [[ "${PULUMI_CONFIG_PASSPHRASE:-}" != streambus-local-only ]] || unset PULUMI_CONFIG_PASSPHRASE
fi
unset _sb_root _sb_dir _sb_backend _sb_login
