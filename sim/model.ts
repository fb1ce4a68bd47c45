import type { ClusterConfig, Quotas, TopicConfig } from "../procedures/contract";

/** Every synthetic message is this big, so a partition's size is its log end offset times this. */
export const MESSAGE_BYTES = 1024;

/** The version every emulated broker reports. */
export const BROKER_VERSION = "1.4.2";

/** A provisioned machine with a broker process on it (the platform's view, not the cluster's). */
export interface Machine {
  id: number;
  rack: string | null;
  running: boolean;
  /** When the broker registers (or bootstraps) after its start; null once it has. */
  registerAt: number | null;
  /** Started by `--brokers N` as one of the first voters: joins by itself once registered. */
  autoJoin: boolean;
  /** It left the cluster: it stays out until its process restarts. */
  left: boolean;
  /** The broker's config file as the platform last wrote it (`PUT /sim/brokers/{id}/config`); read at start. */
  config?: string | null;
  /** The config file the running process read when it started. */
  runningConfig?: string | null;
  /**
   * The broker's own admin API certificate and key as the platform wrote them (`tls` in
   * `POST /sim/brokers` or `PUT /sim/brokers/{id}/config`); read at start. Absent: the
   * emulator's `--tls-cert`, if any.
   */
  tls?: { cert: string; key: string } | null;
  /** The certificate the running process read when it started (null: none of its own). */
  runningTls?: { cert: string; key: string } | null;
}

/** A member's stored state; `offline` is derived from the heartbeat when it is reported. */
export type StoredMemberState = "learner" | "active" | "draining" | "drained";

/** A cluster member, as the Raft metadata holds it. */
export interface MemberRecord {
  id: number;
  rack: string | null;
  state: StoredMemberState;
  voter: boolean;
  lastHeartbeatAt: number;
}

/** A topic, as the metadata holds it. */
export interface TopicRecord {
  name: string;
  partitions: number;
  replicationFactor: number;
  config: TopicConfig;
}

/**
 * A partition: its metadata (replicas, ISR, leader) and a model of its data: each replica's
 * log end offset, and the acknowledged high watermark. A message is acknowledged once every
 * ISR replica has it, so losing it needs every replica that has it to be destroyed.
 */
export interface PartitionRecord {
  topic: string;
  partition: number;
  replicas: number[];
  isr: number[];
  leader: number | null;
  /** Messages acknowledged to producers (the high watermark). */
  acked: number;
  /** Log end offset per broker that holds a copy on disk. */
  leo: Map<number, number>;
  /** Brokers whose log has a tail the leader does not (a cut-off old leader's writes): truncated on resync. */
  diverged: Map<number, number>;
  /** A cut-off broker that still believes it leads this partition and takes writes it cannot ack. */
  staleLeader: number | null;
  /** Fraction of a message owed by the synthetic producer. */
  pending: number;
}

/** Everything the Raft log replicates: what a metadata export and the state dir hold. */
export interface Metadata {
  clusterId: string;
  bootstrapped: boolean;
  seeded: boolean;
  members: Map<number, MemberRecord>;
  topics: Map<string, TopicRecord>;
  partitions: Map<string, PartitionRecord>;
  config: ClusterConfig;
  quotas: Quotas;
  readOnly: boolean;
}

/** The key of a partition in {@link Metadata.partitions}. */
export function partitionKey(topic: string, partition: number): string {
  return `${topic}/${partition}`;
}

/** The log end offset of a partition: its leader's, or the longest copy while it has none. */
export function logEndOffset(p: PartitionRecord): number {
  if (p.leader !== null && p.leo.has(p.leader)) return p.leo.get(p.leader) ?? 0;
  return Math.max(0, ...p.leo.values());
}

/** A partition's size in bytes. */
export function sizeBytes(p: PartitionRecord): number {
  return logEndOffset(p) * MESSAGE_BYTES;
}

/** The dynamic configuration a new cluster starts with (the contract's example). */
export function defaultConfig(): ClusterConfig {
  return {
    retention: { max_bytes: 107374182400, max_age_s: 604800 },
    compaction: { enabled: true, interval_s: 3600, target_size_bytes: 53687091200 },
    storage: { flush_interval_ms: 5000 },
    network: { compression: true },
  };
}

/** A new, empty cluster's metadata. */
export function emptyMetadata(clusterId: string): Metadata {
  return {
    clusterId,
    bootstrapped: false,
    seeded: false,
    members: new Map(),
    topics: new Map(),
    partitions: new Map(),
    config: defaultConfig(),
    quotas: { default: {}, clients: {} },
    readOnly: false,
  };
}
