import type { Member } from "./contract";
import type { Cluster } from "./client";
import { formatDuration, GuardError, runProcedure, type ProcedureOptions } from "./common";
import { balanceOf } from "./facts";
import { runRebalance, type RebalanceReport } from "./rebalance";

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

/** The broker did not register in time: not started, wrong id, or cannot reach the cluster. */
export class BrokerNotRegisteredError extends Error {
  /** The broker waited for. */
  readonly brokerId: number;

  constructor(brokerId: number, waitedMs: number, known: number[]) {
    super(
      `broker ${brokerId} has not registered with the cluster after ${formatDuration(waitedMs)} ` +
        `(members: ${known.join(", ") || "none"}): is it started with that id, and can it reach the cluster?`,
    );
    this.name = "BrokerNotRegisteredError";
    this.brokerId = brokerId;
  }
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
    ctx.progress({ step: "register", message: `waiting for broker ${brokerId} to register` });
    const registerBy = Date.now() + (opts.registerTimeoutMs ?? 120_000);
    const found = await ctx.waitUntil(
      () => cluster.refresh(ctx.call),
      (m) => m.members.some((x) => x.broker_id === brokerId) || Date.now() >= registerBy,
    );
    if (!found.members.some((x) => x.broker_id === brokerId)) {
      throw new BrokerNotRegisteredError(brokerId, opts.registerTimeoutMs ?? 120_000, cluster.brokerIds);
    }
    if (!opts.force) {
      if (found.leader_id === null || found.stale) {
        throw new GuardError(
          "leader",
          `the cluster has no leader: refusing to join broker ${brokerId} (check with \`streambus-ops quorum\`, or force)`,
        );
      }
      const health = await cluster.admin.partitionsHealth(ctx.call);
      const offline = health.unhealthy.filter((u) => u.reason === "offline");
      if (offline.length > 0) {
        throw new GuardError(
          "offline_partitions",
          `${offline.length} partitions are offline: refusing to join broker ${brokerId} (see \`streambus-ops partitions\`, or force)`,
        );
      }
    }
    let member = found.members.find((x) => x.broker_id === brokerId) as Member;
    let drainStopped = false;
    if (member.state === "draining") {
      // A broker being removed and added back: stop the drain so the join is accepted.
      member = { ...member, ...(await cluster.admin.stopDrain(brokerId, ctx.call)) };
      drainStopped = true;
    }
    let joined = false;
    if (member.state !== "active") {
      ctx.left = `join broker ${brokerId}, then rebalance`;
      ctx.progress({ step: "join", message: `joining broker ${brokerId}` });
      await cluster.admin.join(brokerId, ctx.call);
      joined = true;
    }
    ctx.progress({ step: "join", message: `broker ${brokerId} is an active member` });
    const after = await cluster.refresh(ctx.call);
    const active = after.members
      .filter((m) => m.state === "active")
      .map((m) => m.broker_id)
      .sort((a, b) => a - b);
    if (opts.rebalance === false) return { brokerId, joined, drainStopped, activeMembers: active };

    ctx.left = `rebalance across brokers ${active.join(", ")}`;
    const body = {
      brokers: active,
      ...(opts.maxConcurrentMoves ? { max_concurrent_moves: opts.maxConcurrentMoves } : {}),
      ...(opts.throttleBytesPerS ? { throttle_bytes_per_s: opts.throttleBytesPerS } : {}),
    };
    let report = await runRebalance(cluster, ctx, body);
    // A rebalance adopted from an earlier run may have balanced across another set: check
    // the outcome and rebalance again if the new broker is still left out.
    for (let round = 1; ; round++) {
      const parts = await cluster.admin.partitions(ctx.call);
      const balance = balanceOf(parts.partitions, active);
      if (balance.balanced) break;
      if (round >= MAX_REBALANCES) throw new StillUnbalancedError(brokerId, active, round, balance.replicas);
      report = await runRebalance(cluster, ctx, body);
    }
    return { brokerId, joined, drainStopped, rebalance: report, activeMembers: active };
  });
}
