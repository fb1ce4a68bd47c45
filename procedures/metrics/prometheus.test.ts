import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { bucketsOf, histogramQuantile, parsePrometheusText, select, valueOf } from "./prometheus";

const SCRAPE = `# HELP raft_state Raft state
# TYPE raft_state gauge
raft_state{broker_id="1",state="leader"} 1
raft_state{broker_id="1",state="follower"} 0
raft_term{broker_id="1"} 7
disk_free_bytes{broker_id="1"} 5.5e10
# TYPE request_duration_seconds histogram
request_duration_seconds_bucket{broker_id="1",op="produce",le="0.01"} 50
request_duration_seconds_bucket{broker_id="1",op="produce",le="0.1"} 90
request_duration_seconds_bucket{broker_id="1",op="produce",le="1"} 100
request_duration_seconds_bucket{broker_id="1",op="produce",le="+Inf"} 100
request_duration_seconds_sum{broker_id="1",op="produce"} 3.2
request_duration_seconds_count{broker_id="1",op="produce"} 100
errors_total{broker_id="1",op="produce",msg="a \\"quoted\\" \\\\ value\\n"} 4 1700000000000
`;

describe("parsePrometheusText", () => {
  it("reads samples, labels, types, exponents and timestamps", () => {
    const scrape = parsePrometheusText(SCRAPE);
    expect(scrape.types).toEqual({ raft_state: "gauge", request_duration_seconds: "histogram" });
    expect(valueOf(scrape, "raft_state", { state: "leader" })).toBe(1);
    expect(valueOf(scrape, "raft_term")).toBe(7);
    expect(valueOf(scrape, "disk_free_bytes")).toBe(55_000_000_000);
    const [err] = select(scrape, "errors_total");
    expect(err?.labels.msg).toBe('a "quoted" \\ value\n');
    expect(err?.timestampMs).toBe(1_700_000_000_000);
    expect(bucketsOf(scrape, "request_duration_seconds", { op: "produce" })).toEqual([
      { le: 0.01, count: 50 },
      { le: 0.1, count: 90 },
      { le: 1, count: 100 },
      { le: Infinity, count: 100 },
    ]);
  });

  it("names the line of a malformed sample", () => {
    expect(() => parsePrometheusText("ok 1\nbad{x=1} 2\n")).toThrow("metrics line 2");
    expect(() => parsePrometheusText('x{a="b"} notanumber')).toThrow('bad value "notanumber"');
    expect(() => parsePrometheusText('x{a="b} 1')).toThrow("unterminated label value");
  });
});

describe("histogramQuantile", () => {
  const buckets = [
    { le: 0.01, count: 50 },
    { le: 0.1, count: 90 },
    { le: 1, count: 100 },
    { le: Infinity, count: 100 },
  ];

  it("interpolates inside the bucket as PromQL does", () => {
    expect(histogramQuantile(0.5, buckets)).toBeCloseTo(0.01);
    expect(histogramQuantile(0.7, buckets)).toBeCloseTo(0.01 + 0.09 * 0.5);
    expect(histogramQuantile(0.99, buckets)).toBeCloseTo(0.1 + 0.9 * 0.9);
  });

  it("gives the highest finite bound in +Inf and NaN with no observations", () => {
    expect(
      histogramQuantile(0.99, [
        { le: 1, count: 1 },
        { le: Infinity, count: 10 },
      ]),
    ).toBe(1);
    expect(histogramQuantile(0.5, [{ le: Infinity, count: 0 }])).toBeNaN();
  });

  it("is monotonic in q and bounded by the buckets (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat(1000), { minLength: 1, maxLength: 8 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (counts, a, b) => {
          let total = 0;
          const bs = counts.map((c, i) => ({ le: (i + 1) * 0.1, count: (total += c) }));
          bs.push({ le: Infinity, count: total + 0 });
          if (total === 0) return;
          const [lo, hi] = a <= b ? [a, b] : [b, a];
          const x = histogramQuantile(lo, bs);
          const y = histogramQuantile(hi, bs);
          expect(x).toBeLessThanOrEqual(y + 1e-9);
          expect(y).toBeLessThanOrEqual(bs[bs.length - 2]!.le + 1e-9);
          expect(x).toBeGreaterThanOrEqual(0);
        },
      ),
    );
  });
});
