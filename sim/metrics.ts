import type { Cluster } from "./cluster";
import { memberState } from "./membership";
import { MESSAGE_BYTES } from "./model";
import { partitionHealth, syncProgress } from "./replication";

/** Upper bounds of the request-duration histogram, in seconds. */
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Every emulated broker's disk. */
export const DISK_TOTAL_BYTES = 2 ** 40;

interface Histogram {
  counts: number[];
  sum: number;
  count: number;
}

/**
 * Request metrics per broker (the duration histogram and the error counter) and the
 * rendering of every series the contract lists, in Prometheus text format 0.0.4.
 */
export class Metrics {
  private readonly histograms = new Map<number, Map<string, Histogram>>();
  private readonly errors = new Map<number, Map<string, number>>();

  /** Records one request's duration. */
  observe(brokerId: number, op: string, seconds: number): void {
    const perOp = this.histograms.get(brokerId) ?? new Map<string, Histogram>();
    this.histograms.set(brokerId, perOp);
    const h = perOp.get(op) ?? { counts: BUCKETS.map(() => 0), sum: 0, count: 0 };
    perOp.set(op, h);
    BUCKETS.forEach((le, i) => {
      if (seconds <= le) h.counts[i] = (h.counts[i] ?? 0) + 1;
    });
    h.sum += seconds;
    h.count += 1;
  }

  /** Counts one failed operation. */
  error(brokerId: number, op: string): void {
    const perOp = this.errors.get(brokerId) ?? new Map<string, number>();
    this.errors.set(brokerId, perOp);
    perOp.set(op, (perOp.get(op) ?? 0) + 1);
  }

  /** `GET /metrics` of broker `id`. */
  render(c: Cluster, id: number): string {
    const out: string[] = [];
    const b = `broker_id="${id}"`;
    const gauge = (name: string, help: string, lines: string[]): void => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, ...lines);
    };
    const view = c.raft.view(id);
    gauge(
      "raft_state",
      "1 for the broker's current Raft state, 0 for the others.",
      (["leader", "follower", "candidate", "learner"] as const).map(
        (s) => `raft_state{${b},state="${s}"} ${view.role === s ? 1 : 0}`,
      ),
    );
    gauge("raft_term", "The broker's current Raft term.", [`raft_term{${b}} ${view.term}`]);
    gauge("raft_commit_index", "The broker's Raft commit index.", [
      `raft_commit_index{${b}} ${view.commitIndex}`,
    ]);
    gauge("raft_applied_index", "The broker's Raft applied index.", [
      `raft_applied_index{${b}} ${view.appliedIndex}`,
    ]);
    let held = 0;
    let leading = 0;
    let under = 0;
    let used = 0;
    const isLeader = view.role === "leader" && c.raft.leaderId === id;
    for (const p of c.meta.partitions.values()) {
      if (p.replicas.includes(id)) held++;
      if (p.leader === id) leading++;
      if (isLeader && partitionHealth(c, p) !== null) under++;
      used += (p.leo.get(id) ?? 0) * MESSAGE_BYTES;
    }
    gauge("partitions_total", "Partition replicas on this broker.", [`partitions_total{${b}} ${held}`]);
    gauge("partitions_leader_total", "Partitions this broker leads.", [
      `partitions_leader_total{${b}} ${leading}`,
    ]);
    gauge(
      "partitions_under_replicated",
      "Under-replicated partitions, cluster-wide, reported by the leader.",
      [`partitions_under_replicated{${b}} ${under}`],
    );
    const rec = c.meta.members.get(id);
    const sync = rec && memberState(c, rec) !== "learner" ? syncProgress(c, id) : 1;
    gauge("sync_progress", "Catch-up of a joining or resyncing broker, 0..1.", [
      `sync_progress{${b}} ${sync.toFixed(4)}`,
    ]);
    gauge("rebalance_in_progress", "1 while a rebalance or drain moves data.", [
      `rebalance_in_progress{${b}} ${c.moves.inProgress() ? 1 : 0}`,
    ]);
    out.push("# HELP request_duration_seconds Admin API request durations.");
    out.push("# TYPE request_duration_seconds histogram");
    const hists = this.histograms.get(id) ?? new Map<string, Histogram>();
    if (hists.size === 0) hists.set("health", { counts: BUCKETS.map(() => 0), sum: 0, count: 0 });
    for (const [op, h] of hists) {
      BUCKETS.forEach((le, i) =>
        out.push(`request_duration_seconds_bucket{${b},op="${op}",le="${le}"} ${h.counts[i]}`),
      );
      out.push(`request_duration_seconds_bucket{${b},op="${op}",le="+Inf"} ${h.count}`);
      out.push(`request_duration_seconds_sum{${b},op="${op}"} ${h.sum}`);
      out.push(`request_duration_seconds_count{${b},op="${op}"} ${h.count}`);
    }
    out.push("# HELP errors_total Failed operations.", "# TYPE errors_total counter");
    const errs = new Map([["produce", 0], ...(this.errors.get(id) ?? [])]);
    for (const [op, n] of errs) out.push(`errors_total{${b},op="${op}"} ${n}`);
    gauge("disk_free_bytes", "Free bytes on the data disk.", [
      `disk_free_bytes{${b}} ${Math.max(0, DISK_TOTAL_BYTES - used)}`,
    ]);
    gauge("disk_total_bytes", "Size of the data disk.", [`disk_total_bytes{${b}} ${DISK_TOTAL_BYTES}`]);
    return out.join("\n") + "\n";
  }
}
