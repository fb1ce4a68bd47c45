import type { SlowQuery } from "./contract";
import type { Cluster } from "./client";
import { sleep } from "./client/retry";
import { runProcedure, type ProcedureOptions } from "./common";
import { scrapeAll } from "./facts";
import { ERROR_RATE_MEANING, brokerErrorRate } from "./metrics/error-rate";
import { bucketsOf, histogramQuantile, select, type Bucket, type Scrape } from "./metrics/prometheus";

/** Options of `diagnoseLatency`. */
export interface LatencyOptions extends ProcedureOptions {
  /** Time between the two scrapes that rates are computed over, in ms. Defaults to 5,000. */
  sampleMs?: number;
  /** How many of the slowest queries to keep. Defaults to 10 (the runbook's `.[0:10]`). */
  slowQueries?: number;
  /** p99 above which latency is a problem, in seconds. Defaults to 1 (the runbook's SEV2 and HighLatency alert). */
  p99LimitSeconds?: number;
  /**
   * Errors per second of one broker, every op summed, above which it is a problem: the
   * HighErrorRate alert's threshold and meaning (`ERROR_RATE_MEANING`). Defaults to 10.
   */
  errorRateLimitPerS?: number;
}

/** Latency and errors of one op (`produce`, `fetch`, …). */
export interface OpLatency {
  /** The op label. */
  op: string;
  /** Requests in the window. */
  requests: number;
  /**
   * Whether its p99 was judged: only with requests in the window. An op idle in the window is not
   * judged (its quantiles are NaN, `null` in JSON): what it did before the window (a latency fault
   * since cleared) says nothing of now, and a histogram since the broker started would keep a
   * scheduled check red until the broker restarts.
   */
  judged: boolean;
  /** Quantiles of request duration over the window, in seconds (NaN when not judged). */
  p50: number;
  /** 95th percentile, seconds. */
  p95: number;
  /** 99th percentile, seconds. */
  p99: number;
  /** Errors in the window. */
  errors: number;
  /** Errors per second over the window. */
  errorsPerSecond: number;
  /** Errors per request over the window (0 with no requests). */
  errorRatio: number;
}

/** The runbook's latency diagnosis, as data. */
export interface LatencyReport {
  /** No op judged over the p99 limit, no broker over the error-rate limit, and every broker scraped. */
  ok: boolean;
  /** The window between the two scrapes, in ms. */
  windowMs: number;
  /** Every op, summed over the brokers, slowest p99 first. */
  ops: OpLatency[];
  /**
   * Per broker, its ops and its error rate (every op summed, per second: the HighErrorRate
   * alert's measure; NaN when its first scrape failed).
   */
  brokers: Array<{ brokerId: number; ops: OpLatency[]; errorsPerSecond: number }>;
  /** Brokers whose metrics could not be read. */
  unreachable: number[];
  /** The slowest queries the cluster recorded, slowest first. */
  slowQueries: SlowQuery[];
  /** What is wrong, one line each. */
  problems: string[];
}

/**
 * Reads `/metrics` of every broker twice, `sampleMs` apart, and computes per op the
 * request-duration quantiles (PromQL's `histogram_quantile` over the window) and the error
 * rates, then the slowest queries: the runbook's `diagnose-latency.sh`.
 */
export function diagnoseLatency(cluster: Cluster, opts: LatencyOptions = {}): Promise<LatencyReport> {
  return runProcedure("latency diagnosis", 60_000, opts, async (ctx) => {
    await cluster.refresh(ctx.call);
    const ids = cluster.brokerIds;
    const first = await scrapeAll(cluster, ids, ctx);
    const t0 = Date.now();
    await sleep(opts.sampleMs ?? 5_000, ctx.signal);
    const second = await scrapeAll(cluster, ids, ctx);
    const windowMs = Date.now() - t0;
    const slow = await cluster.admin.slowQueries(ctx.call);

    const judged = judgeLatency(first, second, windowMs, opts);
    const unreachable = ids.filter((id) => !second.has(id));
    const problems = [...judged.problems];
    if (unreachable.length) problems.push(`metrics not readable from broker ${unreachable.join(", ")}`);
    return {
      ok: problems.length === 0,
      windowMs,
      ops: judged.ops,
      brokers: judged.brokers,
      unreachable,
      slowQueries: slow.slice(0, opts.slowQueries ?? 10),
      problems,
    };
  });
}

/**
 * The verdict over two rounds of scrapes (by broker id), `windowMs` apart: quantiles per op summed
 * over the brokers, judged against the p99 limit; the error rate per broker, every op summed (the
 * HighErrorRate alert's definition), judged against the error-rate limit. Pure.
 */
export function judgeLatency(
  first: ReadonlyMap<number, Scrape>,
  second: ReadonlyMap<number, Scrape>,
  windowMs: number,
  limits: Pick<LatencyOptions, "p99LimitSeconds" | "errorRateLimitPerS"> = {},
): Pick<LatencyReport, "ops" | "brokers" | "problems"> {
  const p99Limit = limits.p99LimitSeconds ?? 1;
  const rateLimit = limits.errorRateLimitPerS ?? 10;
  const brokers = [...second]
    .map(([brokerId, now]) => ({
      brokerId,
      ops: opsOf(first.get(brokerId), now, windowMs),
      errorsPerSecond: brokerErrorRate(first.get(brokerId), now, windowMs),
    }))
    .sort((a, b) => a.brokerId - b.brokerId);
  // Only brokers scraped at both ends of the window count: a broker missing from the first round
  // would add its whole counters to the window's.
  const both = [...second.keys()].filter((id) => first.has(id));
  const ops = opsOf(
    sumScrapes(both.map((id) => first.get(id)!)),
    sumScrapes(both.map((id) => second.get(id)!)),
    windowMs,
  );
  const problems: string[] = [];
  for (const o of ops) {
    if (o.judged && o.p99 > p99Limit)
      problems.push(`${o.op}: p99 ${formatSeconds(o.p99)} is above ${formatSeconds(p99Limit)}`);
  }
  for (const b of brokers) {
    if (b.errorsPerSecond > rateLimit) {
      problems.push(
        `broker-${b.brokerId}: ${b.errorsPerSecond.toFixed(1)} errors/s is above ${rateLimit}/s ` +
          `(${ERROR_RATE_MEANING}: the HighErrorRate alert's measure)`,
      );
    }
  }
  return { ops: ops.sort((a, b) => (b.p99 || 0) - (a.p99 || 0)), brokers, problems };
}

/**
 * Per op: the requests, quantiles and errors over the window (`now - before`). An op without a
 * request in the window is not judged (NaN quantiles); without `before` (the first scrape failed)
 * there is no window, and no op is judged.
 */
export function opsOf(before: Scrape | undefined, now: Scrape, windowMs: number): OpLatency[] {
  const ops = new Set(select(now, "request_duration_seconds_count").map((s) => s.labels.op ?? ""));
  for (const s of select(now, "errors_total")) ops.add(s.labels.op ?? "");
  return [...ops].map((op) => {
    const delta = before
      ? subtract(
          bucketsOf(now, "request_duration_seconds", { op }),
          bucketsOf(before, "request_duration_seconds", { op }),
        )
      : [];
    const requests = delta[delta.length - 1]?.count ?? 0;
    const judged = requests > 0;
    const sum = (s: Scrape, name: string) => select(s, name, { op }).reduce((a, x) => a + x.value, 0);
    const errors = before ? Math.max(0, sum(now, "errors_total") - sum(before, "errors_total")) : 0;
    const quantile = (q: number) => (judged ? histogramQuantile(q, delta) : Number.NaN);
    return {
      op,
      requests,
      judged,
      p50: quantile(0.5),
      p95: quantile(0.95),
      p99: quantile(0.99),
      errors,
      errorsPerSecond: windowMs > 0 ? errors / (windowMs / 1000) : 0,
      errorRatio: judged ? errors / requests : 0,
    };
  });
}

function subtract(now: Bucket[], before: Bucket[]): Bucket[] {
  const prev = new Map(before.map((b) => [b.le, b.count]));
  // A counter that went down means the broker restarted: its whole count is the window's.
  return now.map((b) => ({
    le: b.le,
    count: b.count >= (prev.get(b.le) ?? 0) ? b.count - (prev.get(b.le) ?? 0) : b.count,
  }));
}

/** One scrape holding every sample of several brokers (their op series add up by label). */
function sumScrapes(scrapes: Scrape[]): Scrape {
  return {
    samples: scrapes.flatMap((s) => s.samples),
    types: Object.assign({}, ...scrapes.map((s) => s.types)) as Record<string, string>,
  };
}

/** `0.0123` → `12.3ms`; `1.5` → `1.50s`. */
export function formatSeconds(s: number): string {
  if (Number.isNaN(s)) return "n/a";
  return s < 1 ? `${+(s * 1000).toFixed(1)}ms` : `${s.toFixed(2)}s`;
}
