import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import type { Cluster } from "./cluster";
import type { Machine, MemberRecord, Metadata, PartitionRecord, TopicRecord } from "./model";
import type { RebalanceJob } from "./moves";

interface SavedPartition extends Omit<PartitionRecord, "leo" | "diverged"> {
  leo: [number, number][];
  diverged: [number, number][];
}

/** The state dir's one file: the metadata, the data model, the machines and the running work. */
interface Saved {
  version: 1;
  meta: Omit<Metadata, "members" | "topics" | "partitions"> & {
    members: MemberRecord[];
    topics: TopicRecord[];
    partitions: SavedPartition[];
  };
  raft: { term: number; commitIndex: number };
  machines: Machine[];
  job: RebalanceJob | null;
  rebalanceCounter: number;
  taskCounter: number;
}

const FILE = "cluster.json";

/** Writes the cluster's state to `dir`, atomically (a crash mid-write leaves the old file). */
export function saveState(c: Cluster, dir: string): void {
  mkdirSync(dir, { recursive: true });
  const job = c.moves.job
    ? { ...c.moves.job, pending: [...c.moves.unfinished(), ...c.moves.job.pending] }
    : null;
  const saved: Saved = {
    version: 1,
    meta: {
      ...c.meta,
      members: [...c.meta.members.values()],
      topics: [...c.meta.topics.values()],
      partitions: [...c.meta.partitions.values()].map((p) => ({
        ...p,
        leo: [...p.leo],
        diverged: [...p.diverged],
      })),
    },
    raft: { term: c.raft.term, commitIndex: c.raft.commitIndex },
    machines: [...c.machines.values()],
    job,
    rebalanceCounter: c.moves.counter,
    taskCounter: c.storage.counter,
  };
  const tmp = join(dir, `${FILE}.tmp`);
  writeFileSync(tmp, JSON.stringify(saved));
  renameSync(tmp, join(dir, FILE));
}

/**
 * Loads the state saved in `dir`, if any: the brokers that were running start again (and hold
 * an election), a running rebalance resumes its unfinished moves from the start.
 * Returns whether there was a state to load.
 */
export function loadState(c: Cluster, dir: string): boolean {
  const path = join(dir, FILE);
  if (!existsSync(path)) return false;
  const saved = JSON.parse(readFileSync(path, "utf8")) as Saved;
  const now = Date.now();
  const { members, topics, partitions, ...rest } = saved.meta;
  c.meta = {
    ...rest,
    members: new Map(members.map((m) => [m.id, { ...m, lastHeartbeatAt: now }])),
    topics: new Map(topics.map((t) => [t.name, t])),
    partitions: new Map(
      partitions.map((p) => [
        `${p.topic}/${p.partition}`,
        { ...p, leo: new Map(p.leo), diverged: new Map(p.diverged), staleLeader: null },
      ]),
    ),
  };
  c.raft.term = saved.raft.term;
  c.raft.commitIndex = saved.raft.commitIndex;
  for (const m of members) {
    const v = c.raft.view(m.id);
    v.term = saved.raft.term;
    v.commitIndex = saved.raft.commitIndex;
    v.appliedIndex = saved.raft.commitIndex;
  }
  for (const m of saved.machines) {
    c.machines.set(m.id, { ...m, running: false });
    if (m.running) c.startBroker(m.id);
  }
  c.moves.job = saved.job ?? undefined;
  c.moves.counter = saved.rebalanceCounter;
  c.storage.counter = saved.taskCounter;
  return true;
}
