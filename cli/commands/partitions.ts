import type { Command } from "../command";
import { EXIT } from "../errors";

/** `streambus-ops partitions`: partition health with the unhealthy partitions. */
export const command: Command = {
  name: "partitions",
  order: 30,
  summary: "partition health, with each unhealthy partition and why",
  usage: "",
  async run(ctx) {
    const cluster = await ctx.cluster();
    const [{ checkPartitions }, { describeBalance }] = await Promise.all([
      import("../../procedures/partitions.js"),
      import("../../procedures/facts.js"),
    ]);
    const r = await checkPartitions(cluster, { deadlineMs: ctx.deadlineMs, signal: ctx.signal });
    const { out } = ctx;
    out.document(r);
    out.check(r.ok, `Partitions: ${r.healthy}/${r.total} healthy${r.stale ? " (stale: no leader)" : ""}`);
    for (const u of r.unhealthy) {
      out.check(
        false,
        `${u.topic}/${u.partition}: ${u.reason} (isr ${u.isr.join(",") || "none"} of replicas ${u.replicas.join(",")})`,
      );
    }
    const per = Object.entries(r.balance.replicas)
      .map(([id, n]) => `broker-${id} ${n}`)
      .join(", ");
    out.check(
      r.balance.balanced,
      r.balance.balanced
        ? `Balance: balanced (replicas: ${per})`
        : `Balance: ${describeBalance(r.balance, cluster.members)}`,
    );
    // Unbalanced replicas are a finding, as in `health`: its `✗ Balance` line says what is off.
    return r.ok && r.balance.balanced ? EXIT.ok : EXIT.failed;
  },
};
