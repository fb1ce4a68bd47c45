import { removeBroker } from "../../procedures/remove-broker";
import type { Command } from "../command";
import { parsePositiveInt } from "../duration";
import { EXIT } from "../errors";
import { requireMember } from "./shared";

/** `streambus-ops drain ID`: guards, drain, wait until empty. */
export const command: Command = {
  name: "drain",
  order: 70,
  summary: "check the guards, move every partition off broker ID and wait until it holds nothing",
  usage: "ID [--force]",
  options: { force: { type: "boolean" } },
  async run(ctx, { positionals, values }) {
    const id = parsePositiveInt(positionals[0], "broker ID");
    const cluster = await ctx.cluster();
    requireMember(cluster, id);
    const r = await removeBroker(cluster, id, {
      leave: false,
      force: values.force === true,
      deadlineMs: ctx.deadlineMs,
      signal: ctx.signal,
      onProgress: ctx.out.progress,
    });
    ctx.out.document(r);
    if (r.overriddenGuards.length)
      ctx.out.check(false, `guards overridden by --force: ${r.overriddenGuards.join(", ")}`);
    ctx.out.check(
      true,
      `broker-${id}: drained (held ${r.partitionsBefore} partition replicas${r.drainStarted ? "" : "; drain was already under way"})`,
    );
    ctx.out.line(`  next: streambus-ops leave ${id}`);
    return EXIT.ok;
  },
};
