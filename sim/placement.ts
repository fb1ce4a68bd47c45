/**
 * Partition placement and move planning: given partitions with their current replica sets and
 * the brokers to balance across, choose each partition's new replica set so that
 *
 * - every partition keeps its replication factor, never with a broker twice;
 * - every broker holds the same number of replicas, within one;
 * - where brokers have racks, a partition's replicas spread over as many racks as they can;
 * - as few replicas as possible move (each move copies a whole partition over the network).
 *
 * The work is done by one routine, {@link assignBins}, used at two levels: first partitions to
 * racks (each rack's capacity is the sum of its brokers' targets), then within each rack to
 * brokers. Without racks, or when racks are too lopsided for full spread, one level suffices
 * and racks only break ties.
 */

/** A broker that may hold replicas. */
export interface PlacementBroker {
  id: number;
  rack?: string | null;
}

/** A partition to place: its identity, replication factor, current replicas and size. */
export interface PlacementPartition {
  key: string;
  replicationFactor: number;
  replicas: readonly number[];
  sizeBytes: number;
}

/** A planned change of one partition's replica set. */
export interface PlannedMove {
  key: string;
  from: number[];
  to: number[];
  bytes: number;
}

/** Thrown when placement is impossible, e.g. a replication factor above the broker count. */
export class PlacementError extends Error {
  override name = "PlacementError";
}

interface Item {
  rf: number;
  set: number[];
  size: number;
}

/**
 * Places items into bins: each item gets `rf` distinct bins, each bin ends holding exactly its
 * capacity, keeping current memberships where it can. Returns false when it gets stuck, which
 * cannot happen when capacities differ by at most one (an augmenting swap always exists).
 */
export function assignBins(
  items: Item[],
  caps: Map<number, number>,
  prefer: (item: Item, bin: number) => number = () => 0,
): boolean {
  const count = new Map<number, number>([...caps.keys()].map((b) => [b, 0]));
  for (const item of items) {
    item.set = [...new Set(item.set.filter((b) => (caps.get(b) ?? 0) > 0))];
    for (const b of item.set) count.set(b, (count.get(b) ?? 0) + 1);
  }
  const over = (b: number): number => (count.get(b) ?? 0) - (caps.get(b) ?? 0);
  const drop = (item: Item, b: number): void => {
    item.set = item.set.filter((x) => x !== b);
    count.set(b, (count.get(b) ?? 0) - 1);
  };
  // Too many replicas: shed the ones on the most overloaded bins.
  for (const item of items) {
    while (item.set.length > item.rf) {
      const worst = item.set.reduce((a, b) => (over(b) >= over(a) ? b : a));
      drop(item, worst);
    }
  }
  // Overloaded bins shed followers of the smallest items first: the cheapest copies to redo.
  for (const b of caps.keys()) {
    if (over(b) <= 0) continue;
    const holders = items
      .filter((i) => i.set.includes(b))
      .sort((x, y) => Number(x.set[0] === b) - Number(y.set[0] === b) || x.size - y.size);
    for (const item of holders) {
      if (over(b) <= 0) break;
      drop(item, b);
    }
  }
  const bins = [...caps.keys()].sort((a, b) => a - b);
  for (const item of items) {
    while (item.set.length < item.rf) {
      const candidates = bins.filter((b) => over(b) < 0 && !item.set.includes(b));
      if (candidates.length > 0) {
        const pick = candidates.reduce((best, b) => {
          const d = prefer(item, b) - prefer(item, best) || over(best) - over(b);
          return d > 0 ? b : best;
        });
        item.set.push(pick);
        count.set(pick, (count.get(pick) ?? 0) + 1);
        continue;
      }
      if (!augment(item, items, bins, over, count)) return false;
    }
  }
  return true;
}

/**
 * Every bin with room already holds `item`: move another item `q` from a full bin `c` (not in
 * `item`) to a bin `b` with room (not in `q`), then give `c` to `item`.
 */
function augment(
  item: Item,
  items: Item[],
  bins: number[],
  over: (b: number) => number,
  count: Map<number, number>,
): boolean {
  for (const b of bins.filter((x) => over(x) < 0)) {
    let best: { q: Item; c: number } | undefined;
    for (const c of bins) {
      if (item.set.includes(c)) continue;
      for (const q of items) {
        if (q === item || !q.set.includes(c) || q.set.includes(b)) continue;
        if (!best || q.size < best.q.size) best = { q, c };
      }
    }
    if (!best) continue;
    const { q, c } = best;
    q.set = q.set.map((x) => (x === c ? b : x));
    count.set(b, (count.get(b) ?? 0) + 1);
    item.set.push(c);
    return true;
  }
  return false;
}

/**
 * How many replicas each broker should hold: `total / brokers`, the remainder going one each
 * to the brokers that hold most now (fewest moves), spread evenly over racks so that rack
 * capacities stay within one of each other.
 */
export function brokerTargets(
  total: number,
  brokers: readonly PlacementBroker[],
  current: Map<number, number>,
): Map<number, number> {
  const base = Math.floor(total / brokers.length);
  let extra = total % brokers.length;
  const targets = new Map(brokers.map((b) => [b.id, base]));
  const byLoad = [...brokers].sort(
    (a, b) => (current.get(b.id) ?? 0) - (current.get(a.id) ?? 0) || a.id - b.id,
  );
  const rackOf = (b: PlacementBroker): string => b.rack ?? "";
  const given = new Map<string, number>();
  const size = new Map<string, number>();
  for (const b of brokers) size.set(rackOf(b), (size.get(rackOf(b)) ?? 0) + 1);
  while (extra > 0) {
    // Among the racks with the fewest extras so far, the one whose next broker holds most now.
    const open = [...size.keys()].filter((r) => (given.get(r) ?? 0) < (size.get(r) ?? 0));
    const fewest = Math.min(...open.map((r) => given.get(r) ?? 0));
    const next = (r: string) => byLoad.find((b) => rackOf(b) === r && targets.get(b.id) === base);
    const broker = open
      .filter((r) => (given.get(r) ?? 0) === fewest)
      .map(next)
      .reduce<PlacementBroker | undefined>((best, b) => {
        if (!b || !best) return best ?? b;
        return (current.get(b.id) ?? 0) > (current.get(best.id) ?? 0) ? b : best;
      }, undefined);
    if (!broker) break;
    const rack = rackOf(broker);
    targets.set(broker.id, base + 1);
    given.set(rack, (given.get(rack) ?? 0) + 1);
    extra--;
  }
  return targets;
}

/**
 * The target replica set of every partition (keyed by `key`), balanced across `brokers`.
 * Replicas a partition keeps stay in their order, so its leader stays first when it is kept.
 */
export function planAssignment(
  partitions: readonly PlacementPartition[],
  brokers: readonly PlacementBroker[],
): Map<string, number[]> {
  // The greedy placement below can miss a full rack spread that needs a chain of swaps and fall
  // back to one level; planned again from its own result, it may then find it. Settle on a plan
  // that plans nothing more, so that a rebalance right after a rebalance moves nothing.
  let plan = placeOnce(partitions, brokers);
  for (let round = 0; round < MAX_SETTLE_ROUNDS; round++) {
    const placed = partitions.map((p) => ({ ...p, replicas: plan.get(p.key) ?? [] }));
    const next = placeOnce(placed, brokers);
    if (partitions.every((p) => sameSet(next.get(p.key) ?? [], plan.get(p.key) ?? []))) return plan;
    plan = new Map(partitions.map((p) => [p.key, keepOrder(p.replicas, next.get(p.key) ?? [])]));
  }
  return plan;
}

/** How many times a plan is planned again from itself before it is taken as it is. */
const MAX_SETTLE_ROUNDS = 4;

function sameSet(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}

function placeOnce(
  partitions: readonly PlacementPartition[],
  brokers: readonly PlacementBroker[],
): Map<string, number[]> {
  if (brokers.length === 0) throw new PlacementError("no brokers to place partitions on");
  const ids = new Set(brokers.map((b) => b.id));
  for (const p of partitions) {
    if (p.replicationFactor > brokers.length) {
      throw new PlacementError(
        `partition ${p.key} needs ${p.replicationFactor} replicas but only ${brokers.length} brokers are given`,
      );
    }
  }
  const rackOf = new Map(brokers.map((b) => [b.id, b.rack ?? null]));
  const current = new Map<number, number>();
  for (const p of partitions) {
    for (const b of new Set(p.replicas)) if (ids.has(b)) current.set(b, (current.get(b) ?? 0) + 1);
  }
  const total = partitions.reduce((s, p) => s + p.replicationFactor, 0);
  const targets = brokerTargets(total, brokers, current);
  const racks = [...new Set(brokers.map((b) => b.rack ?? null))];
  const rackAware = racks.length >= 2 && !racks.includes(null);
  const result =
    (rackAware && twoLevel(partitions, brokers, targets, racks as string[])) ||
    oneLevel(partitions, targets, rackOf);
  return new Map(partitions.map((p, i) => [p.key, keepOrder(p.replicas, result[i] ?? [])]));
}

function oneLevel(
  partitions: readonly PlacementPartition[],
  targets: Map<number, number>,
  rackOf: Map<number, string | null>,
): number[][] {
  const items = partitions.map((p) => ({ rf: p.replicationFactor, set: [...p.replicas], size: p.sizeBytes }));
  // Racks only break ties here: prefer a rack the partition does not use yet.
  const prefer = (item: Item, b: number): number =>
    rackOf.get(b) !== null && item.set.some((x) => rackOf.get(x) === rackOf.get(b)) ? -1 : 0;
  if (!assignBins(items, targets, prefer)) throw new PlacementError("placement got stuck");
  return items.map((i) => i.set);
}

function twoLevel(
  partitions: readonly PlacementPartition[],
  brokers: readonly PlacementBroker[],
  targets: Map<number, number>,
  racks: string[],
): number[][] | undefined {
  if (partitions.some((p) => p.replicationFactor > racks.length)) return undefined;
  const rackIndex = new Map(racks.map((r, i) => [r, i]));
  const rackOfBroker = new Map(brokers.map((b) => [b.id, rackIndex.get(b.rack ?? "") ?? -1]));
  const rackCaps = new Map<number, number>(racks.map((_, i) => [i, 0]));
  for (const b of brokers) {
    const r = rackOfBroker.get(b.id) ?? -1;
    rackCaps.set(r, (rackCaps.get(r) ?? 0) + (targets.get(b.id) ?? 0));
  }
  const rackItems = partitions.map((p) => ({
    rf: p.replicationFactor,
    set: p.replicas.map((b) => rackOfBroker.get(b) ?? -1),
    size: p.sizeBytes,
  }));
  if (!assignBins(rackItems, rackCaps)) return undefined;
  const out: number[][] = partitions.map(() => []);
  for (const [r] of racks.entries()) {
    const inRack = brokers.filter((b) => rackOfBroker.get(b.id) === r);
    const caps = new Map(inRack.map((b) => [b.id, targets.get(b.id) ?? 0]));
    const members = rackItems.flatMap((item, i) => (item.set.includes(r) ? [i] : []));
    const items = members.map((i) => {
      const p = partitions[i] as PlacementPartition;
      return { rf: 1, set: p.replicas.filter((b) => caps.has(b)), size: p.sizeBytes };
    });
    if (!assignBins(items, caps)) return undefined;
    members.forEach((i, k) => out[i]?.push(...(items[k]?.set ?? [])));
  }
  return out;
}

function keepOrder(before: readonly number[], after: number[]): number[] {
  const kept = before.filter((b, i) => after.includes(b) && before.indexOf(b) === i);
  return [...kept, ...after.filter((b) => !kept.includes(b))];
}

/**
 * The moves that take the partitions from their current replica sets to a balanced placement:
 * only partitions whose replica set changes, with the bytes each move copies (the partition's
 * size once per added replica).
 */
export function planMoves(
  partitions: readonly PlacementPartition[],
  brokers: readonly PlacementBroker[],
): PlannedMove[] {
  const plan = planAssignment(partitions, brokers);
  const moves: PlannedMove[] = [];
  for (const p of partitions) {
    const to = plan.get(p.key) ?? [...p.replicas];
    const added = to.filter((b) => !p.replicas.includes(b)).length;
    const same = to.length === p.replicas.length && added === 0;
    if (!same) moves.push({ key: p.key, from: [...p.replicas], to, bytes: added * p.sizeBytes });
  }
  return moves;
}

/**
 * Replicas for a new partition: the `rf` least-loaded brokers, spreading over racks first.
 * `load` is updated so that consecutive calls spread a new topic's partitions.
 */
export function placeNewPartition(
  rf: number,
  brokers: readonly PlacementBroker[],
  load: Map<number, number>,
): number[] {
  if (rf > brokers.length)
    throw new PlacementError(`replication factor ${rf} exceeds ${brokers.length} brokers`);
  const chosen: PlacementBroker[] = [];
  while (chosen.length < rf) {
    const usedRacks = new Set(chosen.map((b) => b.rack ?? null));
    const pick = brokers
      .filter((b) => !chosen.includes(b))
      .reduce<PlacementBroker | undefined>((best, b) => {
        if (!best) return b;
        const rackScore = Number(usedRacks.has(b.rack ?? null)) - Number(usedRacks.has(best.rack ?? null));
        const d = rackScore || (load.get(b.id) ?? 0) - (load.get(best.id) ?? 0) || b.id - best.id;
        return d < 0 ? b : best;
      }, undefined);
    if (!pick) break;
    chosen.push(pick);
    load.set(pick.id, (load.get(pick.id) ?? 0) + 1);
  }
  return chosen.map((b) => b.id);
}
