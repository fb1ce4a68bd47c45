import type { ReadOnlyResponse, SlowQuery, Snapshot, Task } from "../procedures/contract";
import type { Cluster } from "./cluster";
import { notFound } from "./errors";

interface TaskRecord extends Task {
  brokerId: number;
  endsAt: number;
}

/** Slow queries kept per cluster; the API shows the slowest 100. */
const SLOW_KEPT = 500;

/**
 * Broker-local maintenance: storage tasks (compaction, index rebuild) that run for a while and
 * fail if their broker stops, Raft snapshots, read-only mode, and the slow-query log.
 */
export class StorageTasks {
  counter = 0;
  private readonly tasks = new Map<string, TaskRecord>();
  private slow: SlowQuery[] = [];

  constructor(private readonly c: Cluster) {}

  /** `POST /admin/storage/compact` and `/rebuild-index`: a task on broker `brokerId`. */
  start(kind: "compact" | "reindex", brokerId: number, aggressive = false): { task_id: string } {
    const id = `${kind}-${++this.counter}`;
    const duration = this.c.opts.taskDurationMs * (aggressive ? 2 : 1);
    this.tasks.set(id, {
      task_id: id,
      status: "running",
      error: null,
      brokerId,
      endsAt: Date.now() + duration,
    });
    this.c.log(`broker ${brokerId}: task ${id} started`);
    return { task_id: id };
  }

  /** `GET /admin/tasks/{task_id}`. */
  get(id: string): Task {
    const t = this.tasks.get(id);
    if (!t) throw notFound(`no task ${id}`);
    return { task_id: t.task_id, status: t.status, error: t.error };
  }

  /** Finishes tasks whose time has come, and fails those whose broker stopped. */
  tick(now: number): void {
    for (const t of this.tasks.values()) {
      if (t.status !== "running") continue;
      if (!this.c.isRunning(t.brokerId)) {
        t.status = "failed";
        t.error = `broker ${t.brokerId} stopped while the task ran`;
      } else if (now >= t.endsAt) {
        t.status = "completed";
      }
    }
  }

  /** `POST /admin/raft/snapshot` on broker `brokerId`: a snapshot of its log as it stands. */
  snapshot(brokerId: number): Snapshot {
    const v = this.c.raft.view(brokerId);
    const size = 4096 + this.c.meta.members.size * 256 + this.c.meta.partitions.size * 192;
    return {
      snapshot_id: `snap-${brokerId}-${v.commitIndex}`,
      term: v.term,
      index: v.commitIndex,
      size_bytes: size,
      created_at: new Date().toISOString(),
    };
  }

  /** `POST /admin/readonly`: a cluster-wide switch, so a metadata write. */
  setReadOnly(enabled: boolean, via: number): ReadOnlyResponse {
    this.c.writeGate(via);
    if (this.c.meta.readOnly !== enabled) {
      this.c.meta.readOnly = enabled;
      this.c.commit();
      this.c.log(`read-only mode ${enabled ? "on" : "off"}`);
    }
    return { read_only: this.c.meta.readOnly };
  }

  /** Records a call that took long enough to be worth a look. */
  recordSlow(op: string, durationMs: number, client: string): void {
    this.slow.push({ op, duration_ms: Math.round(durationMs), at: new Date().toISOString(), client });
    if (this.slow.length > SLOW_KEPT) this.slow = this.slow.slice(-SLOW_KEPT);
  }

  /** `GET /admin/slow-queries`: slowest first, at most 100. */
  slowQueries(): SlowQuery[] {
    return [...this.slow].sort((a, b) => b.duration_ms - a.duration_ms).slice(0, 100);
  }
}
