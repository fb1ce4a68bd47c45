import type { Command } from "../command";
import { EXIT } from "../errors";
import { quorumFindingLines } from "./shared";

/** `streambus-ops health`: the runbook's Quick Health Check. */
export const command: Command = {
  name: "health",
  order: 10,
  summary: "every broker's health, the Raft quorum, partition balance and disk use",
  usage: "",
  async run(ctx) {
    // The connection settings are checked before the procedures load.
    const cluster = await ctx.cluster();
    const [{ checkHealth }, { describeBalance }] = await Promise.all([
      import("../../procedures/health.js"),
      import("../../procedures/facts.js"),
    ]);
    const r = await checkHealth(cluster, {
      deadlineMs: ctx.deadlineMs,
      signal: ctx.signal,
      onProgress: ctx.out.progress,
    });
    const { out } = ctx;
    out.document(r);
    for (const b of r.brokers) {
      const role = b.role === "leader" ? " (leader)" : b.role === "learner" ? " (learner)" : "";
      const state = b.memberState === "active" || b.memberState === "learner" ? "" : `, ${b.memberState}`;
      const text = `broker-${b.brokerId}: ${b.status}${b.reason ? ` (${b.reason})` : ""}${state}`;
      if (b.status === "healthy") out.check(true, `broker-${b.brokerId}: healthy${role}${state}`);
      // A learner (registered, not joined yet) is not expected to be healthy: a state, not a finding.
      else if (b.memberState === "learner") out.state(text);
      else out.check(false, text);
    }
    const q = r.quorum;
    const counts = `${q.liveVoters.length}/${q.voters.length}`;
    if (q.ok) out.check(true, `Raft: quorum OK (${counts})`);
    else {
      // The same lines as `streambus-ops quorum`: both come from one judgement.
      const lines = quorumFindingLines(q.findings);
      for (const line of lines) out.check(false, line);
      if (lines.length === 0) out.check(false, `Raft: no quorum (${counts})`);
    }
    const p = r.partitions;
    const balance = describeBalance(p, cluster.members);
    if (p.unhealthy > 0) {
      out.check(
        false,
        `Partitions: ${p.unhealthy} of ${p.total} unhealthy, ${balance} (see \`streambus-ops partitions\`)`,
      );
    } else {
      out.check(p.balanced, `Partitions: ${balance}`);
    }
    const d = r.disk;
    out.check(
      d.ok,
      d.maxUsedPercent === null
        ? "Disk: unknown (no broker served disk metrics)"
        : `Disk: ${d.maxUsedPercent}% used`,
    );
    return r.ok ? EXIT.ok : EXIT.failed;
  },
};
