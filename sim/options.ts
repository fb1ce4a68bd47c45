/** A topic the emulator creates once the cluster has enough active members for it. */
export interface SeedTopic {
  name: string;
  partitions: number;
  replicationFactor: number;
  /** Bytes already in each partition when it is created. Defaults to 64 MiB. */
  sizeBytes?: number;
}

/** A broker's admin API certificate and its private key, PEM: the broker serves HTTPS with them. */
export interface BrokerTls {
  /** The certificate (with any intermediates after it), PEM. */
  cert: string;
  /** Its private key, PEM. */
  key: string;
}

/** Options of {@link startSim} (and the flags of `streambus-sim`). */
export interface SimOptions {
  /** The control API's port; broker `i` serves on `basePort + i`. 0 or absent: find a free range. */
  basePort?: number;
  /** Brokers started at once: voters 1..min(N, 3), the rest learners. Defaults to 0 (empty). */
  brokers?: number;
  /** Admin token every `/admin/*` and `/debug/*` call must bear. Defaults to none (auth off). */
  token?: string;
  /**
   * The certificate every broker serves its admin API with over HTTPS, unless its machine was
   * provisioned with its own (`tls` in `POST /sim/brokers`). It must name `127.0.0.1` (an IP
   * subjectAltName). Defaults to none: plain HTTP. The control API is always plain HTTP.
   */
  tls?: BrokerTls;
  /** Where the cluster's state is kept across restarts of the emulator. Defaults to memory only. */
  stateDir?: string;
  /** Bytes per second one partition move copies (unless a rebalance sets a throttle). Defaults to 50 MiB/s. */
  moveRateBytesPerS?: number;
  /** Synthetic produce traffic, messages per second over the whole cluster. Defaults to 1,000. */
  produceRateMsgsPerS?: number;
  /** Topics seeded once the cluster has enough active members. Defaults to events/orders/audit, 48 partitions. */
  topics?: SeedTopic[];
  /** Where the emulator logs what happens (elections, moves, faults). Defaults to nowhere. */
  log?: (line: string) => void;
  /** Delay between a broker's start and its registration. Defaults to 2,000 ms. */
  registerDelayMs?: number;
  /** How long a leader election takes once a quorum can hold one. Defaults to 1,500 ms. */
  electionDelayMs?: number;
  /** How long a leader cut off from its quorum keeps saying it leads. Defaults to 5,000 ms. */
  checkQuorumMs?: number;
  /** A member without heartbeat for this long is `offline`. Defaults to 10,000 ms (the contract's). */
  offlineAfterMs?: number;
  /** Fixed cost of each partition move on top of its bytes / rate. Defaults to 1,000 ms. */
  moveOverheadMs?: number;
  /** How long a storage task (compaction, index rebuild) runs. Defaults to 3,000 ms. */
  taskDurationMs?: number;
  /** The model's clock tick. Defaults to 100 ms. */
  tickMs?: number;
}

/** {@link SimOptions} with every default filled in. */
export type ResolvedOptions = Required<Omit<SimOptions, "token" | "stateDir" | "basePort" | "tls">> & {
  token: string | undefined;
  tls: BrokerTls | undefined;
  stateDir: string | undefined;
  basePort: number;
};

/** The default topics: 48 partitions, replication factor 3, sizes that make moves take seconds. */
export const DEFAULT_TOPICS: SeedTopic[] = [
  { name: "events", partitions: 24, replicationFactor: 3, sizeBytes: 100 * 2 ** 20 },
  { name: "orders", partitions: 12, replicationFactor: 3, sizeBytes: 50 * 2 ** 20 },
  { name: "audit", partitions: 12, replicationFactor: 3, sizeBytes: 10 * 2 ** 20 },
];

/** Fills in the defaults: realistic timing, tunable down for tests. */
export function resolveOptions(options: SimOptions): ResolvedOptions {
  return {
    brokers: 0,
    moveRateBytesPerS: 50 * 2 ** 20,
    produceRateMsgsPerS: 1_000,
    topics: DEFAULT_TOPICS,
    log: () => undefined,
    registerDelayMs: 2_000,
    electionDelayMs: 1_500,
    checkQuorumMs: 5_000,
    offlineAfterMs: 10_000,
    moveOverheadMs: 1_000,
    taskDurationMs: 3_000,
    tickMs: 100,
    ...definedOnly(options),
    token: options.token || undefined,
    tls: options.tls,
    stateDir: options.stateDir,
    basePort: options.basePort ?? 0,
  };
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
