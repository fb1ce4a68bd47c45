import type { UnhealthyPartition } from "./contract";
import type { Cluster } from "./client";
import { runProcedure, type ProcedureOptions } from "./common";
import { balanceOf, type Balance } from "./facts";

/** Partition health, as data. */
export interface PartitionsReport {
  /** Every partition healthy. */
  ok: boolean;
  /** How many partitions in all. */
  total: number;
  /** How many are healthy. */
  healthy: number;
  /** The unhealthy ones with why (`under_replicated`, `offline`, `no_leader`). */
  unhealthy: UnhealthyPartition[];
  /** Counts of unhealthy partitions by reason. */
  byReason: Record<string, number>;
  /** Balance of replicas over the active members. */
  balance: Balance;
  /** Whether the broker answered from local state without a leader. */
  stale: boolean;
}

/** Partition health with the unhealthy partitions, and the balance over the active members. */
export function checkPartitions(cluster: Cluster, opts: ProcedureOptions = {}): Promise<PartitionsReport> {
  return runProcedure("partition health", 30_000, opts, async (ctx) => {
    const [members, health, parts] = await Promise.all([
      cluster.refresh(ctx.call),
      cluster.admin.partitionsHealth(ctx.call),
      cluster.admin.partitions(ctx.call),
    ]);
    const active = members.members.filter((m) => m.state === "active").map((m) => m.broker_id);
    const byReason: Record<string, number> = {};
    for (const u of health.unhealthy) byReason[u.reason] = (byReason[u.reason] ?? 0) + 1;
    return {
      ok: health.unhealthy.length === 0,
      total: health.total,
      healthy: health.healthy,
      unhealthy: health.unhealthy,
      byReason,
      balance: balanceOf(parts.partitions, active),
      stale: Boolean(health.stale || parts.stale),
    };
  });
}
