import type { RebalancePlan, RebalanceStatus } from "./contract";
import { ContractError, classifyError, type Cluster } from "./client";
import {
  formatBytes,
  formatDuration,
  percentOf,
  runProcedure,
  type ProcedureContext,
  type ProcedureOptions,
} from "./common";

/** Options of `rebalance`. */
export interface RebalanceOptions extends ProcedureOptions {
  /** The brokers to balance across. Defaults to every `active` member (the contract's default). */
  brokers?: number[];
  /** Moves at once. Defaults to the cluster's own default. */
  maxConcurrentMoves?: number;
  /** Copy throttle per move, in bytes per second. Defaults to the cluster's own default. */
  throttleBytesPerS?: number;
  /** Only plan: returns the moves and changes nothing. Defaults to false. */
  dryRun?: boolean;
}

/** What a rebalance did (or, with `dryRun`, would do). */
export interface RebalanceReport {
  /** The rebalance's id; null when the cluster was already balanced or on a dry run. */
  rebalanceId: string | null;
  /** `completed` when done; `planned` on a dry run. */
  status: RebalanceStatus["status"] | "planned";
  /** Whether an already running rebalance was followed instead of starting one. */
  adopted: boolean;
  /** Moves done and in all. */
  moves: { done: number; total: number };
  /** Bytes moved and in all. */
  bytes: { done: number; total: number };
  /** The plan, on a dry run. */
  plan?: RebalancePlan;
}

/** A rebalance that the cluster reports `failed` or `cancelled`. */
export class RebalanceFailedError extends Error {
  /** The final status. */
  readonly status: RebalanceStatus;

  constructor(status: RebalanceStatus) {
    super(
      `rebalance ${status.rebalance_id ?? "?"} ${status.status}` +
        (status.error ? `: ${status.error}` : "") +
        ` after ${status.moves_completed}/${status.moves_total} moves (moves done stay done; run it again to continue)`,
    );
    this.name = "RebalanceFailedError";
    this.status = status;
  }
}

/**
 * The cluster refused to start a rebalance (`409 conflict`) for a reason other than one
 * already running, such as a broker that drains. Sending the start again would only be
 * refused again: it needs the cause gone first.
 */
export class RebalanceBlockedError extends Error {
  /** The draining brokers that block it; empty when the cluster named another cause. */
  readonly brokerIds: number[];

  constructor(message: string, brokerIds: number[], options?: { cause?: unknown }) {
    super(message, options);
    this.name = "RebalanceBlockedError";
    this.brokerIds = brokerIds;
  }
}

/**
 * Rebalances partitions across the brokers and waits for it to finish, reporting moves,
 * bytes and percent. Safe to run twice: a rebalance already running is followed, not
 * started again, and a balanced cluster answers at once with no moves.
 */
export function rebalance(cluster: Cluster, opts: RebalanceOptions = {}): Promise<RebalanceReport> {
  return runProcedure("rebalance", 6 * 3_600_000, opts, async (ctx) => {
    const body = {
      ...(opts.brokers ? { brokers: opts.brokers } : {}),
      ...(opts.maxConcurrentMoves ? { max_concurrent_moves: opts.maxConcurrentMoves } : {}),
      ...(opts.throttleBytesPerS ? { throttle_bytes_per_s: opts.throttleBytesPerS } : {}),
    };
    if (opts.dryRun) {
      const plan = await cluster.admin.rebalancePlan(body, ctx.call);
      return {
        rebalanceId: null,
        status: "planned",
        adopted: false,
        moves: { done: 0, total: plan.moves_total },
        bytes: { done: 0, total: plan.bytes_total },
        plan,
      };
    }
    return runRebalance(cluster, ctx, body);
  });
}

/**
 * Starts (or adopts) a rebalance and waits for it. A start whose answer was lost is never
 * blindly sent again: the status says whether it took effect, and a second start of a
 * running one answers `409 conflict` with the running one's id, which is then followed
 * once the status shows that id running. Any other `409` (a broker draining) throws a
 * `RebalanceBlockedError`: there is nothing to follow, and a finished run must not pass
 * for this one.
 */
export async function runRebalance(
  cluster: Cluster,
  ctx: ProcedureContext,
  body: { brokers?: number[]; max_concurrent_moves?: number; throttle_bytes_per_s?: number },
): Promise<RebalanceReport> {
  ctx.left = "start the rebalance";
  let adopted = false;
  let id: string | null = null;
  const current = await cluster.admin.rebalanceStatus(ctx.call);
  if (current.status === "running") {
    adopted = true;
    id = current.rebalance_id;
  } else {
    for (let attempt = 0; id === null; attempt++) {
      try {
        const started = await cluster.admin.rebalance(body, ctx.call);
        if (started.status === "completed" && started.moves_total === 0) {
          ctx.progress({ step: "rebalance", message: "already balanced: no moves", percent: 100 });
          return {
            rebalanceId: null,
            status: "completed",
            adopted: false,
            moves: { done: 0, total: 0 },
            bytes: { done: 0, total: 0 },
          };
        }
        id =
          started.rebalance_id ?? (await cluster.admin.rebalanceStatus(ctx.call)).rebalance_id ?? "unknown";
      } catch (error) {
        if (error instanceof ContractError && error.code === "conflict") {
          const claimed = typeof error.details.rebalance_id === "string" ? error.details.rebalance_id : null;
          if (claimed === null) throw await blockedBy(cluster, ctx, error);
          const now = await cluster.admin.rebalanceStatus(ctx.call);
          if (now.status === "running" && now.rebalance_id === claimed) {
            adopted = true;
            id = claimed;
            break;
          }
          // It finished between the answer and the status. The 409 proved this start was not
          // applied, so sending it again is no blind repeat; a newer running one is then named.
          if (attempt >= 4) {
            throw new RebalanceBlockedError(
              `the cluster keeps answering that a rebalance is running (last ${claimed}), but none stays running to follow`,
              [],
              { cause: error },
            );
          }
          continue;
        }
        const kind = classifyError(error);
        if (kind === "permanent" || attempt >= 4) throw error;
        // Proven not applied (no leader yet, refused before it left): sending it again is no repeat.
        if (kind === "not_applied") continue;
        // The start may or may not have taken effect: ask before sending it again.
        const after = await cluster.admin.rebalanceStatus(ctx.call);
        // Not running before, running now: the lost answer was ours.
        if (after.status === "running") id = after.rebalance_id;
      }
    }
  }
  // Started (or adopted): from here it runs on the cluster whatever becomes of this wait.
  ctx.left = `rebalance ${id ?? "?"}, still running on the cluster`;
  const final = await waitForRebalance(cluster, ctx, id);
  return {
    rebalanceId: final.rebalance_id,
    status: final.status,
    adopted,
    moves: { done: final.moves_completed, total: final.moves_total },
    bytes: { done: final.bytes_moved, total: final.bytes_total },
  };
}

/** The error for a `409 conflict` that names no running rebalance: why the start was refused. */
async function blockedBy(
  cluster: Cluster,
  ctx: ProcedureContext,
  error: ContractError,
): Promise<RebalanceBlockedError> {
  const named = typeof error.details.broker_id === "number" ? error.details.broker_id : undefined;
  const draining = await cluster
    .refresh(ctx.call)
    .then((m) => m.members.filter((x) => x.state === "draining").map((x) => x.broker_id))
    .catch(() => [] as number[]);
  if (named !== undefined && (draining.includes(named) || /drain/i.test(error.apiMessage))) {
    draining.splice(0, draining.length, named, ...draining.filter((x) => x !== named));
  }
  if (draining.length === 0) {
    return new RebalanceBlockedError(
      `the cluster refused to start a rebalance (409 conflict: ${error.apiMessage}) and none is running to follow`,
      [],
      { cause: error },
    );
  }
  const who = draining.length === 1 ? `broker ${draining[0]} is` : `brokers ${draining.join(", ")} are`;
  return new RebalanceBlockedError(
    `${who} draining: a rebalance cannot start until the drain finishes or is stopped`,
    draining,
    { cause: error },
  );
}

/** A member whose last heartbeat is older than this is named as what the rebalance waits on. */
const LATE_HEARTBEAT_MS = 3_000;

/**
 * Why a rebalance has made no progress, when the members say: the members that are offline or
 * whose heartbeat is late (a crashed broker is `offline` only after 10 s), or null when none is.
 */
export async function stalledOn(cluster: Cluster, ctx: ProcedureContext): Promise<string | null> {
  const members = await cluster.refresh(ctx.call).catch(() => null);
  const missing = (members?.members ?? []).filter(
    (m) => m.state === "offline" || m.last_heartbeat_ms > LATE_HEARTBEAT_MS,
  );
  if (missing.length === 0) return null;
  const named = missing.map(
    (m) =>
      `broker ${m.broker_id} (${m.state === "offline" ? "offline" : "heartbeat late"}: no heartbeat for ${formatDuration(m.last_heartbeat_ms)})`,
  );
  return `waiting on ${named.join(", ")}: its moves resume when it is back`;
}

/**
 * Polls the rebalance status until it is no longer running, pacing the polls by the bytes
 * moved (see `PollPacer`); throws if it failed or was cancelled. When it stops moving (no
 * progress between two polls, one members call then), the
 * progress line and what is left name the member it waits on (a crashed broker), so neither a
 * line repeated for minutes nor the deadline's message leaves the cause unsaid.
 */
export async function waitForRebalance(
  cluster: Cluster,
  ctx: ProcedureContext,
  id: string | null,
): Promise<RebalanceStatus> {
  let last = { moves: -1, bytes: -1, at: Date.now() };
  let stall: string | null = null;
  const final = await ctx.waitUntil(
    async () => {
      const s = await cluster.admin.rebalanceStatus(ctx.call);
      if (s.moves_completed !== last.moves || s.bytes_moved !== last.bytes) {
        last = { moves: s.moves_completed, bytes: s.bytes_moved, at: Date.now() };
        stall = null;
      } else if (s.status === "running") {
        // No progress since the last poll (polled within 5 s then, see PollPacer): ask who is missing.
        const why = await stalledOn(cluster, ctx);
        stall = why && `no progress for ${formatDuration(Date.now() - last.at)}, ${why}`;
      }
      return s;
    },
    (s) => s.status !== "running",
    (s) => {
      const percent = percentOf(
        s.bytes_total > 0 ? s.bytes_moved : s.moves_completed,
        s.bytes_total > 0 ? s.bytes_total : s.moves_total,
      );
      const why = stall ? `; ${stall}` : "";
      ctx.left = `rebalance ${s.rebalance_id ?? id ?? "?"} at ${s.moves_completed}/${s.moves_total} moves (${percent}%), still running on the cluster${why}`;
      ctx.progress({
        step: "rebalance",
        message:
          `rebalance ${s.rebalance_id ?? id}: ${s.moves_completed}/${s.moves_total} moves, ` +
          `${formatBytes(s.bytes_moved)} of ${formatBytes(s.bytes_total)} (${percent}%)${why}`,
        percent,
        moves: { done: s.moves_completed, total: s.moves_total },
        bytes: { done: s.bytes_moved, total: s.bytes_total },
      });
    },
    (s) =>
      s.bytes_total > 0
        ? { done: s.bytes_moved, total: s.bytes_total }
        : { done: s.moves_completed, total: s.moves_total },
  );
  if (final.status === "failed" || final.status === "cancelled") throw new RebalanceFailedError(final);
  return final;
}

// Kept for callers that imported it from here (procedures/backup): the one classifier's answer.
export { isAmbiguous } from "./client/classify";
