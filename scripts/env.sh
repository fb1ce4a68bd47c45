# Source me: `source scripts/env.sh`. Puts the project's toolchain first on PATH (made by
# `make toolchain`) and sets Pulumi's offline settings. Safe to source more than once.
#
# A user with their own Pulumi CLI and a real backend (Pulumi Cloud, S3, ...) does not need this
# file: `pulumi login` and `pulumi stack select` as usual (README: "Against a real cluster").

_sb_root="$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")/.." && pwd)"
export STREAMBUS_INFRA_ROOT="$_sb_root"
export STREAMBUS_CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/streambus-infra"

# The toolchain's links (pulumi, node, the dynamic-provider plugin) live in an ignored folder.
case ":$PATH:" in
  *":$_sb_root/.streambus/bin:"*) ;;
  *) export PATH="$_sb_root/.streambus/bin:$PATH" ;;
esac
case ":$PATH:" in *":$_sb_root/policy/bin:"*) ;; *) export PATH="$PATH:$_sb_root/policy/bin" ;; esac # the policy pack's analyzer (policy/PulumiPolicy.yaml)

# State in an ignored folder of the repository, secrets under a passphrase (local and test
# stacks only), no update check, no plugin downloads, and a project-local PULUMI_HOME.
export PULUMI_BACKEND_URL="${STREAMBUS_BACKEND_URL:-file://$_sb_root/.pulumi/backend}"
export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE-streambus-local-only}"
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
export PULUMI_HOME="$_sb_root/.pulumi/home"
export PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK="${PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK:-false}"
mkdir -p "$_sb_root/.pulumi/backend" "$_sb_root/.pulumi/home"
unset _sb_root
