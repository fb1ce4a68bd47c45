import { describe, expect, it } from "vitest";
import { alertRules } from "../components/alerts";
import { judgeLatency } from "./latency";
import { errorRatePromQL } from "./metrics/error-rate";
import { parsePrometheusText, type Scrape } from "./metrics/prometheus";

/** One broker's scrape with these `errors_total` counters by op. */
function scrape(brokerId: number, errors: Record<string, number>): Scrape {
  return parsePrometheusText(
    ["# TYPE errors_total counter"]
      .concat(
        Object.entries(errors).map(([op, n]) => `errors_total{broker_id="${brokerId}",op="${op}"} ${n}`),
      )
      .join("\n") + "\n",
  );
}

/** Two rounds of scrapes 10 s apart: each broker's errors per second by op. */
function rounds(ratesByBroker: Record<number, Record<string, number>>) {
  const first = new Map<number, Scrape>();
  const second = new Map<number, Scrape>();
  for (const [id, rates] of Object.entries(ratesByBroker)) {
    first.set(Number(id), scrape(Number(id), Object.fromEntries(Object.keys(rates).map((op) => [op, 100]))));
    second.set(
      Number(id),
      scrape(Number(id), Object.fromEntries(Object.entries(rates).map(([op, r]) => [op, 100 + r * 10]))),
    );
  }
  return [first, second] as const;
}

describe("the error rate: one definition, errors per second of one broker, every op summed", () => {
  it("a broker failing 6/s on each of two ops is over 10/s: named, as HighErrorRate would fire for it", () => {
    const [first, second] = rounds({ 1: { produce: 6, fetch: 6 }, 2: {}, 3: {} });
    const r = judgeLatency(first, second, 10_000, { errorRateLimitPerS: 10 });
    expect(r.brokers.find((b) => b.brokerId === 1)?.errorsPerSecond).toBeCloseTo(12);
    expect(r.problems).toEqual([
      "broker-1: 12.0 errors/s is above 10/s (errors per second answered by one broker, every op summed: the HighErrorRate alert's measure)",
    ]);
  });

  it("three brokers at 4/s each on one op are no problem: no broker is over the limit", () => {
    const [first, second] = rounds({ 1: { produce: 4 }, 2: { produce: 4 }, 3: { produce: 4 } });
    const r = judgeLatency(first, second, 10_000, { errorRateLimitPerS: 10 });
    expect(r.ops.find((o) => o.op === "produce")?.errorsPerSecond).toBeCloseTo(12);
    expect(r.problems).toEqual([]);
  });

  it("a counter reset (a restarted broker) counts its whole value, as PromQL's rate does", () => {
    const first = new Map([[1, scrape(1, { produce: 500 })]]);
    const second = new Map([[1, scrape(1, { produce: 150 })]]);
    expect(judgeLatency(first, second, 10_000).brokers[0]?.errorsPerSecond).toBeCloseTo(15);
  });

  it("the alert's expression is the same definition", () => {
    const rule = alertRules({ job: "sb", rateWindow: 120_000, errorRate: 7 }).find(
      (r) => r.alert === "HighErrorRate",
    );
    expect(rule?.expr).toBe(`${errorRatePromQL('job="sb"', "2m")} > 7`);
    expect(errorRatePromQL('job="sb"', "2m")).toBe('sum by (broker_id) (rate(errors_total{job="sb"}[2m]))');
  });
});

/** One broker's scrape with a `request_duration_seconds` histogram: `slow` requests of 2 s and `fast` of 5 ms. */
function durations(op: string, fast: number, slow: number): Scrape {
  const bucket = (le: string, n: number) => `request_duration_seconds_bucket{op="${op}",le="${le}"} ${n}`;
  return parsePrometheusText(
    [
      "# TYPE request_duration_seconds histogram",
      bucket("0.01", fast),
      bucket("1", fast),
      bucket("2.5", fast + slow),
      bucket("+Inf", fast + slow),
      `request_duration_seconds_sum{op="${op}"} ${fast * 0.005 + slow * 2}`,
      `request_duration_seconds_count{op="${op}"} ${fast + slow}`,
    ].join("\n") + "\n",
  );
}

describe("latency is judged over the window, and only where the window saw requests", () => {
  it("an op slowed by a fault since cleared, idle in the window, is not judged and is no problem", () => {
    // 10 requests of 2 s before the window (a latency fault), none in it.
    const first = new Map([[1, durations("topics", 0, 10)]]);
    const second = new Map([[1, durations("topics", 0, 10)]]);
    const r = judgeLatency(first, second, 3_000);
    expect(r.ops).toEqual([
      expect.objectContaining({ op: "topics", requests: 0, judged: false, p99: Number.NaN }),
    ]);
    expect(r.problems).toEqual([]);
  });

  it("an op with requests in the window is judged on them alone", () => {
    const first = new Map([[1, durations("topics", 0, 10)]]);
    const fastNow = new Map([[1, durations("topics", 50, 10)]]);
    const fast = judgeLatency(first, fastNow, 3_000);
    expect(fast.ops[0]).toMatchObject({ requests: 50, judged: true });
    expect(fast.ops[0]!.p99).toBeLessThan(0.01);
    expect(fast.problems).toEqual([]);
    const slowNow = new Map([[1, durations("topics", 0, 20)]]);
    expect(judgeLatency(first, slowNow, 3_000).problems).toEqual(["topics: p99 2.48s is above 1.00s"]);
  });

  it("a broker without a first scrape adds nothing to the window", () => {
    const first = new Map<number, Scrape>();
    const second = new Map([[1, durations("topics", 0, 10)]]);
    expect(judgeLatency(first, second, 3_000).ops).toEqual([]);
  });
});
