import { z } from "zod";
import { BrokerId, RaftRole } from "./common";

/** `GET /health` when the broker is healthy (`200`). */
export const HealthyResponse = z.object({
  status: z.literal("healthy"),
  broker_id: BrokerId,
  role: RaftRole,
  version: z.string(),
});
/** `GET /health` when the broker is healthy. */
export type HealthyResponse = z.infer<typeof HealthyResponse>;

/** `GET /health` when the broker is not healthy (`503`). */
export const UnhealthyResponse = z.object({
  status: z.literal("unhealthy"),
  reason: z.string(),
  broker_id: BrokerId.optional(),
  role: RaftRole.optional(),
  version: z.string().optional(),
});
/** `GET /health` when the broker is not healthy. */
export type UnhealthyResponse = z.infer<typeof UnhealthyResponse>;

/** `GET /health`: `200` healthy or `503` unhealthy. */
export const HealthResponse = z.discriminatedUnion("status", [HealthyResponse, UnhealthyResponse]);
/** `GET /health`. */
export type HealthResponse = z.infer<typeof HealthResponse>;

/** `GET /health/live`: `200` while the process serves requests. */
export const LiveResponse = z.object({ status: z.literal("live") });
/** `GET /health/live`. */
export type LiveResponse = z.infer<typeof LiveResponse>;

/** Why a broker is not ready (`GET /health/ready` answering `503`). */
export const NotReadyReason = z.enum(["joining", "catching_up", "no_quorum", "read_only", "draining"]);
/** Why a broker is not ready. */
export type NotReadyReason = z.infer<typeof NotReadyReason>;

/** `GET /health/ready`: `200 ready` once a caught-up member that sees a leader, else `503`. */
export const ReadyResponse = z.discriminatedUnion("status", [
  z.object({ status: z.literal("ready") }),
  z.object({ status: z.literal("not_ready"), reason: NotReadyReason }),
]);
/** `GET /health/ready`. */
export type ReadyResponse = z.infer<typeof ReadyResponse>;
