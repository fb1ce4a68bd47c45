import { z } from "zod";
import { BrokerId, Count, RaftRole, Stale } from "./common";

/**
 * A member's state: `learner` (registered, not joined), `active`, `draining`, `drained`
 * (holds nothing after a drain), `offline` (no heartbeat for 10 s).
 */
export const MemberState = z.enum(["learner", "active", "draining", "drained", "offline"]);
/** A member's state. */
export type MemberState = z.infer<typeof MemberState>;

/** One member of `GET /admin/cluster/members`, and the answer of `join`. */
export const Member = z.object({
  broker_id: BrokerId,
  address: z.string(),
  admin_url: z.string(),
  rack: z.string().nullable(),
  state: MemberState,
  raft_role: RaftRole,
  partitions: Count,
  last_heartbeat_ms: Count,
});
/** One member of the cluster. */
export type Member = z.infer<typeof Member>;

/** `GET /admin/cluster/members`. `leader_id` is null while there is no leader. */
export const MembersResponse = z.object({
  cluster_id: z.string(),
  leader_id: BrokerId.nullable(),
  term: Count,
  members: z.array(Member),
  stale: Stale,
});
/** `GET /admin/cluster/members`. */
export type MembersResponse = z.infer<typeof MembersResponse>;

/** `POST /admin/cluster/join` body. */
export const JoinRequest = z.object({ broker_id: BrokerId });
/** `POST /admin/cluster/join` body. */
export type JoinRequest = z.infer<typeof JoinRequest>;

/** `POST /admin/cluster/join` answer (`200`): the member, now a voter. */
export const JoinResponse = Member;
/** `POST /admin/cluster/join` answer. */
export type JoinResponse = Member;

/** `POST /admin/cluster/leave` body; `force` overrides only the `min_voters` guard. */
export const LeaveRequest = z.object({ broker_id: BrokerId, force: z.boolean().optional() });
/** `POST /admin/cluster/leave` body. */
export type LeaveRequest = z.infer<typeof LeaveRequest>;

/** `POST /admin/cluster/leave` answer (`200`), also for an id that is already gone. */
export const LeaveResponse = z.object({ broker_id: BrokerId, state: z.literal("left") });
/** `POST /admin/cluster/leave` answer. */
export type LeaveResponse = z.infer<typeof LeaveResponse>;

/** `POST /admin/brokers/{id}/drain` (`202`) and `DELETE /admin/brokers/{id}/drain` (`200`). */
export const DrainResponse = z.object({
  broker_id: BrokerId,
  state: MemberState,
  partitions_remaining: Count,
});
/** The answer of starting or stopping a drain. */
export type DrainResponse = z.infer<typeof DrainResponse>;

/** A broker's role for one partition, in `GET /admin/brokers/{id}/partitions`. */
export const BrokerPartitionRole = z.enum(["leader", "follower"]);
/** A broker's role for one partition. */
export type BrokerPartitionRole = z.infer<typeof BrokerPartitionRole>;

/** `GET /admin/brokers/{id}/partitions`: the partition replicas the broker holds. */
export const BrokerPartitionsResponse = z.object({
  broker_id: BrokerId,
  count: Count,
  partitions: z.array(z.object({ topic: z.string(), partition: Count, role: BrokerPartitionRole })),
  stale: Stale,
});
/** `GET /admin/brokers/{id}/partitions`. */
export type BrokerPartitionsResponse = z.infer<typeof BrokerPartitionsResponse>;
