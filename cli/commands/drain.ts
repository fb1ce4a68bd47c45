import type { Command } from "../command";
import { EXIT } from "../errors";
import { removeStep } from "./shared";

/** `streambus-ops drain ID`: guards, drain, wait until empty. */
export const command: Command = {
  name: "drain",
  order: 70,
  summary: "check the guards, move every partition off broker ID and wait until it holds nothing",
  usage: "ID [--force]",
  options: { force: { type: "boolean" } },
  async run(ctx, args) {
    const { id, report: r } = await removeStep(ctx, args, "drain");
    ctx.out.check(
      true,
      `broker-${id}: drained (held ${r.partitionsBefore} partition replicas${r.drainStarted ? "" : "; drain was already under way"})`,
    );
    ctx.out.line(`  next: streambus-ops leave ${id}`);
    return EXIT.ok;
  },
};
