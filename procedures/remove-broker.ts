import type { MembersResponse, PartitionsHealthResponse, TopicsResponse } from "./contract";
import { ContractError, type Cluster } from "./client";
import { GuardError, percentOf, runProcedure, type ProcedureOptions } from "./common";
import { collectRaftViews, judgeQuorum } from "./quorum";

/** Options of `removeBroker`. */
export interface RemoveBrokerOptions extends ProcedureOptions {
  /** Override every guard (and send `force` with the leave). Defaults to false. */
  force?: boolean;
  /** Start a drain when the broker still holds partitions. Defaults to true; false refuses instead. */
  drain?: boolean;
  /** Make the broker leave once drained. Defaults to true; false stops after the drain. */
  leave?: boolean;
}

/** What `removeBroker` did. */
export interface RemoveBrokerReport {
  /** The broker removed. */
  brokerId: number;
  /** It was not a member when the procedure started (nothing to do). */
  alreadyGone: boolean;
  /** Whether this run started the drain (false: it was already draining or empty). */
  drainStarted: boolean;
  /** Partition replicas it held when the procedure started. */
  partitionsBefore: number;
  /** Whether it left the cluster. */
  left: boolean;
  /** Guards that failed but were overridden by `force`. */
  overriddenGuards: string[];
}

/** The facts the guards judge. */
export interface GuardFacts {
  /** The members. */
  members: MembersResponse;
  /** The Raft voters. */
  voters: number[];
  /** The topics, for the largest replication factor. */
  topics: TopicsResponse;
  /** Partition health, for offline partitions. */
  health: PartitionsHealthResponse;
  /** Whether every broker agrees on one leader (the quorum check's verdict). */
  singleLeader: boolean;
}

/**
 * The guards of removing a broker (pure, so each is tested alone): refuse below 3 voters,
 * below the largest replication factor, with offline partitions, or without a single
 * leader. Returns one failure per broken guard; empty when removal is safe.
 */
export function removalGuards(
  brokerId: number,
  facts: GuardFacts,
): Array<{ guard: string; message: string }> {
  const failures: Array<{ guard: string; message: string }> = [];
  const votersAfter = facts.voters.filter((v) => v !== brokerId);
  if (votersAfter.length < 3) {
    failures.push({
      guard: "min_voters",
      message: `only ${votersAfter.length} voters would remain (at least 3 are needed)`,
    });
  }
  const maxRf = Math.max(0, ...facts.topics.topics.map((t) => t.replication_factor));
  const othersActive = facts.members.members.filter(
    (m) => m.broker_id !== brokerId && m.state === "active",
  ).length;
  if (othersActive < maxRf) {
    failures.push({
      guard: "replication",
      message: `only ${othersActive} other active members would hold the data, below the largest replication factor (${maxRf})`,
    });
  }
  const offline = facts.health.unhealthy.filter((u) => u.reason === "offline");
  if (offline.length > 0) {
    const names = offline.slice(0, 3).map((u) => `${u.topic}/${u.partition}`);
    failures.push({
      guard: "offline_partitions",
      message: `${offline.length} partitions are offline (${names.join(", ")}${offline.length > 3 ? ", …" : ""})`,
    });
  }
  if (!facts.singleLeader) {
    failures.push({
      guard: "leader",
      message: "the cluster has no single leader (see `streambus-ops quorum`)",
    });
  }
  return failures;
}

/**
 * The runbook's Remove Broker, as code: checks the guards, drains the broker, waits until
 * it holds nothing (reporting progress), and makes it leave. Safe to run again: a broker
 * already draining is not drained again, one already gone is done, and the guards are
 * checked again on every run.
 */
export function removeBroker(
  cluster: Cluster,
  brokerId: number,
  opts: RemoveBrokerOptions = {},
): Promise<RemoveBrokerReport> {
  if (!Number.isInteger(brokerId) || brokerId <= 0) {
    return Promise.reject(new RangeError(`broker id must be a positive integer: got ${brokerId}`));
  }
  return runProcedure(`remove broker ${brokerId}`, 6 * 3_600_000, opts, async (ctx) => {
    const base = {
      brokerId,
      drainStarted: false,
      partitionsBefore: 0,
      left: false,
      overriddenGuards: [] as string[],
    };
    ctx.left = `check guards, drain broker ${brokerId}, leave`;
    const members = await cluster.refresh(ctx.call);
    const member = members.members.find((m) => m.broker_id === brokerId);
    if (!member) return { ...base, alreadyGone: true, left: opts.leave !== false };

    const [raft, topics, health, views] = await Promise.all([
      cluster.admin.raftStatus(ctx.call),
      cluster.admin.topics(ctx.call),
      cluster.admin.partitionsHealth(ctx.call),
      collectRaftViews(cluster, ctx),
    ]);
    const singleLeader = judgeQuorum(views, raft.voters).leaderId !== null;
    const failures = removalGuards(brokerId, { members, voters: raft.voters, topics, health, singleLeader });
    if (failures.length > 0 && !opts.force) {
      throw new GuardError(
        failures[0]!.guard,
        `refusing to remove broker ${brokerId}: ${failures.map((f) => f.message).join("; ")} (use force to override)`,
      );
    }
    const report = { ...base, alreadyGone: false, overriddenGuards: failures.map((f) => f.guard) };

    const held = await cluster.admin.brokerPartitions(brokerId, ctx.call);
    report.partitionsBefore = held.count;
    if (held.count > 0 && member.state !== "draining" && member.state !== "drained") {
      if (opts.drain === false) {
        throw new GuardError(
          "not_drained",
          `broker ${brokerId} still holds ${held.count} partition replicas: drain it first (streambus-ops drain ${brokerId})`,
        );
      }
      ctx.left = `drain broker ${brokerId} (${held.count} partition replicas), leave`;
      ctx.progress({
        step: "drain",
        message: `draining broker ${brokerId}: ${held.count} partition replicas to move`,
        percent: 0,
      });
      await cluster.admin.drain(brokerId, ctx.call);
      report.drainStarted = true;
    }
    await waitEmpty(cluster, brokerId, held.count, ctx);
    if (opts.leave === false) return report;

    ctx.left = `broker ${brokerId} is drained; leave not sent`;
    ctx.progress({ step: "leave", message: `broker ${brokerId} leaves the cluster` });
    for (;;) {
      try {
        await cluster.admin.leave(brokerId, Boolean(opts.force), ctx.call);
        break;
      } catch (error) {
        // The count reached zero a moment before the member's state says drained.
        if (!(error instanceof ContractError && error.reason === "not_drained")) throw error;
        await waitEmpty(cluster, brokerId, held.count, ctx);
      }
    }
    report.left = true;
    await cluster.refresh(ctx.call);
    return report;
  });
}

async function waitEmpty(
  cluster: Cluster,
  brokerId: number,
  before: number,
  ctx: import("./common").ProcedureContext,
): Promise<void> {
  await ctx.waitUntil(
    () => cluster.admin.brokerPartitions(brokerId, ctx.call),
    (p) => p.count === 0,
    (p) => {
      const total = Math.max(before, p.count);
      const percent = percentOf(total - p.count, total);
      ctx.left = `broker ${brokerId} still holds ${p.count} partition replicas (the drain goes on in the cluster), then leave`;
      ctx.progress({
        step: "drain",
        message: `draining broker ${brokerId}: ${p.count} of ${total} partition replicas left (${percent}%)`,
        percent,
        moves: { done: total - p.count, total },
      });
    },
  );
}
