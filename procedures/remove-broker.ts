import type { Cluster } from "./client";
import { GuardError, runProcedure, type ProcedureOptions } from "./common";
import { collectGuardFacts, guardError, removalGuards } from "./guards";
import { drainStep, leaveStep, waitUntilEmpty } from "./membership";

export { removalGuards, type GuardFacts } from "./guards";

/** Options of `removeBroker`. */
export interface RemoveBrokerOptions extends ProcedureOptions {
  /** Override every guard (and send `force` with the leave). Defaults to false. */
  force?: boolean;
  /** Start a drain when the broker still holds partitions. Defaults to true; false refuses instead. */
  drain?: boolean;
  /** Make the broker leave once drained. Defaults to true; false stops after the drain. */
  leave?: boolean;
}

/** What `removeBroker` did. */
export interface RemoveBrokerReport {
  /** The broker removed. */
  brokerId: number;
  /** It was not a member when the procedure started (nothing to do). */
  alreadyGone: boolean;
  /** Whether this run started the drain (false: it was already draining or empty). */
  drainStarted: boolean;
  /** Partition replicas it held when the procedure started. */
  partitionsBefore: number;
  /** Whether it left the cluster. */
  left: boolean;
  /** Guards that failed but were overridden by `force`. */
  overriddenGuards: string[];
}

/**
 * The runbook's Remove Broker, as code: checks the guards, drains the broker, waits until
 * it holds nothing (reporting progress), and makes it leave. Safe to run again: a broker
 * already draining is not drained again, one already gone is done, and the guards are
 * checked again on every run.
 */
export function removeBroker(
  cluster: Cluster,
  brokerId: number,
  opts: RemoveBrokerOptions = {},
): Promise<RemoveBrokerReport> {
  if (!Number.isInteger(brokerId) || brokerId <= 0) {
    return Promise.reject(new RangeError(`broker id must be a positive integer: got ${brokerId}`));
  }
  return runProcedure(`remove broker ${brokerId}`, 6 * 3_600_000, opts, async (ctx) => {
    const base = {
      brokerId,
      drainStarted: false,
      partitionsBefore: 0,
      left: false,
      overriddenGuards: [] as string[],
    };
    ctx.left = `check guards, drain broker ${brokerId}, leave`;
    const facts = await collectGuardFacts(cluster, ctx);
    const member = facts.members.members.find((m) => m.broker_id === brokerId);
    if (!member) return { ...base, alreadyGone: true, left: opts.leave !== false };

    const failures = removalGuards(brokerId, facts);
    if (failures.length > 0 && !opts.force) {
      throw guardError(`remove broker ${brokerId}`, failures, "use force to override");
    }
    const report = { ...base, alreadyGone: false, overriddenGuards: failures.map((f) => f.guard) };
    report.partitionsBefore = member.partitions;
    const draining = member.state === "draining" || member.state === "drained";
    if (member.partitions > 0 && !draining && opts.drain === false) {
      throw new GuardError(
        "not_drained",
        `broker ${brokerId} still holds ${member.partitions} partition replicas: drain it first (streambus-ops drain ${brokerId})`,
      );
    }
    ctx.left = `drain broker ${brokerId} (${member.partitions} partition replicas), leave`;
    report.drainStarted = (await drainStep(cluster, brokerId, ctx)).started;
    await waitUntilEmpty(cluster, brokerId, ctx);
    if (opts.leave === false) return report;

    await leaveStep(cluster, brokerId, ctx, Boolean(opts.force));
    report.left = true;
    return report;
  });
}
