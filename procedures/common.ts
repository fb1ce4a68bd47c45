import { setTimeout as pause } from "node:timers/promises";
import { AbortedError, MAX_TIMER_MS, isTransient, type CallOptions } from "./client";
import { formatSize } from "../common/units";
import { PollPacer, type PollingOptions, type WaitProgress } from "./pacing";

export type { PollingOptions, WaitProgress } from "./pacing";

/** One progress report of a long wait: what step, how far, in the runbook's words. */
export interface ProgressEvent {
  /** The procedure's step, e.g. `join`, `rebalance`, `drain`, `leave`, `restart`. */
  step: string;
  /** One human line, e.g. `rebalance rb-3: 10/24 moves, 1.0 GiB of 2.3 GiB (42%)`. */
  message: string;
  /** How far the step is, 0..100, when it can be measured. */
  percent?: number;
  /** Partition moves done and in all, for rebalances and drains. */
  moves?: { done: number; total: number };
  /** Bytes moved and in all. */
  bytes?: { done: number; total: number };
}

/** Options every procedure takes. */
export interface ProcedureOptions {
  /**
   * How long the whole procedure may take, in milliseconds, before it stops with a
   * `DeadlineExceededError`. Defaults to each procedure's own (see its options).
   */
  deadlineMs?: number;
  /** Stops the procedure early (Ctrl-C in the CLI, a cancelled `pulumi up`). */
  signal?: AbortSignal;
  /** Told of every step and of progress while waiting. Defaults to silence. */
  onProgress?: (event: ProgressEvent) => void;
  /**
   * Longest pause between two polls of a wait that has no measure of progress, in
   * milliseconds. Defaults to 5,000 (`polling.backoffMaxMs` wins when both are given).
   */
  maxPollIntervalMs?: number;
  /** The pacing of polls (see `PollPacer`); each field defaults as `DEFAULT_POLLING` says. */
  polling?: Partial<PollingOptions>;
}

/**
 * A procedure ran out of its deadline. The message says what was still left and that
 * running the procedure again continues from where the cluster is: no step is undone.
 */
export class DeadlineExceededError extends Error {
  /** The procedure's name. */
  readonly procedure: string;
  /** What was still left when time ran out. */
  readonly left: string;

  constructor(procedure: string, deadlineMs: number, left: string, options?: { cause?: unknown }) {
    super(
      `${procedure}: deadline of ${formatDuration(deadlineMs)} ran out; left: ${left}. ` +
        `Nothing was rolled back: run it again to continue.`,
      options,
    );
    this.name = "DeadlineExceededError";
    this.procedure = procedure;
    this.left = left;
  }
}

/**
 * A procedure refused to act because a guard failed (and `force` was not given). It carries the
 * failures as data (the first one's guard as `guard`), and what was refused and how to override
 * when the refusal says so: the providers print them as a `streambus-refusal` record
 * (`procedures/records.ts`), so tooling never reads them out of the message.
 */
export class GuardError extends Error {
  /** The guard's short name: `min_voters`, `replication`, `offline_partitions`, `leader`. */
  readonly guard: string;
  /** Every guard that failed, with why (at least the one named by `guard`). */
  readonly failures: ReadonlyArray<{ guard: string; message: string }>;
  /** What was refused (`remove broker 3`) and how to override, when known. */
  readonly refused?: { what: string; override: string };

  constructor(
    guard: string,
    message: string,
    details: {
      failures?: ReadonlyArray<{ guard: string; message: string }>;
      refused?: { what: string; override: string };
    } = {},
  ) {
    super(message);
    this.name = "GuardError";
    this.guard = guard;
    this.failures = details.failures ?? [{ guard, message }];
    if (details.refused) this.refused = details.refused;
  }
}

/** The running context of a procedure: its deadline, its signal, its progress callback. */
export class ProcedureContext {
  /** Aborts when the deadline passes or the caller's signal aborts. */
  readonly signal: AbortSignal;
  /** What is still left to do, in words, for the deadline's message. */
  left = "everything";
  private readonly deadlineAt: number;
  private readonly deadlineSignal: AbortSignal;

  constructor(
    readonly procedure: string,
    readonly deadlineMs: number,
    private readonly opts: ProcedureOptions,
  ) {
    this.deadlineAt = Date.now() + deadlineMs;
    this.deadlineSignal = AbortSignal.timeout(Math.max(1, deadlineMs));
    this.signal = opts.signal ? AbortSignal.any([opts.signal, this.deadlineSignal]) : this.deadlineSignal;
  }

  /** The options for each admin call: aborted at the deadline. */
  get call(): CallOptions {
    return { signal: this.signal };
  }

  /** Milliseconds until the deadline. */
  get remainingMs(): number {
    return Math.max(0, this.deadlineAt - Date.now());
  }

  /** Whether the deadline has passed. */
  get expired(): boolean {
    return this.deadlineSignal.aborted || Date.now() >= this.deadlineAt;
  }

  /** Reports progress to the caller; a callback that throws does not stop the procedure. */
  progress(event: ProgressEvent): void {
    try {
      this.opts.onProgress?.(event);
    } catch {
      // The display is the caller's business; the cluster work goes on.
    }
  }

  /**
   * Polls `read` until `done` says so. Without `progressOf` the pause grows (from 250 ms, ×1.5,
   * up to `maxPollIntervalMs`); with it, once the progress gives an estimate of the time left,
   * the pause is a quarter of that estimate (see `PollPacer`): an hour-long rebalance costs
   * about a hundred polls and its end is still noticed within a second. Transient failures of
   * a poll (a broker down, a timeout, no leader) are waited out, not thrown.
   */
  async waitUntil<T>(
    read: () => Promise<T>,
    done: (value: T) => boolean,
    onValue?: (value: T) => void,
    progressOf?: (value: T) => WaitProgress | undefined,
  ): Promise<T> {
    const pacer = new PollPacer({
      ...(this.opts.maxPollIntervalMs !== undefined ? { backoffMaxMs: this.opts.maxPollIntervalMs } : {}),
      ...this.opts.polling,
    });
    for (;;) {
      let progress: WaitProgress | undefined;
      try {
        const value = await read();
        onValue?.(value);
        if (done(value)) return value;
        progress = progressOf?.(value);
      } catch (error) {
        if (error instanceof AbortedError || this.signal.aborted || !isTransient(error)) throw error;
      }
      const ms = Math.min(pacer.next(Date.now(), progress), Math.max(1, this.remainingMs));
      // node's timers/promises rejects with its own AbortError; the signal's reason says why.
      await pause(ms, undefined, { signal: this.signal }).catch(() => {
        throw this.signal.reason;
      });
    }
  }
}

/**
 * Runs a procedure's body with its deadline: an abort caused by the deadline becomes a
 * `DeadlineExceededError` naming what was left.
 */
export async function runProcedure<T>(
  procedure: string,
  defaultDeadlineMs: number,
  opts: ProcedureOptions,
  body: (ctx: ProcedureContext) => Promise<T>,
): Promise<T> {
  const deadlineMs = opts.deadlineMs ?? defaultDeadlineMs;
  // Node's timers hold at most MAX_TIMER_MS: a longer deadline would warn and fire at once.
  if (!Number.isFinite(deadlineMs) || deadlineMs <= 0 || deadlineMs > MAX_TIMER_MS) {
    throw new RangeError(
      `deadlineMs must be a positive number of milliseconds, at most ${MAX_TIMER_MS} (about 24.8 days, ` +
        `the longest timer Node keeps): got ${deadlineMs}`,
    );
  }
  const ctx = new ProcedureContext(procedure, deadlineMs, opts);
  try {
    return await body(ctx);
  } catch (error) {
    if (ctx.expired && !opts.signal?.aborted && !(error instanceof GuardError)) {
      throw new DeadlineExceededError(procedure, deadlineMs, ctx.left, { cause: error });
    }
    throw error;
  }
}

/** `90000` → `1m30s`; `1500` → `1.5s`. */
export function formatDuration(ms: number): string {
  if (ms < 60_000) return `${+(ms / 1000).toFixed(1)}s`;
  const m = Math.floor(ms / 60_000);
  const s = Math.round((ms % 60_000) / 1000);
  return s ? `${m}m${s}s` : `${m}m`;
}

/** `1073741824` → `1.0 GiB`: the one size formatter's approximate form (`common/units.ts`). */
export function formatBytes(bytes: number): string {
  return formatSize(bytes, "approx");
}

/** Percent `done/total`, 100 when there is nothing to do. */
export function percentOf(done: number, total: number): number {
  return total <= 0 ? 100 : Math.min(100, Math.round((done / total) * 1000) / 10);
}
