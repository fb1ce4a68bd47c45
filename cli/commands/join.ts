import type { Command } from "../command";
import { parseDuration, parsePositiveInt } from "../duration";
import { EXIT } from "../errors";

/** `streambus-ops join ID`: waits for a registered broker and makes it an active member. */
export const command: Command = {
  name: "join",
  order: 50,
  summary: "wait until broker ID has registered, then join it as a voting member (then run rebalance)",
  usage: "ID [--wait-register 2m] [--force]",
  options: { "wait-register": { type: "string" }, force: { type: "boolean" } },
  async run(ctx, { positionals, values }) {
    const id = parsePositiveInt(positionals[0], "broker ID");
    const waitMs =
      typeof values["wait-register"] === "string"
        ? parseDuration(values["wait-register"], "--wait-register")
        : 30_000;
    const cluster = await ctx.cluster();
    const { addBroker } = await import("../../procedures/add-broker.js");
    const r = await addBroker(cluster, id, {
      rebalance: false,
      registerTimeoutMs: waitMs,
      force: values.force === true,
      deadlineMs: ctx.deadlineMs,
      signal: ctx.signal,
      onProgress: ctx.out.progress,
    });
    ctx.out.document(r);
    ctx.out.check(
      true,
      r.joined ? `broker-${id}: joined (active member)` : `broker-${id}: already an active member`,
    );
    ctx.out.line(
      `  active members: ${r.activeMembers.join(", ")}; run \`streambus-ops rebalance\` to move partitions onto it`,
    );
    return EXIT.ok;
  },
};
