import type { Cluster } from "../../procedures/client";
import type { QuorumFinding } from "../../procedures/quorum";
import type { RemoveBrokerReport } from "../../procedures/remove-broker";
import type { CommandArgs, CommandContext } from "../command";
import { parsePositiveInt } from "../duration";

/** Throws `UnknownBrokerError` (exit 2) unless `id` is a member. Not a command: exports none. */
export async function requireMember(cluster: Cluster, id: number): Promise<void> {
  const { UnknownBrokerError } = await import("../../procedures/client/index.js");
  if (!cluster.brokerIds.includes(id)) throw new UnknownBrokerError(id, cluster.brokerIds);
}

/**
 * The half of the remove-broker procedure that `drain` or `leave` runs, with the guards checked
 * again either way; prints the report and any guard that `--force` overrode.
 */
export async function removeStep(
  ctx: CommandContext,
  { positionals, values }: CommandArgs,
  step: "drain" | "leave",
): Promise<{ id: number; report: RemoveBrokerReport }> {
  const id = parsePositiveInt(positionals[0], "broker ID");
  const cluster = await ctx.cluster();
  const { removeBroker } = await import("../../procedures/remove-broker.js");
  await requireMember(cluster, id);
  const report = await removeBroker(cluster, id, {
    ...(step === "drain" ? { leave: false } : { drain: false }),
    force: values.force === true,
    deadlineMs: ctx.deadlineMs,
    signal: ctx.signal,
    onProgress: ctx.out.progress,
  });
  ctx.out.document(report);
  if (report.overriddenGuards.length)
    // A warning, not a finding: the operator asked for it, and the step succeeded.
    ctx.out.warning(`guards overridden by --force: ${report.overriddenGuards.join(", ")}`);
  return { id, report };
}

/**
 * One `✗` line per quorum finding, as `quorum` and `health` both print them. Unreachable brokers
 * are left out: each already has its own line.
 */
export function quorumFindingLines(findings: readonly QuorumFinding[]): string[] {
  return findings
    .filter((f) => f.kind !== "unreachable")
    .map((f) => (f.kind === "split_brain" ? `Split brain: ${f.message}` : `Raft: ${f.message}`));
}
