/**
 * How long `ProcedureContext.waitUntil` pauses between two polls. Pure (the clock is passed
 * in), so an hour-long wait is tested in microseconds.
 *
 * Without a measure of progress, the pause grows from `minPauseMs` by half each time up to
 * `backoffMaxMs`: quick answers are noticed quickly, a long wait does not hammer the cluster.
 * With one (bytes or moves done of a total), the rate seen since the wait began gives the time
 * left, and the pause is `fraction` of it: slow in the middle of an hour-long rebalance, fast
 * again as the end nears, and `minPauseMs` once the bytes are all copied and only the commit of
 * the last moves is left. A wait that made no progress since the last poll is polled at least
 * every `backoffMaxMs`, so that a stall (and what it waits on) is seen within seconds.
 */

/** How far the awaited work has come, in one unit (bytes, moves, partition replicas). */
export interface WaitProgress {
  /** Done so far. */
  done: number;
  /** In all. */
  total: number;
}

/** The pacing of a wait's polls. */
export interface PollingOptions {
  /** Shortest pause, in milliseconds: the first one, and the one near the end. Defaults to 250. */
  minPauseMs: number;
  /** Longest pause without an estimate of the time left, in milliseconds. Defaults to 5,000. */
  backoffMaxMs: number;
  /** Longest pause with an estimate, in milliseconds. Defaults to 30,000. */
  maxPauseMs: number;
  /** The pause, as a share of the time left. Defaults to 0.25. */
  fraction: number;
}

/** The defaults of {@link PollingOptions}. */
export const DEFAULT_POLLING: Readonly<PollingOptions> = {
  minPauseMs: 250,
  backoffMaxMs: 5_000,
  maxPauseMs: 30_000,
  fraction: 0.25,
};

/** Progress has to be measured over this share of a pause at least before it is trusted. */
const MIN_SPAN_MS = 100;

/** Chooses each pause of one wait (see the module's comment). */
export class PollPacer {
  private readonly o: PollingOptions;
  private backoff: number;
  private first: { at: number; done: number; total: number } | undefined;
  private last: number | undefined;
  private previous: WaitProgress | undefined;

  constructor(options: Partial<PollingOptions> = {}) {
    this.o = { ...DEFAULT_POLLING, ...definedOnly(options) };
    this.backoff = this.o.minPauseMs;
  }

  /**
   * The pause before the next poll, given the time now and the progress the last poll saw
   * (undefined when it failed or the wait has no measure of progress).
   */
  next(now: number, progress?: WaitProgress): number {
    const estimate = progress ? this.timeLeft(now, progress) : undefined;
    let pause: number;
    if (estimate !== undefined) {
      pause = clamp(estimate * this.o.fraction, this.o.minPauseMs, this.o.maxPauseMs);
    } else if (progress === undefined && this.last !== undefined) {
      // A failed poll in the middle of a measured wait: keep the pace, the estimate still holds.
      pause = this.last;
    } else {
      pause = this.backoff;
      this.backoff = Math.min(this.o.backoffMaxMs, this.backoff * 1.5);
    }
    this.last = estimate !== undefined || this.last !== undefined ? pause : undefined;
    // No progress since the last poll: the work may have stopped (a broker crashed), and the
    // estimate of a long wait would stretch the pauses just when its cause is worth seeing soon.
    const stalled =
      progress !== undefined &&
      this.previous !== undefined &&
      progress.total === this.previous.total &&
      progress.done === this.previous.done &&
      progress.done < progress.total;
    this.previous = progress ?? this.previous;
    return stalled ? Math.min(pause, this.o.backoffMaxMs) : pause;
  }

  /** Milliseconds left at the rate seen since the first poll, or undefined while unknown. */
  private timeLeft(now: number, p: WaitProgress): number | undefined {
    if (!Number.isFinite(p.done) || !Number.isFinite(p.total) || p.total <= 0) return undefined;
    // All copied: only the last commits are left, which take about a second at most.
    if (p.done >= p.total) return 0;
    // Another piece of work (a new rebalance adopted, a count that went back): measure anew.
    if (this.first === undefined || p.total !== this.first.total || p.done < this.first.done) {
      if (this.first !== undefined) this.backoff = this.o.minPauseMs;
      this.first = { at: now, done: p.done, total: p.total };
      this.last = undefined;
      return undefined;
    }
    const span = now - this.first.at;
    const rate = (p.done - this.first.done) / span;
    if (span < MIN_SPAN_MS || rate <= 0)
      return this.last === undefined ? undefined : this.last / this.o.fraction;
    return (p.total - p.done) / rate;
  }
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
