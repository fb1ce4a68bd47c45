import type { Cluster } from "./client";
import { runProcedure, type ProcedureContext, type ProcedureOptions } from "./common";
import { collectRaftViews, judgeQuorum } from "./quorum";

/** Options of `rollingRestart`. */
export interface RollingRestartOptions extends ProcedureOptions {
  /**
   * Restarts one broker and resolves once the platform has restarted it (systemctl on a
   * host, a pod deletion on Kubernetes, the emulator's stop/start locally).
   */
  restart: (brokerId: number, signal: AbortSignal) => Promise<void>;
  /** The brokers to restart. Defaults to every member, followers first and the leader last. */
  brokers?: number[];
}

/** What `rollingRestart` did. */
export interface RollingRestartReport {
  /** The brokers restarted, in order. */
  restarted: number[];
  /** How long each took until the cluster was healthy again, in milliseconds. */
  durationsMs: Record<number, number>;
}

/** Why the cluster is not yet fit for the next restart, or undefined when it is. */
async function notSettled(
  cluster: Cluster,
  brokerId: number | undefined,
  ctx: ProcedureContext,
): Promise<string | undefined> {
  if (brokerId !== undefined) {
    const h = await cluster
      .broker(brokerId)
      .health({ ...ctx.call, retries: 0 })
      .catch(() => undefined);
    if (h?.status !== "healthy")
      return `broker ${brokerId} is not healthy yet${h?.status === "unhealthy" ? ` (${h.reason})` : ""}`;
    // Healthy says it serves and sees a leader; ready says it has registered again and caught up.
    const r = await cluster
      .broker(brokerId)
      .ready({ ...ctx.call, retries: 0 })
      .catch(() => undefined);
    if (r?.status !== "ready")
      return `broker ${brokerId} is not ready yet${r?.reason ? ` (${r.reason})` : ""}`;
  }
  const views = await collectRaftViews(cluster, ctx);
  const voters = views.find((v) => v.reachable && v.state === "leader")?.voters ?? [];
  const quorum = judgeQuorum(views, voters);
  if (!quorum.ok || quorum.findings.length > 0)
    return `quorum not settled (${quorum.findings.map((f) => f.message).join("; ") || "no leader"})`;
  const health = await cluster.admin.partitionsHealth(ctx.call);
  const under = health.unhealthy.length;
  if (under > 0) return `${under} partitions are not healthy (under-replicated or offline)`;
  return undefined;
}

/**
 * Restarts the brokers one at a time; before each restart and after it, waits until the
 * restarted broker is healthy, the quorum has one leader that every broker agrees on, and
 * no partition is under-replicated. A rerun restarts every broker given again: pass
 * `brokers` to continue with those not yet restarted.
 */
export function rollingRestart(cluster: Cluster, opts: RollingRestartOptions): Promise<RollingRestartReport> {
  return runProcedure("rolling restart", 3_600_000, opts, async (ctx) => {
    const members = await cluster.refresh(ctx.call);
    const order =
      opts.brokers ??
      members.members
        .map((m) => m.broker_id)
        .sort((a, b) => Number(a === members.leader_id) - Number(b === members.leader_id) || a - b);
    const unknown = order.filter((id) => !members.members.some((m) => m.broker_id === id));
    if (unknown.length > 0) throw new RangeError(`not members of the cluster: ${unknown.join(", ")}`);
    const report: RollingRestartReport = { restarted: [], durationsMs: {} };
    let why: string | undefined;
    const settle = (id: number | undefined) =>
      ctx.waitUntil(
        async () => (why = await notSettled(cluster, id, ctx)),
        (w) => w === undefined,
        (w) => {
          if (w) ctx.progress({ step: "settle", message: `waiting: ${w}` });
        },
      );
    for (const [i, brokerId] of order.entries()) {
      const rest = order.slice(i).join(", ");
      ctx.left = `wait for a healthy cluster, then restart brokers ${rest}`;
      await settle(undefined).catch((e: unknown) => {
        if (why) ctx.left += ` (${why})`;
        throw e;
      });
      const started = Date.now();
      ctx.progress({
        step: "restart",
        message: `restarting broker ${brokerId} (${i + 1}/${order.length})`,
        percent: (i / order.length) * 100,
      });
      ctx.left = `broker ${brokerId} restart in progress, then brokers ${order.slice(i + 1).join(", ") || "none"}`;
      await opts.restart(brokerId, ctx.signal);
      await settle(brokerId).catch((e: unknown) => {
        if (why) ctx.left += ` (${why})`;
        throw e;
      });
      report.restarted.push(brokerId);
      report.durationsMs[brokerId] = Date.now() - started;
      ctx.progress({
        step: "restart",
        message: `broker ${brokerId} is back and the cluster is healthy`,
        percent: ((i + 1) / order.length) * 100,
      });
    }
    return report;
  });
}
