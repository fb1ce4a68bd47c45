import type {
  RebalancePlan,
  RebalanceRequest,
  RebalanceStarted,
  RebalanceStatus,
} from "../procedures/contract";
import type { Cluster } from "./cluster";
import { tickDrains } from "./drains";
import { conflict, invalid, unsafe } from "./errors";
import { activeMembers, memberState } from "./membership";
import { logEndOffset, sizeBytes, type PartitionRecord } from "./model";
import { planMoves, type PlannedMove } from "./placement";
import { balanceLeaders } from "./replication";

/** A move being carried out: the partition's replica set goes `from` → `to`. */
export interface ActiveMove extends PlannedMove {
  copied: number;
  startedAt: number;
  /** A rebalance's move, or a drain's (the draining broker's id). */
  owner: "rebalance" | number;
  rate: number;
}

/** A rebalance, as its status call reports it; `pending` are the moves not started yet. */
export interface RebalanceJob {
  id: string;
  status: RebalanceStatus["status"];
  movesTotal: number;
  movesCompleted: number;
  bytesTotal: number;
  bytesMoved: number;
  startedAt: string;
  finishedAt: string | null;
  error: string | null;
  pending: PlannedMove[];
  maxConcurrent: number;
  rate: number;
}

/**
 * The move engine: rebalances carry out a fixed plan; drains are a goal (nothing left on the
 * broker) that the engine pursues move by move, so that drains of several brokers at once
 * work. Each move copies at its rate while its source and targets are up and reachable, and
 * commits the new replica set (a metadata change) once copied and the fixed overhead has passed.
 */
export class MoveEngine {
  job: RebalanceJob | undefined;
  counter = 0;
  /** The moves being carried out, rebalance's and drains'. */
  active: ActiveMove[] = [];

  constructor(private readonly c: Cluster) {}

  /** Whether a rebalance or a drain is moving data (the `rebalance_in_progress` gauge). */
  inProgress(): boolean {
    return (
      this.job?.status === "running" || [...this.c.meta.members.values()].some((m) => m.state === "draining")
    );
  }

  /** How many replicas are being copied onto a broker: they count as held for `leave`. */
  movesInto(id: number): number {
    return this.active.filter((m) => m.to.includes(id) && !m.from.includes(id)).length;
  }

  /** Drops the moves that involve a broker that left. */
  forget(id: number): void {
    this.active = this.active.filter((m) => !m.to.includes(id));
  }

  /** The balanced plan across `brokers` (every active member by default). */
  plan(brokers: number[]): PlannedMove[] {
    const parts = [...this.c.meta.partitions.entries()].map(([key, p]) => ({
      key,
      replicationFactor: this.c.meta.topics.get(p.topic)?.replicationFactor ?? p.replicas.length,
      replicas: p.replicas,
      sizeBytes: sizeBytes(p),
    }));
    const racks = brokers.map((id) => ({ id, rack: this.c.meta.members.get(id)?.rack ?? null }));
    return planMoves(parts, racks);
  }

  /** `POST /admin/partitions/rebalance`: the plan (dry run), or a started rebalance. */
  rebalance(req: RebalanceRequest, via: number): { status: number; body: RebalancePlan | RebalanceStarted } {
    this.c.writeGate(via);
    const running = this.job?.status === "running" ? this.job : undefined;
    if (running && !req.dry_run)
      throw conflict(`rebalance ${running.id} is running`, { rebalance_id: running.id });
    const draining = [...this.c.meta.members.values()].find((m) => m.state === "draining");
    if (draining && !req.dry_run) {
      throw conflict(`broker ${draining.id} is draining: wait for it or stop it`, { broker_id: draining.id });
    }
    const brokers = [...new Set(req.brokers ?? activeMembers(this.c).map((m) => m.id))];
    for (const id of brokers) {
      const m = this.c.meta.members.get(id);
      if (!m || memberState(this.c, m) !== "active") throw invalid(`broker ${id} is not an active member`);
    }
    const maxRf = Math.max(0, ...[...this.c.meta.topics.values()].map((t) => t.replicationFactor));
    if (maxRf > brokers.length) {
      throw unsafe("replication", `${brokers.length} brokers cannot hold replication factor ${maxRf}`);
    }
    const moves = this.plan(brokers);
    const bytesTotal = moves.reduce((s, m) => s + m.bytes, 0);
    if (req.dry_run) {
      const view = moves.map(({ key, ...m }) => ({ ...keyParts(key), ...m }));
      return { status: 200, body: { moves: view, moves_total: moves.length, bytes_total: bytesTotal } };
    }
    const now = new Date().toISOString();
    this.job = {
      id: `rb-${++this.counter}`,
      status: moves.length === 0 ? "completed" : "running",
      movesTotal: moves.length,
      movesCompleted: 0,
      bytesTotal,
      bytesMoved: 0,
      startedAt: now,
      finishedAt: moves.length === 0 ? now : null,
      error: null,
      pending: moves,
      maxConcurrent: req.max_concurrent_moves ?? 4,
      rate: req.throttle_bytes_per_s ?? this.c.opts.moveRateBytesPerS,
    };
    this.c.commit();
    this.c.log(
      `rebalance ${this.job.id}: ${moves.length} moves, ${bytesTotal} bytes across [${brokers.join(", ")}]`,
    );
    const body = {
      rebalance_id: this.job.id,
      status: this.job.status,
      moves_total: moves.length,
      bytes_total: bytesTotal,
    };
    return { status: moves.length === 0 ? 200 : 202, body };
  }

  /** `GET /admin/partitions/rebalance-status`. */
  status(): RebalanceStatus {
    const j = this.job;
    if (!j) {
      return {
        ...{
          rebalance_id: null,
          status: "idle",
          moves_total: 0,
          moves_completed: 0,
          bytes_total: 0,
          bytes_moved: 0,
        },
        ...{ started_at: null, finished_at: null, error: null },
      };
    }
    return {
      rebalance_id: j.id,
      status: j.status,
      moves_total: j.movesTotal,
      moves_completed: j.movesCompleted,
      bytes_total: j.bytesTotal,
      bytes_moved: Math.min(j.bytesTotal, Math.round(j.bytesMoved)),
      started_at: j.startedAt,
      finished_at: j.finishedAt,
      error: j.error,
    };
  }

  /** `DELETE /admin/partitions/rebalance`: cancels the running rebalance; moves done stay done. */
  cancel(via: number): RebalanceStatus {
    this.c.writeGate(via);
    if (this.job?.status === "running") this.finish("cancelled", null);
    return this.status();
  }

  /** One tick: plan drain moves, start pending rebalance moves, copy, and commit finished moves. */
  tick(dt: number, now: number): void {
    tickDrains(this.c, this);
    const j = this.job;
    if (j?.status === "running") {
      while (
        j.pending.length > 0 &&
        this.active.filter((m) => m.owner === "rebalance").length < j.maxConcurrent
      ) {
        const next = j.pending.shift() as PlannedMove;
        if (!this.c.meta.partitions.has(next.key)) j.movesCompleted++;
        else this.active.push({ ...next, copied: 0, startedAt: now, owner: "rebalance", rate: j.rate });
      }
    }
    for (const m of [...this.active]) this.advance(m, dt, now);
    if (
      j?.status === "running" &&
      j.pending.length === 0 &&
      !this.active.some((m) => m.owner === "rebalance")
    ) {
      this.finish("completed", null);
    }
  }

  private advance(m: ActiveMove, dt: number, now: number): void {
    const p = this.c.meta.partitions.get(m.key);
    const added = m.to.filter((b) => !m.from.includes(b));
    if (!p || added.some((b) => !this.c.meta.members.has(b) || !this.c.machines.has(b))) {
      this.active = this.active.filter((x) => x !== m);
      if (p && m.owner === "rebalance") this.finish("failed", `move of ${m.key} lost its target broker`);
      return;
    }
    const src = p.leader;
    const up = (b: number): boolean => src !== null && this.c.isRunning(b) && this.c.faults.canReach(b, src);
    if (src !== null && this.c.isRunning(src) && added.every(up)) {
      const step = Math.min(m.rate * dt, m.bytes - m.copied);
      m.copied += step;
      if (m.owner === "rebalance" && this.job) this.job.bytesMoved += step;
    }
    const done = m.copied >= m.bytes && now - m.startedAt >= this.c.opts.moveOverheadMs;
    if (done && this.c.raft.leaderId !== null && src !== null && added.every(up)) this.complete(m, p, added);
  }

  private complete(m: ActiveMove, p: PartitionRecord, added: number[]): void {
    const removed = m.from.filter((b) => !m.to.includes(b));
    const kept = p.replicas.filter((b) => !removed.includes(b));
    const next = [...kept, ...added.filter((b) => !kept.includes(b))];
    const end = logEndOffset(p);
    for (const b of added) p.leo.set(b, end);
    p.isr = next.filter((b) => p.isr.includes(b) || added.includes(b));
    for (const b of removed) {
      p.leo.delete(b);
      p.diverged.delete(b);
    }
    p.replicas = next;
    if (p.leader === null || removed.includes(p.leader)) {
      p.leader = p.isr.find((b) => this.c.seesLeader(b)) ?? p.isr[0] ?? null;
    }
    this.active = this.active.filter((x) => x !== m);
    if (m.owner === "rebalance" && this.job) this.job.movesCompleted++;
    this.c.commit();
  }

  private finish(status: "completed" | "failed" | "cancelled", error: string | null): void {
    const j = this.job;
    if (!j) return;
    this.active = this.active.filter((m) => m.owner !== "rebalance");
    j.pending = [];
    j.status = status;
    j.error = error;
    j.finishedAt = new Date().toISOString();
    if (status === "completed") {
      const moved = balanceLeaders(this.c);
      if (moved > 0) this.c.log(`rebalance ${j.id}: ${moved} leaderships moved to balance leaders`);
    }
    this.c.commit();
    this.c.log(`rebalance ${j.id} ${status}${error ? `: ${error}` : ""}`);
  }

  /** Moves not finished, for the state dir: a restart starts them again from the beginning. */
  unfinished(): PlannedMove[] {
    return this.active
      .filter((m) => m.owner === "rebalance")
      .map(({ key, from, to, bytes }) => ({ key, from, to, bytes }));
  }
}

function keyParts(key: string): { topic: string; partition: number } {
  const i = key.lastIndexOf("/");
  return { topic: key.slice(0, i), partition: Number(key.slice(i + 1)) };
}
