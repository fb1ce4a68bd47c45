import type { Member, Partition, RaftRole } from "./contract";
import type { Cluster } from "./client";
import { failureReason } from "./client/classify";
import type { ProcedureContext } from "./common";
import { parsePrometheusText, valueOf, type Scrape } from "./metrics/prometheus";

/** What one broker says of its own health. */
export interface BrokerProbe {
  /** The broker's id. */
  brokerId: number;
  /** Its admin URL. */
  url: string;
  /** Its state in the member list (`active`, `learner`, `draining`, …). */
  memberState: Member["state"];
  /**
   * `healthy`/`unhealthy` as `/health` says, `unreachable` when it did not answer. `checkHealth`
   * also makes `unhealthy` a broker whose `/health` answers while its admin API fails.
   */
  status: "healthy" | "unhealthy" | "unreachable";
  /** Its Raft role, when it said. */
  role?: RaftRole;
  /** Why it is unhealthy or unreachable. */
  reason?: string;
  /** Its version, when it said. */
  version?: string;
}

/** Asks every member for `/health` at once; a broker that does not answer is `unreachable`. */
export async function probeBrokers(cluster: Cluster, ctx: ProcedureContext): Promise<BrokerProbe[]> {
  const members = [...cluster.members].sort((a, b) => a.broker_id - b.broker_id);
  return Promise.all(
    members.map(async (m): Promise<BrokerProbe> => {
      const client = cluster.broker(m.broker_id);
      const base = { brokerId: m.broker_id, url: client.url, memberState: m.state };
      try {
        // One retry only: a broker that fails twice in a row is reported, not waited for.
        const h = await client.health({ ...ctx.call, retries: 1 });
        if (h.status === "healthy") return { ...base, status: "healthy", role: h.role, version: h.version };
        return { ...base, status: "unhealthy", reason: h.reason, ...(h.role ? { role: h.role } : {}) };
      } catch (error) {
        if (ctx.signal.aborted) throw error;
        return { ...base, status: "unreachable", reason: unreachableReason(error) };
      }
    }),
  );
}

/** A short reason for a broker that did not answer: the client's one describer of failures. */
export const unreachableReason = failureReason;

/** How partition replicas and leaderships spread over the brokers. */
export interface Balance {
  /** Whether every broker holds the same number of replicas, within one. */
  balanced: boolean;
  /** Replicas per broker (every broker asked about, zero included). */
  replicas: Record<number, number>;
  /** Partition leaderships per broker. */
  leaders: Record<number, number>;
  /** Most replicas on one broker of the set minus fewest. */
  spread: number;
  /** Replicas on brokers outside the set (draining, offline, or gone), by broker. */
  elsewhere: Record<number, number>;
}

/**
 * The balance of `partitions` over `brokerIds` (the `active` members): the emulator's and
 * the broker's rebalance aim for replica counts within one of each other.
 */
export function balanceOf(partitions: readonly Partition[], brokerIds: readonly number[]): Balance {
  const replicas: Record<number, number> = Object.fromEntries(brokerIds.map((id) => [id, 0]));
  const leaders: Record<number, number> = Object.fromEntries(brokerIds.map((id) => [id, 0]));
  for (const p of partitions) {
    for (const r of p.replicas) replicas[r] = (replicas[r] ?? 0) + 1;
    if (p.leader !== null) leaders[p.leader] = (leaders[p.leader] ?? 0) + 1;
  }
  const counts = brokerIds.map((id) => replicas[id] ?? 0);
  const spread = counts.length ? Math.max(...counts) - Math.min(...counts) : 0;
  // Replicas on brokers outside the set (a draining member) also make it unbalanced.
  const elsewhere: Record<number, number> = Object.fromEntries(
    Object.entries(replicas).filter(([id, n]) => !brokerIds.includes(Number(id)) && n > 0),
  );
  const balanced = spread <= 1 && Object.keys(elsewhere).length === 0;
  return { balanced, replicas, leaders, spread, elsewhere };
}

/**
 * The balance in words that say what is off: the active members' counts when they differ by more
 * than one, and each broker outside the set that still holds replicas with its member state
 * (`broker-3 (offline) still holds 48 replicas`). Counts that are equal are never called unbalanced.
 */
export function describeBalance(balance: Balance, members: readonly Member[]): string {
  if (balance.balanced) return "balanced";
  const state = new Map(members.map((m) => [m.broker_id, m.state]));
  const parts: string[] = [];
  if (balance.spread > 1) {
    const counts = Object.entries(balance.replicas)
      .filter(([id]) => balance.elsewhere[Number(id)] === undefined)
      .map(([id, n]) => `broker-${id} ${n}`);
    parts.push(`unbalanced: ${counts.join(", ")} replicas (spread ${balance.spread}, at most 1)`);
  }
  for (const [id, n] of Object.entries(balance.elsewhere)) {
    const s = state.get(Number(id)) ?? "not a member";
    parts.push(`broker-${id} (${s}) still holds ${n} replica${n === 1 ? "" : "s"}`);
  }
  return parts.join("; ");
}

/** One broker's disk, from its `disk_free_bytes`/`disk_total_bytes` gauges. */
export interface DiskUse {
  /** The broker's id. */
  brokerId: number;
  /** Free bytes. */
  freeBytes: number;
  /** Total bytes. */
  totalBytes: number;
  /** Percent used, rounded to a whole number. */
  usedPercent: number;
}

/** The disk use a scrape reports, or undefined when the gauges are missing. */
export function diskOf(brokerId: number, scrape: Scrape): DiskUse | undefined {
  const free = valueOf(scrape, "disk_free_bytes");
  const total = valueOf(scrape, "disk_total_bytes");
  if (free === undefined || total === undefined || total <= 0) return undefined;
  return {
    brokerId,
    freeBytes: free,
    totalBytes: total,
    usedPercent: Math.round(((total - free) / total) * 100),
  };
}

/** Scrapes `/metrics` of each broker given; a broker that does not answer is left out. */
export async function scrapeAll(
  cluster: Cluster,
  brokerIds: readonly number[],
  ctx: ProcedureContext,
): Promise<Map<number, Scrape>> {
  const out = new Map<number, Scrape>();
  await Promise.all(
    brokerIds.map(async (id) => {
      try {
        out.set(id, parsePrometheusText(await cluster.broker(id).metrics({ ...ctx.call, retries: 1 })));
      } catch (error) {
        if (ctx.signal.aborted) throw error;
      }
    }),
  );
  return out;
}
