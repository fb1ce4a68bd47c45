import { z } from "zod";
import { Count, Stale } from "./common";

/** A topic's cleanup policy. */
export const CleanupPolicy = z.enum(["delete", "compact"]);
/** A topic's cleanup policy. */
export type CleanupPolicy = z.infer<typeof CleanupPolicy>;

/** A topic's configuration; a field left out keeps the cluster's default. */
export const TopicConfig = z.object({
  retention_ms: Count.optional(),
  retention_bytes: Count.optional(),
  cleanup_policy: CleanupPolicy.optional(),
});
/** A topic's configuration. */
export type TopicConfig = z.infer<typeof TopicConfig>;

/**
 * One topic of `GET /admin/topics`, and the answer of `PUT /admin/topics/{name}`. `config` is what
 * is in force; `overrides` names the keys set on the topic itself, the others following the
 * cluster's `GET /admin/config` (a later `PUT /admin/config` changes them too).
 *
 * `overrides` is optional: brokers older than 1.5.0 do not send it. For those, the topic provider
 * judges a key the stack leaves out by its value: one that differs from what the cluster's config
 * gives (`retention.max_age_s` × 1000, `retention.max_bytes`) is taken as set on the topic; one
 * equal to it cannot be told from following the cluster and is taken as following it
 * (`providers/topic.ts`, `overriddenKeys`).
 */
export const Topic = z.object({
  name: z.string(),
  partitions: z.int().positive(),
  replication_factor: z.int().positive(),
  config: TopicConfig,
  // A key this client does not know (a newer broker's) is no key it could declare: kept as a string.
  overrides: z.array(z.string()).optional(),
});
/** One topic. */
export type Topic = z.infer<typeof Topic>;

/** `GET /admin/topics`. */
export const TopicsResponse = z.object({ topics: z.array(Topic), stale: Stale });
/** `GET /admin/topics`. */
export type TopicsResponse = z.infer<typeof TopicsResponse>;

/**
 * `PUT /admin/topics/{name}` body: creates or updates the topic. `config` replaces the topic's own
 * keys whole: a key left out follows the cluster's from then on.
 */
export const PutTopicRequest = z.object({
  partitions: z.int().positive(),
  replication_factor: z.int().positive(),
  config: TopicConfig.optional(),
});
/** `PUT /admin/topics/{name}` body. */
export type PutTopicRequest = z.infer<typeof PutTopicRequest>;

/** `DELETE /admin/topics/{name}` answer (`200`, also for an unknown topic). */
export const DeleteTopicResponse = z.object({ name: z.string(), deleted: z.boolean() });
/** `DELETE /admin/topics/{name}` answer. */
export type DeleteTopicResponse = z.infer<typeof DeleteTopicResponse>;

/**
 * The cluster's dynamic configuration: `GET /admin/config`, and `PUT /admin/config` (whole).
 * `stale` comes only with a read; a broker does not store it from a `PUT` body.
 */
export const ClusterConfig = z.object({
  retention: z.object({ max_bytes: Count, max_age_s: Count }),
  compaction: z.object({ enabled: z.boolean(), interval_s: Count, target_size_bytes: Count }),
  storage: z.object({ flush_interval_ms: Count }),
  network: z.object({ compression: z.boolean() }),
  stale: Stale,
});
/** The cluster's dynamic configuration. */
export type ClusterConfig = z.infer<typeof ClusterConfig>;

/** Rates in messages per second; a missing rate has no limit. */
export const QuotaRates = z.object({ produce_rate: Count.optional(), consume_rate: Count.optional() });
/** Rates in messages per second. */
export type QuotaRates = z.infer<typeof QuotaRates>;

/** `GET /admin/quotas` and the answer of `POST /admin/quotas`: every quota in force. */
export const Quotas = z.object({
  default: QuotaRates,
  clients: z.record(z.string(), QuotaRates),
  stale: Stale,
});
/** Every quota in force. */
export type Quotas = z.infer<typeof Quotas>;

/**
 * `POST /admin/quotas` body: replaces every quota. The runbook sends only `default`, so a
 * missing part means "no quotas there".
 */
export const QuotasRequest = z.object({
  default: QuotaRates.optional(),
  clients: z.record(z.string(), QuotaRates).optional(),
});
/** `POST /admin/quotas` body. */
export type QuotasRequest = z.infer<typeof QuotasRequest>;
