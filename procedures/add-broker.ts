import type { Cluster } from "./client";
import { runProcedure, type ProcedureOptions } from "./common";
import { additionGuards, guardError } from "./guards";
import { joinStep, rebalanceOnto, waitRegistered } from "./membership";
import type { RebalanceReport } from "./rebalance";

export { BrokerNotRegisteredError } from "./membership";

/** Options of `addBroker`. */
export interface AddBrokerOptions extends ProcedureOptions {
  /** Rebalance across the new member set after the join. Defaults to true. */
  rebalance?: boolean;
  /** Moves at once during the rebalance. Defaults to the cluster's own. */
  maxConcurrentMoves?: number;
  /** Copy throttle per move, in bytes per second. Defaults to the cluster's own. */
  throttleBytesPerS?: number;
  /** Act even when the cluster has no leader or has offline partitions. Defaults to false. */
  force?: boolean;
  /**
   * How long to wait for the broker to register, in milliseconds, before deciding it is not
   * coming (the contract: a new broker registers within 30 s). Defaults to 120,000.
   */
  registerTimeoutMs?: number;
}

/** Rebalances `addBroker` runs at most before it gives up on a balanced cluster. */
const MAX_REBALANCES = 3;

/** The broker joined, but the partitions were still unbalanced after every rebalance tried. */
export class StillUnbalancedError extends Error {
  /** The broker added. */
  readonly brokerId: number;
  /** Partition replicas per broker at the last check. */
  readonly replicas: Record<number, number>;

  constructor(brokerId: number, active: number[], rebalances: number, replicas: Record<number, number>) {
    const per = Object.entries(replicas)
      .map(([id, n]) => `broker-${id} ${n}`)
      .join(", ");
    super(
      `broker ${brokerId} joined, but the partitions are still unbalanced across brokers ${active.join(", ")} ` +
        `after ${rebalances} rebalances (replicas: ${per}): see \`streambus-ops partitions\`, then rebalance again`,
    );
    this.name = "StillUnbalancedError";
    this.brokerId = brokerId;
    this.replicas = replicas;
  }
}

/** What `addBroker` did. */
export interface AddBrokerReport {
  /** The broker added. */
  brokerId: number;
  /** Whether this run sent the join (false: it was already an active member). */
  joined: boolean;
  /** Whether this run stopped a drain that was under way. */
  drainStopped: boolean;
  /** The rebalance, when one was asked for. */
  rebalance?: RebalanceReport;
  /** The active members at the end. */
  activeMembers: number[];
}

/**
 * The runbook's Add Broker, as code: waits until the new broker has registered, joins it,
 * rebalances across the new member set and waits for the moves, reporting progress. Safe
 * to run again after an interruption: a member already active is not joined again, a
 * running rebalance is followed, a balanced cluster needs no moves. Throws a
 * `RebalanceBlockedError` when the cluster refuses the rebalance (a broker draining), and a
 * `StillUnbalancedError` when the partitions are still unbalanced after three rebalances.
 */
export function addBroker(
  cluster: Cluster,
  brokerId: number,
  opts: AddBrokerOptions = {},
): Promise<AddBrokerReport> {
  if (!Number.isInteger(brokerId) || brokerId <= 0) {
    return Promise.reject(new RangeError(`broker id must be a positive integer: got ${brokerId}`));
  }
  return runProcedure(`add broker ${brokerId}`, 6 * 3_600_000, opts, async (ctx) => {
    ctx.left = `broker ${brokerId} has not registered (is it started, and can it reach the cluster?); join and rebalance not done`;
    const member = await waitRegistered(cluster, brokerId, ctx, opts.registerTimeoutMs ?? 120_000);
    if (!opts.force) {
      const seen = await cluster.refresh(ctx.call);
      const health = await cluster.admin.partitionsHealth(ctx.call);
      const failures = additionGuards({ health, singleLeader: seen.leader_id !== null && !seen.stale });
      if (failures.length > 0) {
        throw guardError(
          `join broker ${brokerId}`,
          failures,
          "check with `streambus-ops quorum` and `streambus-ops partitions`, or force",
        );
      }
    }
    ctx.left = `join broker ${brokerId}, then rebalance`;
    const { joined, drainStopped } = await joinStep(cluster, brokerId, ctx, member);
    const after = await cluster.refresh(ctx.call);
    const active = after.members
      .filter((m) => m.state === "active")
      .map((m) => m.broker_id)
      .sort((a, b) => a - b);
    if (opts.rebalance === false) return { brokerId, joined, drainStopped, activeMembers: active };

    // A rebalance adopted from an earlier run may have balanced across another set: the
    // outcome is checked, and rebalanced again while the new broker is still left out.
    const { report, rounds, balance } = await rebalanceOnto(cluster, ctx, active, {
      ...opts,
      maxRounds: MAX_REBALANCES,
    });
    if (!balance.balanced) throw new StillUnbalancedError(brokerId, active, rounds, balance.replicas);
    return { brokerId, joined, drainStopped, rebalance: report, activeMembers: active };
  });
}
