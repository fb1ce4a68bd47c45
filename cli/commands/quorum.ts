import type { Command } from "../command";
import { EXIT } from "../errors";
import { quorumFindingLines } from "./shared";

/** `streambus-ops quorum`: each broker's view of leader and term, split brain named. */
export const command: Command = {
  name: "quorum",
  order: 20,
  summary:
    "each broker's view of leader and term; more than one leader, no leader, disagreeing terms or a broker that does not answer are named (exit 1)",
  usage: "",
  async run(ctx) {
    const cluster = await ctx.cluster();
    const { checkQuorum } = await import("../../procedures/quorum.js");
    const r = await checkQuorum(cluster, { deadlineMs: ctx.deadlineMs, signal: ctx.signal });
    const { out } = ctx;
    out.document(r);
    for (const v of r.views) {
      if (!v.reachable) {
        out.check(false, `broker-${v.brokerId}: unreachable (${v.error})`);
        continue;
      }
      const agrees = r.highestTerm === v.term && (r.leaderId === null || v.leaderId === r.leaderId);
      out.check(
        agrees,
        `broker-${v.brokerId}: ${v.state}, term ${v.term}, leader ${v.leaderId ?? "none"}${v.stale ? " (stale)" : ""}`,
      );
    }
    for (const line of quorumFindingLines(r.findings)) out.check(false, line);
    if (r.ok)
      out.check(
        true,
        `Raft: one leader (broker-${r.leaderId}), term ${r.highestTerm}, ${r.reachableVoters.length}/${r.voters.length} voters answer`,
      );
    // A broker that does not answer is a finding (its `✗` line above) even while the others keep a
    // quorum: a scheduled check must not stay green with a broker gone.
    return r.findings.length === 0 ? EXIT.ok : EXIT.failed;
  },
};
