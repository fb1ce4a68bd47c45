import { z } from "zod";

/**
 * Schemas of the emulator's control API (`/sim/*` on the control port): the platform's view
 * (machines) and fault injection. Not part of the broker contract; the `local` platform and the
 * tests use them.
 */

/** A broker's admin API certificate and private key (PEM), written to its machine: it serves HTTPS with them. */
export const BrokerTlsFiles = z.object({
  cert: z.string().includes("-----BEGIN CERTIFICATE-----", { error: "must be a PEM certificate" }),
  key: z.string().includes("PRIVATE KEY-----", { error: "must be a PEM private key" }),
});

/** `POST /sim/brokers` body: provisions a machine with a broker started on it. */
export const ProvisionRequest = z.object({
  broker_id: z.int().positive(),
  rack: z.string().min(1).nullable().optional(),
  /** The broker's config file, written before its first start. */
  config: z.string().optional(),
  /** The broker's certificate and key: its admin API serves HTTPS with them from its first start. */
  tls: BrokerTlsFiles.optional(),
});
/** `POST /sim/brokers` body. */
export type ProvisionRequest = z.infer<typeof ProvisionRequest>;

/** `POST /sim/brokers` answer (`201`, also when the machine already exists). */
export const ProvisionResponse = z.object({ broker_id: z.int().positive(), admin_url: z.string() });
/** `POST /sim/brokers` answer. */
export type ProvisionResponse = z.infer<typeof ProvisionResponse>;

/** One machine of `GET /sim/brokers`; `member_state` is null while it is not a cluster member. */
export const SimBroker = z.object({
  broker_id: z.int().positive(),
  rack: z.string().nullable(),
  admin_url: z.string(),
  running: z.boolean(),
  member_state: z.string().nullable(),
  /** Whether the config file written last differs from the one the running process read at start. */
  restart_pending: z.boolean().optional(),
});
/** One machine of `GET /sim/brokers`. */
export type SimBroker = z.infer<typeof SimBroker>;

/** `GET /sim/brokers`. */
export const SimBrokersResponse = z.object({ brokers: z.array(SimBroker) });
/** `GET /sim/brokers`. */
export type SimBrokersResponse = z.infer<typeof SimBrokersResponse>;

/** `POST /sim/faults` body: without `broker_id`, the fault applies to every broker. */
export const FaultRequest = z.object({
  broker_id: z.int().positive().optional(),
  latency_ms: z.int().nonnegative().max(60_000).default(0),
  error_rate: z.number().min(0).max(1).default(0),
});
/** `POST /sim/faults` body. */
export type FaultRequest = z.input<typeof FaultRequest>;

/** `POST /sim/network` body: groups of brokers that can reach each other and no one else. */
export const NetworkRequest = z.object({ groups: z.array(z.array(z.int().positive())).min(1) });
/** `POST /sim/network` body. */
export type NetworkRequest = z.infer<typeof NetworkRequest>;

/** `GET /sim/integrity`: nothing lost or diverged is what every procedure must leave behind. */
export const IntegrityResponse = z.object({
  partitions: z.int().nonnegative(),
  under_replicated: z.int().nonnegative(),
  offline: z.int().nonnegative(),
  acked_messages: z.int().nonnegative(),
  lost_messages: z.int().nonnegative(),
  diverged_replicas: z.int().nonnegative(),
});
/** `GET /sim/integrity`. */
export type IntegrityResponse = z.infer<typeof IntegrityResponse>;

/** One count of `GET /sim/requests`: admin API requests a broker served with this method and path. */
export const RequestCount = z.object({
  broker_id: z.int().positive(),
  method: z.string(),
  path: z.string(),
  count: z.int().positive(),
});

/** `GET /sim/requests` (and `DELETE /sim/requests`, which starts counting from zero). */
export const RequestsResponse = z.object({ total: z.int().nonnegative(), requests: z.array(RequestCount) });
/** `GET /sim/requests`. */
export type RequestsResponse = z.infer<typeof RequestsResponse>;

/** `PUT /sim/brokers/{id}/config` body: the broker's config file, read at its next start. */
export const BrokerConfigRequest = z.object({
  config: z.string(),
  /** A new certificate and key, read (as the config file is) at the broker's next start. */
  tls: BrokerTlsFiles.optional(),
});
/** `PUT /sim/brokers/{id}/config` body. */
export type BrokerConfigRequest = z.infer<typeof BrokerConfigRequest>;

/** One restart of `GET /sim/restarts`: when, and how the cluster was when it began. */
export const RestartRecord = z.object({
  broker_id: z.int().positive(),
  /** When the restart began (RFC 3339, milliseconds). */
  started_at: z.string(),
  /** The cluster had a leader and no partition under-replicated or offline when it began. */
  healthy_before: z.boolean(),
  /** The Raft leader when it began. */
  leader_id: z.int().positive().nullable(),
  /** Partitions under-replicated or offline when it began. */
  unhealthy_partitions: z.int().nonnegative(),
  /** Brokers still coming back from a start when it began (not registered again, or not following the leader). */
  settling_brokers: z.array(z.int().positive()),
});
/** One restart. */
export type RestartRecord = z.infer<typeof RestartRecord>;

/** `GET /sim/restarts`: every restart through `POST /sim/brokers/{id}/restart`, in order. */
export const RestartsResponse = z.object({ restarts: z.array(RestartRecord) });
/** `GET /sim/restarts`. */
export type RestartsResponse = z.infer<typeof RestartsResponse>;
