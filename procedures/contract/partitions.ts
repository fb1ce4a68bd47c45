import { z } from "zod";
import { BrokerId, Count, Stale, Timestamp } from "./common";

/** One partition of `GET /admin/partitions`. `leader` is null while the partition is offline. */
export const Partition = z.object({
  topic: z.string(),
  partition: Count,
  leader: BrokerId.nullable(),
  replicas: z.array(BrokerId),
  isr: z.array(BrokerId),
  size_bytes: Count,
  log_end_offset: Count,
});
/** One partition. */
export type Partition = z.infer<typeof Partition>;

/** `GET /admin/partitions`. */
export const PartitionsResponse = z.object({ partitions: z.array(Partition), stale: Stale });
/** `GET /admin/partitions`. */
export type PartitionsResponse = z.infer<typeof PartitionsResponse>;

/** Why a partition is unhealthy: `under_replicated`, `offline` (no live replica), `no_leader`. */
export const PartitionHealthReason = z.enum(["under_replicated", "offline", "no_leader"]);
/** Why a partition is unhealthy. */
export type PartitionHealthReason = z.infer<typeof PartitionHealthReason>;

/** One entry of `unhealthy` in `GET /admin/partitions/health`. */
export const UnhealthyPartition = z.object({
  topic: z.string(),
  partition: Count,
  reason: PartitionHealthReason,
  isr: z.array(BrokerId),
  replicas: z.array(BrokerId),
});
/** One unhealthy partition. */
export type UnhealthyPartition = z.infer<typeof UnhealthyPartition>;

/** `GET /admin/partitions/health`. */
export const PartitionsHealthResponse = z.object({
  total: Count,
  healthy: Count,
  unhealthy: z.array(UnhealthyPartition),
  stale: Stale,
});
/** `GET /admin/partitions/health`. */
export type PartitionsHealthResponse = z.infer<typeof PartitionsHealthResponse>;

/**
 * `POST /admin/partitions/rebalance` body; every field optional. `brokers` is the set to
 * balance across (default: every `active` member).
 */
export const RebalanceRequest = z.object({
  dry_run: z.boolean().optional(),
  brokers: z.array(BrokerId).min(1).optional(),
  max_concurrent_moves: z.int().positive().optional(),
  throttle_bytes_per_s: z.int().positive().optional(),
});
/** `POST /admin/partitions/rebalance` body. */
export type RebalanceRequest = z.infer<typeof RebalanceRequest>;

/** One planned move: a partition's replica set before and after, and the bytes to copy. */
export const PartitionMove = z.object({
  topic: z.string(),
  partition: Count,
  from: z.array(BrokerId),
  to: z.array(BrokerId),
  bytes: Count,
});
/** One planned move. */
export type PartitionMove = z.infer<typeof PartitionMove>;

/** `POST /admin/partitions/rebalance` with `dry_run: true` (`200`): the plan, nothing changed. */
export const RebalancePlan = z.object({
  moves: z.array(PartitionMove),
  moves_total: Count,
  bytes_total: Count,
});
/** A rebalance plan. */
export type RebalancePlan = z.infer<typeof RebalancePlan>;

/** A rebalance's status: `idle` (none ever ran), `running`, `completed`, `failed`, `cancelled`. */
export const RebalanceState = z.enum(["idle", "running", "completed", "failed", "cancelled"]);
/** A rebalance's status. */
export type RebalanceState = z.infer<typeof RebalanceState>;

/**
 * `POST /admin/partitions/rebalance` without `dry_run`: `202` with `status: "running"`, or `200`
 * with `status: "completed"` and `moves_total: 0` on a balanced cluster.
 */
export const RebalanceStarted = z.object({
  rebalance_id: z.string().optional(),
  status: RebalanceState,
  moves_total: Count,
  bytes_total: Count.optional(),
});
/** The answer of starting a rebalance. */
export type RebalanceStarted = z.infer<typeof RebalanceStarted>;

/**
 * `GET /admin/partitions/rebalance-status` (and the answer of `DELETE /admin/partitions/rebalance`).
 * `rebalance_id` and `started_at` are null while `idle`.
 */
export const RebalanceStatus = z.object({
  rebalance_id: z.string().nullable(),
  status: RebalanceState,
  moves_total: Count,
  moves_completed: Count,
  bytes_total: Count,
  bytes_moved: Count,
  started_at: Timestamp.nullable(),
  finished_at: Timestamp.nullable(),
  error: z.string().nullable(),
  stale: Stale,
});
/** `GET /admin/partitions/rebalance-status`. */
export type RebalanceStatus = z.infer<typeof RebalanceStatus>;
