import { z } from "zod";

/** A broker id: a positive integer (the contract's "Conventions"). */
export const BrokerId = z.int().positive();

/** A count, offset, size in bytes or duration: a non-negative integer. */
export const Count = z.int().nonnegative();

/** An RFC 3339 timestamp, with `Z` or a numeric offset. */
export const Timestamp = z.iso.datetime({ offset: true });

/**
 * Present and `true` on a read answered from a broker's local state while the cluster has
 * no leader (the contract's "Conventions": reads under no quorum say `"stale": true`).
 */
export const Stale = z.boolean().optional();

/** A broker's Raft role, as `/health`, `/metrics` and `/admin/raft/status` report it. */
export const RaftRole = z.enum(["leader", "follower", "candidate", "learner"]);
/** A broker's Raft role. */
export type RaftRole = z.infer<typeof RaftRole>;
