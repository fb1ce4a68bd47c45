import type { Command } from "../command";
import { UsageError } from "../errors";

/** Parity's exit codes: 2 is taken by "differences", so a usage error of parity's own is 1. */
export const PARITY_EXIT = { none: 0, differences: 2, failed: 1 } as const;

/** `streambus-ops parity --from A --to B [--overlay FILE]`. */
export const command: Command = {
  name: "parity",
  order: 230,
  summary:
    "every config difference between stack B and stack A that the overlay does not explain (secrets by presence only); exit 0 none, 2 differences, 1 failed (a missing stack file, a bad overlay, or a missing/bad --from/--to)",
  usage: "--from STACK --to STACK [--overlay FILE] [--json]",
  usageExitCode: PARITY_EXIT.failed,
  options: { from: { type: "string" }, to: { type: "string" }, overlay: { type: "string" } },
  async run(ctx, { values }) {
    const [{ replicationArgs }, config] = await Promise.all([
      import("../stack-config/load.js"),
      import("../stack-config/index.js"),
    ]);
    const { out } = ctx;
    let args;
    try {
      args = await replicationArgs(values);
    } catch (error) {
      out.error(
        error instanceof UsageError
          ? `${error.message} (usage: streambus-ops parity --from STACK --to STACK [--overlay FILE])`
          : (error as Error).message,
      );
      return PARITY_EXIT.failed;
    }
    const { from, to, overlay } = args;
    let found;
    try {
      const [source, target] = await Promise.all([config.readStackConfig(from), config.readStackConfig(to)]);
      found = config.differences(config.expectedConfig(source, overlay), target, overlay.keep);
    } catch (error) {
      out.error(`parity check failed: ${(error as Error).message}`);
      return PARITY_EXIT.failed;
    }
    out.document({ from, to, kept: overlay.keep, differences: found });
    for (const d of found) out.check(false, config.describeDifference(d, from, to));
    if (found.length === 0)
      out.check(
        true,
        `${to} matches ${from}${args.overlayPath ? ` with the overlay ${args.overlayPath}` : ""}`,
      );
    return found.length > 0 ? PARITY_EXIT.differences : PARITY_EXIT.none;
  },
};
