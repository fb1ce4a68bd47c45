import { z } from "zod";
import { BrokerId, Count, RaftRole, Stale, Timestamp } from "./common";
import { Member } from "./membership";
import { ClusterConfig, Quotas, Topic } from "./topics";

/** `GET /admin/raft/status`: this broker's view of Raft. `leader_id` is null with no leader. */
export const RaftStatus = z.object({
  broker_id: BrokerId,
  state: RaftRole,
  term: Count,
  leader_id: BrokerId.nullable(),
  commit_index: Count,
  applied_index: Count,
  voters: z.array(BrokerId),
  learners: z.array(BrokerId),
  stale: Stale,
});
/** `GET /admin/raft/status`. */
export type RaftStatus = z.infer<typeof RaftStatus>;

/** `POST /admin/raft/snapshot` answer (`200`). */
export const Snapshot = z.object({
  snapshot_id: z.string(),
  term: Count,
  index: Count,
  size_bytes: Count,
  created_at: Timestamp,
});
/** `POST /admin/raft/snapshot` answer. */
export type Snapshot = z.infer<typeof Snapshot>;

/** `GET /admin/metadata/export`: enough to rebuild the metadata of an empty cluster. */
export const MetadataExport = z.object({
  exported_at: Timestamp,
  cluster_id: z.string(),
  members: z.array(Member),
  topics: z.array(Topic),
  config: ClusterConfig,
  quotas: Quotas,
  stale: Stale,
});
/** `GET /admin/metadata/export`. */
export type MetadataExport = z.infer<typeof MetadataExport>;

/** `POST /admin/storage/compact` and `POST /admin/storage/rebuild-index` answer (`202`). */
export const TaskAccepted = z.object({ task_id: z.string() });
/** The answer of starting a storage task. */
export type TaskAccepted = z.infer<typeof TaskAccepted>;

/** A storage task's status. */
export const TaskState = z.enum(["running", "completed", "failed"]);
/** A storage task's status. */
export type TaskState = z.infer<typeof TaskState>;

/** `GET /admin/tasks/{task_id}`. */
export const Task = z.object({
  task_id: z.string(),
  status: TaskState,
  error: z.string().nullable(),
  stale: Stale,
});
/** `GET /admin/tasks/{task_id}`. */
export type Task = z.infer<typeof Task>;

/** `POST /admin/readonly` body. The runbook posts no body to turn it on: `enabled` defaults to true. */
export const ReadOnlyRequest = z.object({ enabled: z.boolean().default(true) });
/** `POST /admin/readonly` body. */
export type ReadOnlyRequest = z.input<typeof ReadOnlyRequest>;

/** `POST /admin/readonly` answer (`200`). */
export const ReadOnlyResponse = z.object({ read_only: z.boolean() });
/** `POST /admin/readonly` answer. */
export type ReadOnlyResponse = z.infer<typeof ReadOnlyResponse>;

/** One entry of `GET /admin/slow-queries`. */
export const SlowQuery = z.object({
  op: z.string(),
  duration_ms: Count,
  at: Timestamp,
  client: z.string(),
});
/** One slow query. */
export type SlowQuery = z.infer<typeof SlowQuery>;

/** `GET /admin/slow-queries`: slowest first, at most 100. */
export const SlowQueriesResponse = z.array(SlowQuery).max(100);
/** `GET /admin/slow-queries`. */
export type SlowQueriesResponse = z.infer<typeof SlowQueriesResponse>;
