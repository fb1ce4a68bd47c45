import { z } from "zod";
import { Count, BrokerId } from "./common";

/** Every error code the contract uses. */
export const ErrorCode = z.enum([
  "unauthorized",
  "not_found",
  "invalid_request",
  "no_quorum",
  "not_leader",
  "conflict",
  "unsafe",
  "read_only",
  "internal",
]);
/** An error code of the contract. */
export type ErrorCode = z.infer<typeof ErrorCode>;

/**
 * Why a `409 unsafe` refused a change: `leave` (`not_drained`, `quorum`, `min_voters`),
 * `drain` and topic changes (`replication`).
 */
export const UnsafeReason = z.enum(["not_drained", "quorum", "min_voters", "replication"]);
/** Why a change was refused as unsafe. */
export type UnsafeReason = z.infer<typeof UnsafeReason>;

/**
 * The body of every non-2xx answer: `{"error", "message", ...details}`. The details the
 * contract names are typed; any others pass through unchecked (the object is not strict).
 */
export const ApiErrorBody = z.object({
  error: ErrorCode,
  message: z.string(),
  /** On `409 unsafe`: which guard refused. */
  reason: z.string().optional(),
  /** On `409 unsafe` with reason `not_drained`: how many partition replicas the broker holds. */
  partitions: Count.optional(),
  /** On `409 conflict` from a rebalance: the running rebalance. */
  rebalance_id: z.string().optional(),
  /** On errors about one broker. */
  broker_id: BrokerId.optional(),
  /** On `not_leader`: where the leader is, when known. */
  leader_id: BrokerId.nullable().optional(),
});
/** The body of every non-2xx answer. */
export type ApiErrorBody = z.infer<typeof ApiErrorBody>;
