import type { Cluster } from "../procedures/client";
import { formatBytes } from "../procedures/common";
import { heldBy } from "../procedures/membership";
import { DEFAULT_CONCURRENCY, recordLines, type RecordOf } from "../procedures/records";

/**
 * The data a membership change will move, printed at `diff` (so in `pulumi preview`) and
 * again right before the update's rebalance: one line for people and one `streambus-plan
 * {json}` record line (`procedures/records.ts`) for pull-request tooling, which reads the
 * record alone.
 */

/** What a membership change will move. */
export interface MovementPlan {
  /** `dry_run`: the cluster's own plan; `estimate`: computed here (new brokers not registered yet). */
  method: "dry_run" | "estimate";
  /** The brokers the rebalance balances across. */
  targets: number[];
  /** Partition moves. */
  moves: number;
  /** Bytes copied. */
  bytes: number;
  /** Brokers that receive replicas (dry run only). */
  receivers: number[];
  /** Estimated seconds at the throttle; null without a throttle (the cluster's default is not published). */
  seconds: number | null;
  /** How an estimate was computed, in words. */
  basis: string;
}

/** The contract: a move takes `bytes / throttle` plus a second or so. */
const MOVE_OVERHEAD_S = 1;

/** Seconds a rebalance of `moves` moves and `bytes` bytes takes at the throttle, or null without one. */
export function estimateSeconds(
  moves: number,
  bytes: number,
  throttleBytesPerS: number | undefined,
  maxConcurrentMoves: number | undefined,
): number | null {
  if (!throttleBytesPerS) return null;
  if (moves === 0) return 0;
  const atOnce = Math.max(1, Math.min(moves, maxConcurrentMoves ?? DEFAULT_CONCURRENCY));
  return Math.round((bytes / throttleBytesPerS + moves * MOVE_OVERHEAD_S) / atOnce);
}

/**
 * Plans the change onto `targets` (the declared brokers that are active members, and the
 * unmanaged members): a dry-run rebalance when every target is an active member; otherwise
 * (brokers to add have not registered, so the cluster cannot plan onto them) an estimate: an
 * even spread gives the new brokers their share of every replica's bytes, and the removed
 * brokers' bytes move anyway; the larger of the two is what moves.
 */
export async function planMovement(
  cluster: Cluster,
  targets: readonly number[],
  pending: readonly number[],
  removed: readonly number[],
  opts: {
    throttleBytesPerS?: number;
    maxConcurrentMoves?: number;
    signal?: AbortSignal;
    /** Which of `pending` are registered but offline (crashed), not brokers yet to register. */
    offline?: readonly number[];
  },
): Promise<MovementPlan> {
  const call = opts.signal ? { signal: opts.signal } : {};
  const sorted = [...targets].sort((a, b) => a - b);
  if (pending.length === 0) {
    const plan = await cluster.admin.rebalancePlan({ brokers: sorted }, call);
    const receivers = new Set<number>();
    for (const m of plan.moves) for (const b of m.to) if (!m.from.includes(b)) receivers.add(b);
    return {
      method: "dry_run",
      targets: sorted,
      moves: plan.moves_total,
      bytes: plan.bytes_total,
      receivers: [...receivers].sort((a, b) => a - b),
      seconds: estimateSeconds(
        plan.moves_total,
        plan.bytes_total,
        opts.throttleBytesPerS,
        opts.maxConcurrentMoves,
      ),
      basis: `dry-run rebalance onto brokers ${sorted.join(", ")}`,
    };
  }
  const { partitions } = await cluster.admin.partitions(call);
  const replicas = partitions.reduce((s, p) => s + p.replicas.length, 0);
  const replicaBytes = partitions.reduce((s, p) => s + p.size_bytes * p.replicas.length, 0);
  const brokersAfter = new Set([...targets, ...pending]).size;
  const share = brokersAfter > 0 ? pending.length / brokersAfter : 0;
  const leaving = removed.map((id) => heldBy(partitions, id));
  const leavingBytes = leaving.reduce((s, h) => s + h.bytes, 0);
  const leavingCount = leaving.reduce((s, h) => s + h.count, 0);
  const bytes = Math.round(Math.max(replicaBytes * share, leavingBytes));
  const moves = Math.round(Math.max(replicas * share, leavingCount));
  return {
    method: "estimate",
    targets: [...new Set([...sorted, ...pending])].sort((a, b) => a - b),
    moves,
    bytes,
    receivers: [],
    seconds: estimateSeconds(moves, bytes, opts.throttleBytesPerS, opts.maxConcurrentMoves),
    basis:
      `estimate: ${whyPending(pending, opts.offline ?? [])}, ` +
      `so the cluster cannot plan onto ${pending.length > 1 ? "them" : "it"}; an even spread puts ${pending.length} of ${brokersAfter} shares ` +
      `of the ${formatBytes(replicaBytes)} of replicas there` +
      (removed.length > 0 ? `, and the brokers leaving hold ${formatBytes(leavingBytes)}` : ""),
  };
}

/** "broker 5 has not registered yet, broker 4 is offline": why the cluster cannot plan onto them. */
function whyPending(pending: readonly number[], offline: readonly number[]): string {
  const down = pending.filter((id) => offline.includes(id));
  const unregistered = pending.filter((id) => !offline.includes(id));
  const parts: string[] = [];
  const brokers = (ids: number[]) => `broker${ids.length > 1 ? "s" : ""} ${ids.join(", ")}`;
  if (unregistered.length > 0)
    parts.push(`${brokers(unregistered)} ha${unregistered.length > 1 ? "ve" : "s"} not registered yet`);
  if (down.length > 0) parts.push(`${brokers(down)} ${down.length > 1 ? "are" : "is"} offline`);
  return parts.join(" and ");
}

/** The plan's record: the change, what moves, the throttle, and how it was planned. */
export function planRecord(
  plan: MovementPlan,
  change: { clusterId: string; stage: "preview" | "update"; from: number[]; to: number[] },
  opts: { throttleBytesPerS?: number; maxConcurrentMoves?: number },
): RecordOf<"plan"> {
  return {
    cluster_id: change.clusterId,
    stage: change.stage,
    from: change.from,
    to: change.to,
    add: change.to.filter((b) => !change.from.includes(b)),
    remove: change.from.filter((b) => !change.to.includes(b)),
    method: plan.method,
    targets: plan.targets,
    moves: plan.moves,
    bytes: plan.bytes,
    receivers: plan.receivers,
    throttle_bytes_per_s: opts.throttleBytesPerS ?? null,
    max_concurrent_moves: opts.maxConcurrentMoves ?? null,
    estimated_seconds: plan.seconds,
    basis: plan.basis,
  };
}

/** The human line and the record line of a plan. */
export function planLines(
  plan: MovementPlan,
  change: { clusterId: string; stage: "preview" | "update"; from: number[]; to: number[] },
  opts: { throttleBytesPerS?: number; maxConcurrentMoves?: number },
): [string, string] {
  return recordLines("plan", planRecord(plan, change, opts));
}
