import type { Command } from "../command";
import { EXIT } from "../errors";

/** `streambus-ops members`: the cluster's members. */
export const command: Command = {
  name: "members",
  order: 40,
  summary: "the members: state, Raft role, partitions, admin URL",
  usage: "",
  async run(ctx) {
    const cluster = await ctx.cluster();
    const m = await cluster.refresh({ signal: ctx.signal });
    const { out } = ctx;
    out.document(m);
    out.line(
      `cluster ${m.cluster_id}, leader ${m.leader_id ?? "none"}, term ${m.term}${m.stale ? " (stale: no leader)" : ""}`,
    );
    for (const b of [...m.members].sort((x, y) => x.broker_id - y.broker_id)) {
      const ok = b.state === "active" || b.state === "learner";
      const rack = b.rack ? `, rack ${b.rack}` : "";
      out.check(
        ok,
        `broker-${b.broker_id}: ${b.state}, ${b.raft_role}, ${b.partitions} partitions${rack}, ${b.admin_url}`,
      );
    }
    return m.leader_id === null || m.stale ? EXIT.failed : EXIT.ok;
  },
};
