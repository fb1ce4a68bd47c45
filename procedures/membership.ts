/**
 * The steps of the runbook's Add Broker and Remove Broker, each safe to run twice: a
 * provider or a procedure strings them together, and a run killed between two steps is
 * finished by running the steps again. The guards they need are in `guards.ts`.
 */
import type { Member, Partition } from "./contract";
import { ContractError, type Cluster } from "./client";
import { formatBytes, formatDuration, percentOf, type ProcedureContext } from "./common";
import { balanceOf, type Balance } from "./facts";
import { runRebalance, waitForRebalance, type RebalanceReport } from "./rebalance";

/** The broker did not register in time: not started, wrong id, or cannot reach the cluster. */
export class BrokerNotRegisteredError extends Error {
  /** The broker waited for. */
  readonly brokerId: number;

  constructor(brokerId: number, waitedMs: number, known: number[]) {
    super(
      `broker ${brokerId} has not registered with the cluster after ${formatDuration(waitedMs)} ` +
        `(members: ${known.join(", ") || "none"}): is it started with that id, and can it reach the cluster?`,
    );
    this.name = "BrokerNotRegisteredError";
    this.brokerId = brokerId;
  }
}

/**
 * Declared brokers that are members but `offline` (no heartbeat: the process or its machine is
 * down). A join, a rebalance onto them or a drain cannot finish until they are back, so a change
 * refuses at once rather than join them in name or wait on them until its deadline.
 */
export class BrokerOfflineError extends Error {
  /** The offline brokers. */
  readonly brokerIds: number[];

  constructor(members: readonly Member[], what: string) {
    const ids = members.map((m) => m.broker_id);
    const many = ids.length > 1;
    const since = members
      .map((m) => `${many ? `${m.broker_id}: ` : ""}no heartbeat for ${formatDuration(m.last_heartbeat_ms)}`)
      .join(", ");
    const them = many ? "them" : "it";
    super(
      `broker${many ? "s" : ""} ${ids.join(", ")} ${many ? "are" : "is"} offline (${since}; ` +
        `${many ? "their processes or machines are" : "its process or machine is"} down): ${what} needs ` +
        `${them} up. Start ${them} again, or remove ${them} from streambus:brokers`,
    );
    this.name = "BrokerOfflineError";
    this.brokerIds = ids;
  }
}

/** The member with this id as the cluster lists it now, or undefined when it is not a member. */
export async function findMember(
  cluster: Cluster,
  brokerId: number,
  ctx: ProcedureContext,
): Promise<Member | undefined> {
  return (await cluster.refresh(ctx.call)).members.find((m) => m.broker_id === brokerId);
}

/**
 * Waits until the broker has registered (as a learner, or as the first broker of a new
 * cluster) and returns it; throws `BrokerNotRegisteredError` after `timeoutMs`.
 */
export async function waitRegistered(
  cluster: Cluster,
  brokerId: number,
  ctx: ProcedureContext,
  timeoutMs: number,
): Promise<Member> {
  ctx.progress({ step: "register", message: `waiting for broker ${brokerId} to register` });
  const by = Date.now() + timeoutMs;
  const seen = await ctx.waitUntil(
    () => cluster.refresh(ctx.call),
    (m) => m.members.some((x) => x.broker_id === brokerId) || Date.now() >= by,
  );
  const member = seen.members.find((x) => x.broker_id === brokerId);
  if (!member) throw new BrokerNotRegisteredError(brokerId, timeoutMs, cluster.brokerIds);
  return member;
}

/** What `joinStep` did. */
export interface JoinStepResult {
  /** Whether this run sent the join (false: already an active member). */
  joined: boolean;
  /** Whether this run stopped a drain (a broker removed and declared again). */
  drainStopped: boolean;
}

/**
 * Makes a registered broker an active member: active, nothing; draining or drained, stop the
 * drain (it is then active again); learner, join. Throws the cluster's `404 not_found` when it
 * has not registered (use `waitRegistered` first).
 */
export async function joinStep(
  cluster: Cluster,
  brokerId: number,
  ctx: ProcedureContext,
  member?: Member,
): Promise<JoinStepResult> {
  let m = member ?? (await findMember(cluster, brokerId, ctx));
  // An offline member is no learner to join: "joining" it and calling it active would be untrue.
  if (m?.state === "offline") throw new BrokerOfflineError([m], `joining broker ${brokerId}`);
  let drainStopped = false;
  if (m && (m.state === "draining" || m.state === "drained")) {
    ctx.progress({ step: "join", message: `broker ${brokerId} is ${m.state}: stopping the drain` });
    m = { ...m, ...(await cluster.admin.stopDrain(brokerId, ctx.call)) };
    drainStopped = true;
  }
  let joined = false;
  if (m?.state !== "active") {
    ctx.progress({ step: "join", message: `joining broker ${brokerId}` });
    const answer = await cluster.admin.join(brokerId, ctx.call);
    joined = true;
    if (answer.state !== "active") {
      // Said only of what the cluster reports: a join answered with another state is no member yet.
      throw new Error(
        `broker ${brokerId}: the cluster answered the join with state ${answer.state}, not active: ` +
          "see `streambus-ops members`, then run it again",
      );
    }
  }
  ctx.progress({ step: "join", message: `broker ${brokerId} is an active member` });
  return { joined, drainStopped };
}

/** What `drainStep` did. */
export interface DrainStepResult {
  /** Whether this run started the drain. */
  started: boolean;
  /** The broker was not a member (nothing to drain). */
  gone: boolean;
  /** Partition replicas it held when the step began. */
  partitions: number;
}

/**
 * Starts draining a broker unless there is nothing to start: not a member, already draining or
 * drained, or holding nothing. A rebalance running in the way (`409` naming it) is waited for
 * first, as the cluster runs one or the other.
 */
export async function drainStep(
  cluster: Cluster,
  brokerId: number,
  ctx: ProcedureContext,
): Promise<DrainStepResult> {
  for (let attempt = 0; ; attempt++) {
    const m = await findMember(cluster, brokerId, ctx);
    if (!m) return { started: false, gone: true, partitions: 0 };
    if (m.state === "draining" || m.state === "drained" || m.partitions === 0) {
      return { started: false, gone: false, partitions: m.partitions };
    }
    ctx.progress({
      step: "drain",
      message: `draining broker ${brokerId}: ${m.partitions} partition replicas to move`,
      percent: 0,
    });
    try {
      await cluster.admin.drain(brokerId, ctx.call);
      return { started: true, gone: false, partitions: m.partitions };
    } catch (error) {
      const running =
        error instanceof ContractError && error.code === "conflict" && error.details.rebalance_id;
      if (typeof running !== "string" || attempt >= 3) throw error;
      ctx.progress({
        step: "drain",
        message: `waiting for rebalance ${running} before draining broker ${brokerId}`,
      });
      await waitForRebalance(cluster, ctx, running);
    }
  }
}

/** What a broker holds: its partition replicas and their bytes. */
export function heldBy(partitions: readonly Partition[], brokerId: number): { count: number; bytes: number } {
  const mine = partitions.filter((p) => p.replicas.includes(brokerId));
  return { count: mine.length, bytes: mine.reduce((s, p) => s + p.size_bytes, 0) };
}

/**
 * Waits until the broker holds no partition replica (a drain moving them off, or a rebalance
 * onto the others), reporting replicas, bytes and percent, with polls paced by the bytes moved.
 * A broker that is not a member holds nothing.
 */
export async function waitUntilEmpty(
  cluster: Cluster,
  brokerId: number,
  ctx: ProcedureContext,
): Promise<void> {
  let total = 0;
  let totalBytes = 0;
  await ctx.waitUntil(
    async () => heldBy((await cluster.admin.partitions(ctx.call)).partitions, brokerId),
    (h) => h.count === 0,
    (h) => {
      total = Math.max(total, h.count);
      totalBytes = Math.max(totalBytes, h.bytes);
      const percent =
        totalBytes > 0 ? percentOf(totalBytes - h.bytes, totalBytes) : percentOf(total - h.count, total);
      ctx.left = `broker ${brokerId} still holds ${h.count} partition replicas (the drain goes on in the cluster), then leave`;
      ctx.progress({
        step: "drain",
        message:
          `draining broker ${brokerId}: ${h.count} of ${total} partition replicas left, ` +
          `${formatBytes(totalBytes - h.bytes)} of ${formatBytes(totalBytes)} moved (${percent}%)`,
        percent,
        moves: { done: total - h.count, total },
        bytes: { done: totalBytes - h.bytes, total: totalBytes },
      });
    },
    (h) => ({ done: totalBytes - h.bytes, total: totalBytes }),
  );
}

/** What `leaveStep` did. */
export interface LeaveStepResult {
  /** The broker was not a member when the step began. */
  alreadyGone: boolean;
}

/**
 * Makes a broker leave the cluster for good. Already gone is done (the contract answers `200`);
 * `409 unsafe` `not_drained` (the count reached zero a moment before the cluster agrees, or a
 * move still lands on it) waits until it holds nothing and asks again. `force` overrides only
 * the cluster's `min_voters` refusal.
 */
export async function leaveStep(
  cluster: Cluster,
  brokerId: number,
  ctx: ProcedureContext,
  force = false,
): Promise<LeaveStepResult> {
  const alreadyGone = (await findMember(cluster, brokerId, ctx)) === undefined;
  if (alreadyGone) return { alreadyGone };
  ctx.left = `broker ${brokerId} is drained; leave not sent`;
  ctx.progress({ step: "leave", message: `broker ${brokerId} leaves the cluster` });
  for (;;) {
    try {
      await cluster.admin.leave(brokerId, force, ctx.call);
      break;
    } catch (error) {
      if (!(error instanceof ContractError && error.reason === "not_drained")) throw error;
      await waitUntilEmpty(cluster, brokerId, ctx);
    }
  }
  await cluster.refresh(ctx.call);
  return { alreadyGone: false };
}

/** What `rebalanceOnto` did. */
export interface RebalanceOntoResult {
  /** The last rebalance run or followed. */
  report: RebalanceReport;
  /** Rebalances run or followed (an adopted one that balanced elsewhere needs a second). */
  rounds: number;
  /** The balance at the end, over `brokers`. */
  balance: Balance;
}

/**
 * Rebalances onto exactly `brokers` (the contract's `brokers` field) and checks the outcome:
 * a running rebalance is followed rather than started again, and when the one followed was
 * started for another set (an earlier run's), it rebalances again, up to `maxRounds` in all.
 * `balance.balanced` is false when it is still unbalanced after the last round.
 */
export async function rebalanceOnto(
  cluster: Cluster,
  ctx: ProcedureContext,
  brokers: readonly number[],
  opts: { maxConcurrentMoves?: number; throttleBytesPerS?: number; maxRounds?: number } = {},
): Promise<RebalanceOntoResult> {
  const body = {
    brokers: [...brokers].sort((a, b) => a - b),
    ...(opts.maxConcurrentMoves ? { max_concurrent_moves: opts.maxConcurrentMoves } : {}),
    ...(opts.throttleBytesPerS ? { throttle_bytes_per_s: opts.throttleBytesPerS } : {}),
  };
  ctx.left = `rebalance across brokers ${body.brokers.join(", ")}`;
  for (let rounds = 1; ; rounds++) {
    const report = await runRebalance(cluster, ctx, body);
    const balance = balanceOf((await cluster.admin.partitions(ctx.call)).partitions, body.brokers);
    if (balance.balanced || rounds >= (opts.maxRounds ?? 3)) return { report, rounds, balance };
  }
}
