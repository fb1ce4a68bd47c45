import type { Command } from "../command";

/** `streambus-ops members`: the cluster's members. */
export const command: Command = {
  name: "members",
  order: 40,
  summary:
    "the members: state, Raft role, partitions, admin URL; exit 1 with no leader or a broker offline (draining is shown, not failed)",
  usage: "",
  async run(ctx) {
    const cluster = await ctx.cluster();
    const m = await cluster.refresh({ signal: ctx.signal });
    const { out } = ctx;
    out.document(m);
    const where = `cluster ${m.cluster_id}, leader ${m.leader_id ?? "none"}, term ${m.term}`;
    if (m.leader_id === null || m.stale) out.check(false, `${where}${m.stale ? " (stale: no leader)" : ""}`);
    else out.line(where);
    for (const b of [...m.members].sort((x, y) => x.broker_id - y.broker_id)) {
      const rack = b.rack ? `, rack ${b.rack}` : "";
      const text = `broker-${b.broker_id}: ${b.state}, ${b.raft_role}, ${b.partitions} partitions${rack}, ${b.admin_url}`;
      // What a scheduled job wants woken for: an offline broker. Draining and drained are steps
      // an operator took (a state, shown with `·`); learner and active are what members should be.
      if (b.state === "offline") out.check(false, text);
      else if (b.state === "draining" || b.state === "drained") out.state(text);
      else out.check(true, text);
    }
    return out.exitCode();
  },
};
