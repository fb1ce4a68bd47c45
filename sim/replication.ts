import type { Partition, PartitionHealthReason } from "../procedures/contract";
import type { Cluster } from "./cluster";
import { logEndOffset, MESSAGE_BYTES, sizeBytes, type PartitionRecord } from "./model";

/** The client name the synthetic producer uses, so that a quota for it (or the default) throttles it. */
export const PRODUCER_CLIENT = "sim-producer";

/**
 * One tick of the data plane: the controller (the Raft leader) moves partition leadership off
 * brokers it cannot reach and keeps each ISR to the replicas that are alive and caught up; the
 * synthetic producer writes and is acknowledged once every ISR replica has the messages; and
 * replicas out of the ISR fetch from their leader at the move rate until they are caught up.
 */
export function replicate(c: Cluster, dt: number): void {
  if (c.raft.leaderId !== null) control(c);
  produce(c, dt);
  catchUp(c, dt);
}

function control(c: Cluster): void {
  const alive = (b: number): boolean => c.seesLeader(b);
  let changes = 0;
  for (const p of c.meta.partitions.values()) {
    if (p.leader === null || !alive(p.leader)) {
      const next = p.isr.find((b) => b !== p.leader && alive(b) && p.leo.has(b));
      if (next !== undefined) {
        const old = p.leader;
        const newLeo = p.leo.get(next) ?? 0;
        // Whatever a replica has past the new leader's end was never acknowledged: it diverged.
        for (const [b, leo] of p.leo) if (leo > newLeo && !p.diverged.has(b)) p.diverged.set(b, newLeo);
        if (old !== null && c.isRunning(old)) {
          p.staleLeader = old;
          if (!p.diverged.has(old)) p.diverged.set(old, Math.min(p.leo.get(old) ?? 0, newLeo));
        }
        p.leader = next;
        changes++;
      } else if (p.leader !== null) {
        // No live in-sync replica: the partition goes offline rather than elect an unclean leader.
        p.leader = null;
        changes++;
      }
    }
    const isr = p.isr.filter(alive);
    if (isr.length > 0 && isr.length !== p.isr.length) {
      p.isr = isr;
      changes++;
    }
    if (p.leader !== null) {
      const end = p.leo.get(p.leader);
      for (const b of p.replicas) {
        if (!p.isr.includes(b) && alive(b) && !p.diverged.has(b) && p.leo.get(b) === end) {
          p.isr.push(b);
          changes++;
        }
      }
    }
    if (p.staleLeader !== null && (alive(p.staleLeader) || !c.isRunning(p.staleLeader))) p.staleLeader = null;
  }
  if (changes > 0) c.commit(changes);
}

/** The synthetic producer's rate: `--produce-rate`, capped by the quota that applies to it. */
export function producerRate(c: Cluster): number {
  const quotas = c.meta.quotas;
  const quota = quotas.clients[PRODUCER_CLIENT]?.produce_rate ?? quotas.default.produce_rate;
  return Math.min(c.opts.produceRateMsgsPerS, quota ?? Infinity);
}

function produce(c: Cluster, dt: number): void {
  const parts = c.meta.partitions;
  const rate = producerRate(c);
  if (parts.size === 0 || rate <= 0) return;
  if (c.meta.readOnly) {
    if (c.raft.leaderId !== null) c.metrics.error(c.raft.leaderId, "produce");
    return;
  }
  const share = (rate * dt) / parts.size;
  let acked = false;
  for (const p of parts.values()) {
    // A producer holds at most a second's worth of messages while it retries.
    p.pending = Math.min(p.pending + share, Math.max(1, share * (1 / dt)));
    const n = Math.floor(p.pending);
    const leader = p.leader;
    if (n === 0 || leader === null || !c.isRunning(leader)) continue;
    const stale = p.staleLeader;
    if (stale !== null && c.isRunning(stale) && !c.faults.canReach(stale, leader)) {
      // Clients with old metadata still write to the cut-off old leader: it appends, never acks.
      p.leo.set(stale, (p.leo.get(stale) ?? 0) + Math.ceil(n / 2));
    }
    const ackable = p.isr.every((b) => c.isRunning(b) && c.faults.canReach(b, leader) && p.leo.has(b));
    if (!ackable || !p.isr.includes(leader)) continue;
    const end = (p.leo.get(leader) ?? 0) + n;
    for (const b of p.isr) p.leo.set(b, end);
    p.acked = end;
    p.pending -= n;
    acked = true;
  }
  // Each round of acknowledged writes checkpoints the high watermarks through the Raft log,
  // which is what keeps a busy cluster's commit index moving.
  if (acked) c.raft.append(1);
}

function catchUp(c: Cluster, dt: number): void {
  const lagging: [PartitionRecord, number][] = [];
  const perBroker = new Map<number, number>();
  for (const p of c.meta.partitions.values()) {
    const leader = p.leader;
    if (leader === null || !c.isRunning(leader)) continue;
    const end = p.leo.get(leader) ?? 0;
    for (const b of p.replicas) {
      if (b === leader || !c.isRunning(b) || !c.faults.canReach(b, leader)) continue;
      const truncateTo = p.diverged.get(b);
      if (truncateTo !== undefined) {
        p.leo.set(b, Math.min(p.leo.get(b) ?? 0, truncateTo));
        p.diverged.delete(b);
        c.log(`broker ${b} truncated ${p.topic}/${p.partition} to offset ${truncateTo} and resyncs`);
      }
      if ((p.leo.get(b) ?? -1) < end) {
        lagging.push([p, b]);
        perBroker.set(b, (perBroker.get(b) ?? 0) + 1);
      }
    }
  }
  const budget = (c.opts.moveRateBytesPerS * dt) / MESSAGE_BYTES;
  for (const [p, b] of lagging) {
    const end = logEndOffset(p);
    const step = Math.max(1, Math.floor(budget / (perBroker.get(b) ?? 1)));
    p.leo.set(b, Math.min(end, (p.leo.get(b) ?? 0) + step));
  }
}

/** How far a broker has caught up with its partitions' leaders, 0..1 (the `sync_progress` gauge). */
export function syncProgress(c: Cluster, id: number): number {
  let have = 0;
  let want = 0;
  for (const p of c.meta.partitions.values()) {
    if (!p.replicas.includes(id) || p.leader === id) continue;
    const end = logEndOffset(p);
    want += end;
    have += Math.min(end, p.leo.get(id) ?? 0);
  }
  return want === 0 ? 1 : have / want;
}

/** Why a partition is unhealthy, or null when it is healthy. */
export function partitionHealth(c: Cluster, p: PartitionRecord): PartitionHealthReason | null {
  if (!p.replicas.some((b) => c.isRunning(b) && p.leo.has(b))) return "offline";
  if (p.leader === null || !c.isRunning(p.leader)) return "no_leader";
  // Without a controller the ISR is not shrunk: a dead ISR member still leaves the partition short.
  if (p.isr.length < p.replicas.length || p.isr.some((b) => !c.isRunning(b))) return "under_replicated";
  return null;
}

/** A partition as `GET /admin/partitions` shows it. */
export function partitionView(p: PartitionRecord): Partition {
  return {
    topic: p.topic,
    partition: p.partition,
    leader: p.leader,
    replicas: [...p.replicas],
    isr: [...p.isr],
    size_bytes: sizeBytes(p),
    log_end_offset: logEndOffset(p),
  };
}

/** `GET /sim/integrity`: what a careful operator would check after a procedure. */
export interface Integrity {
  partitions: number;
  under_replicated: number;
  offline: number;
  acked_messages: number;
  lost_messages: number;
  diverged_replicas: number;
}

/**
 * Counts acknowledged messages and those lost: acknowledged, and missing from every replica
 * whose data still exists (a crashed broker keeps its disk; a destroyed machine does not).
 */
export function integrity(c: Cluster): Integrity {
  const out: Integrity = {
    partitions: c.meta.partitions.size,
    under_replicated: 0,
    offline: 0,
    acked_messages: 0,
    lost_messages: 0,
    diverged_replicas: 0,
  };
  for (const p of c.meta.partitions.values()) {
    const health = partitionHealth(c, p);
    if (health === "under_replicated") out.under_replicated++;
    else if (health !== null) out.offline++;
    out.acked_messages += p.acked;
    let best = 0;
    for (const [b, leo] of p.leo)
      if (c.machines.has(b)) best = Math.max(best, Math.min(leo, p.diverged.get(b) ?? leo));
    out.lost_messages += Math.max(0, p.acked - best);
    out.diverged_replicas += p.diverged.size;
  }
  return out;
}

/**
 * Preferred-leader balancing, run when a rebalance completes: moves leadership to in-sync
 * replicas on brokers that lead fewer partitions, until no transfer narrows the spread.
 * Returns how many leaderships moved.
 */
export function balanceLeaders(c: Cluster): number {
  const counts = new Map<number, number>();
  for (const m of c.meta.members.values()) if (m.voter && c.seesLeader(m.id)) counts.set(m.id, 0);
  for (const p of c.meta.partitions.values()) {
    if (p.leader !== null && counts.has(p.leader)) counts.set(p.leader, (counts.get(p.leader) ?? 0) + 1);
  }
  let moved = 0;
  for (let pass = 0; pass < 3; pass++) {
    for (const p of c.meta.partitions.values()) {
      const from = p.leader;
      if (from === null || !counts.has(from)) continue;
      const to = p.isr
        .filter((b) => b !== from && counts.has(b))
        .reduce<number | undefined>(
          (best, b) => (best === undefined || (counts.get(b) ?? 0) < (counts.get(best) ?? 0) ? b : best),
          undefined,
        );
      if (to === undefined || (counts.get(to) ?? 0) + 1 >= (counts.get(from) ?? 0)) continue;
      p.leader = to;
      counts.set(from, (counts.get(from) ?? 0) - 1);
      counts.set(to, (counts.get(to) ?? 0) + 1);
      moved++;
    }
  }
  if (moved > 0) c.commit();
  return moved;
}
