/**
 * The series every broker's `GET /metrics` serves (the contract's "Metrics"), each with the
 * label `broker_id`. Alert rules and dashboards are written against these names.
 */
export const METRIC_NAMES = [
  "raft_state",
  "raft_term",
  "raft_commit_index",
  "raft_applied_index",
  "partitions_total",
  "partitions_leader_total",
  "partitions_under_replicated",
  "sync_progress",
  "rebalance_in_progress",
  "request_duration_seconds",
  "errors_total",
  "disk_free_bytes",
  "disk_total_bytes",
] as const;

/** One series name of the contract. */
export type MetricName = (typeof METRIC_NAMES)[number];
