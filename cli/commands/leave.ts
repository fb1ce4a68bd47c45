import { removeBroker } from "../../procedures/remove-broker";
import type { Command } from "../command";
import { parsePositiveInt } from "../duration";
import { EXIT } from "../errors";
import { requireMember } from "./shared";

/** `streambus-ops leave ID`: guards, then the drained broker leaves for good. */
export const command: Command = {
  name: "leave",
  order: 80,
  summary: "check the guards and remove drained broker ID from the cluster for good",
  usage: "ID [--force]",
  options: { force: { type: "boolean" } },
  async run(ctx, { positionals, values }) {
    const id = parsePositiveInt(positionals[0], "broker ID");
    const cluster = await ctx.cluster();
    requireMember(cluster, id);
    const r = await removeBroker(cluster, id, {
      drain: false,
      force: values.force === true,
      deadlineMs: ctx.deadlineMs,
      signal: ctx.signal,
      onProgress: ctx.out.progress,
    });
    ctx.out.document(r);
    if (r.overriddenGuards.length)
      ctx.out.check(false, `guards overridden by --force: ${r.overriddenGuards.join(", ")}`);
    ctx.out.check(true, `broker-${id}: left the cluster`);
    return EXIT.ok;
  },
};
