import type { DrainResponse } from "../procedures/contract";
import type { Cluster } from "./cluster";
import { conflict, notFound, unsafe } from "./errors";
import { activeMembers, memberState, replicaCounts } from "./membership";
import { sizeBytes, type PartitionRecord } from "./model";
import type { ActiveMove, MoveEngine } from "./moves";

/** How many moves a drain runs at once. */
const DRAIN_CONCURRENCY = 4;

/**
 * Drains: a goal (nothing left on the broker) that the move engine pursues move by move, each
 * replica going to an active member not in its set, other racks first, least loaded. Being a
 * goal rather than a plan, drains of several brokers at once work.
 */
/** `POST /admin/brokers/{id}/drain`. */
export function startDrain(
  c: Cluster,
  engine: MoveEngine,
  id: number,
  via: number,
): { status: number; body: DrainResponse } {
  c.writeGate(via);
  const rec = c.meta.members.get(id);
  if (!rec) throw notFound(`broker ${id} is not a member`, { broker_id: id });
  const remaining = replicaCounts(c).get(id) ?? 0;
  if (rec.state !== "active") {
    const status = rec.state === "draining" ? 202 : 200;
    return { status, body: { broker_id: id, state: rec.state, partitions_remaining: remaining } };
  }
  if (engine.job?.status === "running") {
    throw conflict(`rebalance ${engine.job.id} is running`, { rebalance_id: engine.job.id });
  }
  const others = activeMembers(c).filter((m) => m.id !== id).length;
  const maxRf = Math.max(0, ...[...c.meta.topics.values()].map((t) => t.replicationFactor));
  if (others < maxRf) {
    throw unsafe("replication", `${others} other active members cannot hold replication factor ${maxRf}`, {
      broker_id: id,
    });
  }
  rec.state = "draining";
  c.commit();
  c.log(`broker ${id} draining: ${remaining} partition replicas to move`);
  return { status: 202, body: { broker_id: id, state: "draining", partitions_remaining: remaining } };
}

/** `DELETE /admin/brokers/{id}/drain`: stops a drain; the broker is `active` again. */
export function stopDrain(c: Cluster, engine: MoveEngine, id: number, via: number): DrainResponse {
  c.writeGate(via);
  const rec = c.meta.members.get(id);
  if (!rec) throw notFound(`broker ${id} is not a member`, { broker_id: id });
  if (rec.state === "draining" || rec.state === "drained") {
    engine.active = engine.active.filter((m) => m.owner !== id);
    rec.state = "active";
    c.commit();
    c.log(`broker ${id}: drain stopped`);
  }
  return {
    broker_id: id,
    state: memberState(c, rec),
    partitions_remaining: replicaCounts(c).get(id) ?? 0,
  };
}

/** One tick of every drain: leadership off first, then moves until nothing is left. */
export function tickDrains(c: Cluster, engine: MoveEngine): void {
  if (c.raft.leaderId === null) return;
  const counts = replicaCounts(c);
  for (const rec of c.meta.members.values()) {
    if (rec.state !== "draining") continue;
    const id = rec.id;
    const holding = [...c.meta.partitions.entries()].filter(([, p]) => p.replicas.includes(id));
    for (const [, p] of holding) {
      // Leadership leaves first, so that clients stop writing to the broker at once.
      const other = p.isr.find((b) => b !== id && c.seesLeader(b));
      if (p.leader === id && other !== undefined) {
        p.leader = other;
        c.commit();
      }
    }
    const mine = engine.active.filter((m) => m.owner === id);
    if (holding.length === 0 && mine.length === 0) {
      rec.state = "drained";
      c.commit();
      c.log(`broker ${id} drained`);
      continue;
    }
    for (const [key, p] of holding) {
      if (mine.length >= DRAIN_CONCURRENCY) break;
      if (engine.active.some((m) => m.key === key)) continue;
      const target = pickTarget(c, p, id, counts);
      if (target === undefined) continue;
      counts.set(target, (counts.get(target) ?? 0) + 1);
      const move: ActiveMove = {
        ...{ key, from: [...p.replicas], to: p.replicas.map((b) => (b === id ? target : b)) },
        ...{
          bytes: sizeBytes(p),
          copied: 0,
          startedAt: Date.now(),
          owner: id,
          rate: c.opts.moveRateBytesPerS,
        },
      };
      engine.active.push(move);
      mine.push(move);
    }
  }
}

/** Where a draining broker's replica goes: an active member not in the set, other racks first, least loaded. */
function pickTarget(
  c: Cluster,
  p: PartitionRecord,
  from: number,
  counts: Map<number, number>,
): number | undefined {
  const racks = new Set(p.replicas.filter((b) => b !== from).map((b) => c.meta.members.get(b)?.rack ?? null));
  const score = (id: number): number[] => [
    racks.has(c.meta.members.get(id)?.rack ?? null) ? 1 : 0,
    counts.get(id) ?? 0,
    id,
  ];
  const candidates = activeMembers(c)
    .map((m) => m.id)
    .filter((id) => !p.replicas.includes(id));
  candidates.sort((a, b) => {
    const [x, y] = [score(a), score(b)];
    return (x[0] ?? 0) - (y[0] ?? 0) || (x[1] ?? 0) - (y[1] ?? 0) || (x[2] ?? 0) - (y[2] ?? 0);
  });
  return candidates[0];
}
