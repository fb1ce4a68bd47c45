import type { Cluster } from "./client";
import { runProcedure, type ProcedureOptions } from "./common";
import { judgeCluster, type QuorumFinding } from "./quorum";
import {
  balanceOf,
  diskOf,
  probeBrokers,
  scrapeAll,
  type Balance,
  type BrokerProbe,
  type DiskUse,
} from "./facts";

/** Options of `checkHealth`. */
export interface HealthOptions extends ProcedureOptions {
  /** Disk use at or above which the disk check fails, in percent. Defaults to 80 (the runbook's DiskSpaceLow alert: under 20 % free). */
  diskUsedLimitPercent?: number;
}

/** The runbook's Quick Health Check, as data. */
export interface HealthReport {
  /** Whether every check passed. */
  ok: boolean;
  /** The cluster's id. */
  clusterId: string;
  /** Each member's own health. */
  brokers: BrokerProbe[];
  /**
   * Raft, judged as `checkQuorum` judges it (`judgeCluster`): one leader that every broker that
   * answers agrees on, one term, and a majority of the voters answering. `findings` names what is
   * wrong (a split brain, no leader, disagreeing terms, unreachable brokers).
   */
  quorum: {
    ok: boolean;
    leaderId: number | null;
    term: number;
    voters: number[];
    liveVoters: number[];
    stale: boolean;
    findings: QuorumFinding[];
  };
  /** Partitions: all healthy, and replicas balanced over the active members. */
  partitions: Balance & { ok: boolean; total: number; healthy: number; unhealthy: number };
  /** Disk use per broker, and the highest. */
  disk: { ok: boolean; maxUsedPercent: number | null; brokers: DiskUse[]; limitPercent: number };
}

/**
 * Checks every broker's health, the Raft quorum, the partitions' health and balance, and
 * the disks: the facts of the runbook's `cluster-health-check.sh`.
 */
export function checkHealth(cluster: Cluster, opts: HealthOptions = {}): Promise<HealthReport> {
  return runProcedure("health check", 30_000, opts, async (ctx) => {
    const members = await cluster.refresh(ctx.call);
    const [brokers, judged, health, parts] = await Promise.all([
      probeBrokers(cluster, ctx),
      judgeCluster(cluster, ctx),
      cluster.admin.partitionsHealth(ctx.call),
      cluster.admin.partitions(ctx.call),
    ]);
    // `/health` answers apart from the admin API: a broker that says healthy there while its
    // admin calls fail (`HTTP 500` on each) is not healthy, whatever its `/health` says.
    const adminDown = new Map(judged.views.filter((v) => !v.reachable).map((v) => [v.brokerId, v.error]));
    for (const b of brokers) {
      if (b.status === "healthy" && adminDown.has(b.brokerId)) {
        b.status = "unhealthy";
        b.reason = `its admin API does not answer: ${adminDown.get(b.brokerId) ?? "no answer"}`;
      }
    }
    const live = new Set(brokers.filter((b) => b.status === "healthy").map((b) => b.brokerId));
    const quorum = {
      ok: judged.ok,
      leaderId: judged.leaderId,
      term: judged.highestTerm ?? members.term,
      voters: judged.voters,
      liveVoters: judged.reachableVoters,
      stale: judged.views.some((v) => v.stale === true),
      findings: judged.findings,
    };
    const active = members.members.filter((m) => m.state === "active").map((m) => m.broker_id);
    const balance = balanceOf(parts.partitions, active);
    const unhealthy = health.unhealthy.length;
    const partitions = {
      ...balance,
      ok: balance.balanced && unhealthy === 0,
      total: health.total,
      healthy: health.healthy,
      unhealthy,
    };
    const scrapes = await scrapeAll(cluster, [...live], ctx);
    const disks = [...scrapes]
      .flatMap(([id, s]) => diskOf(id, s) ?? [])
      .sort((a, b) => a.brokerId - b.brokerId);
    const limitPercent = opts.diskUsedLimitPercent ?? 80;
    const maxUsedPercent = disks.length ? Math.max(...disks.map((d) => d.usedPercent)) : null;
    const disk = {
      ok: maxUsedPercent !== null && maxUsedPercent < limitPercent,
      maxUsedPercent,
      brokers: disks,
      limitPercent,
    };
    const brokersOk = brokers.every((b) => b.status === "healthy" || b.memberState === "learner");
    return {
      ok: brokersOk && quorum.ok && partitions.ok && disk.ok,
      clusterId: members.cluster_id,
      brokers,
      quorum,
      partitions,
      disk,
    };
  });
}
