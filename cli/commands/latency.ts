import type { Command } from "../command";
import { parseDuration, parsePositiveInt } from "../duration";
import { EXIT } from "../errors";

/** `streambus-ops latency`: request-duration quantiles, error rates, slowest queries. */
export const command: Command = {
  name: "latency",
  order: 110,
  summary:
    "request-duration quantiles and error rates per op over a --sample window of /metrics (an op without requests in it is not judged), and the slowest queries",
  usage: "[--sample 5s] [--top 10]",
  options: { sample: { type: "string" }, top: { type: "string" } },
  async run(ctx, { values }) {
    const sampleMs = typeof values.sample === "string" ? parseDuration(values.sample, "--sample") : 5_000;
    const top = typeof values.top === "string" ? parsePositiveInt(values.top, "--top") : 10;
    const cluster = await ctx.cluster();
    const { diagnoseLatency, formatSeconds } = await import("../../procedures/latency.js");
    const r = await diagnoseLatency(cluster, {
      sampleMs,
      slowQueries: top,
      deadlineMs: ctx.deadlineMs,
      signal: ctx.signal,
    });
    const { out } = ctx;
    out.document(r);
    const window = `${(r.windowMs / 1000).toFixed(1)}s`;
    // An op is judged by its p99 over the window, and only with requests in it; errors are
    // judged per broker (the HighErrorRate alert's measure).
    for (const o of r.ops.filter((x) => x.judged)) {
      const bad = r.problems.some((p) => p.startsWith(`${o.op}:`));
      out.check(
        !bad,
        `${o.op}: p50 ${formatSeconds(o.p50)}, p95 ${formatSeconds(o.p95)}, p99 ${formatSeconds(o.p99)}; ` +
          `${o.errorsPerSecond.toFixed(1)} errors/s (${(o.errorRatio * 100).toFixed(1)}%) over ${window}`,
      );
    }
    const idle = r.ops.filter((x) => !x.judged).map((x) => x.op);
    if (idle.length > 0)
      out.state(`not judged (no requests in the ${window} window): ${idle.sort().join(", ")}`);
    for (const b of r.brokers.filter((x) => x.errorsPerSecond > 0)) {
      const bad = r.problems.find((p) => p.startsWith(`broker-${b.brokerId}:`));
      out.check(
        bad === undefined,
        bad ?? `broker-${b.brokerId}: ${b.errorsPerSecond.toFixed(1)} errors/s, every op`,
      );
    }
    for (const id of r.unreachable) out.check(false, `broker-${id}: metrics not readable`);
    if (r.slowQueries.length) out.line("slowest queries:");
    for (const q of r.slowQueries) out.line(`  ${q.duration_ms} ms  ${q.op}  client ${q.client}  at ${q.at}`);
    return r.ok ? EXIT.ok : EXIT.failed;
  },
};
