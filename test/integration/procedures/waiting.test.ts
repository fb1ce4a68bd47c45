/**
 * Adaptive waiting against the emulator: the status calls a rebalance's wait costs, counted
 * at the emulator (`GET /sim/requests`), and how soon after the emulator finished it the wait
 * returned. An hour-long rebalance is run 1:200 (18 s, every pause scaled by the same factor),
 * so its poll count is the one of the real hour.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rebalance, type Cluster } from "../../../procedures";
import { eventually, startTestSim, type TestSim } from "../helpers/sim";

let t: TestSim;
let cluster: Cluster;

beforeAll(async () => {
  // One 16 MiB partition per move: a rebalance onto a fourth broker takes seconds at a throttle.
  t = await startTestSim({
    topics: [{ name: "events", partitions: 12, replicationFactor: 3, sizeBytes: 16 * 2 ** 20 }],
  });
  cluster = t.cluster();
  await t.provision(4);
  await t.provision(5);
  await eventually(async () => (await cluster.refresh()).members.length === 5, 10_000, "5 members");
  await cluster.admin.join(4);
  await cluster.admin.join(5);
});
afterAll(() => t.stop());

async function statusCalls(): Promise<number> {
  const { requests } = await t.requests();
  return requests
    .filter((r) => r.method === "GET" && r.path === "/admin/partitions/rebalance-status")
    .reduce((s, r) => s + r.count, 0);
}

/** Rebalances onto `brokers` and returns the status calls it cost and how late it noticed the end. */
async function measured(brokers: number[], throttle: number, polling?: object) {
  const before = await statusCalls();
  const report = await rebalance(cluster, {
    brokers,
    throttleBytesPerS: throttle,
    maxConcurrentMoves: 2,
    polling,
  });
  const returnedAt = Date.now();
  const status = await cluster.admin.rebalanceStatus();
  return {
    report,
    calls: (await statusCalls()) - before,
    lateMs: returnedAt - Date.parse(status.finished_at!),
    tookMs: returnedAt - Date.parse(status.started_at!),
  };
}

describe("adaptive waiting", () => {
  it("notices the end of a rebalance of seconds within a second, in fewer polls than a fixed 250 ms", async () => {
    const r = await measured([1, 2, 3, 4], 8 * 2 ** 20);
    expect(r.report.moves.total).toBeGreaterThan(0);
    expect(r.tookMs).toBeGreaterThan(4_000);
    expect(r.lateMs).toBeLessThan(1_000);
    expect(r.calls).toBeLessThan((r.tookMs / 250) * 0.75);
    console.log(`rebalance of ${r.tookMs} ms: ${r.calls} status calls, end noticed ${r.lateMs} ms late`);
  });

  it("an hour-long rebalance, run 1:200, costs at most a couple of hundred status calls", async () => {
    const scale = 1 / 200;
    const polling = { minPauseMs: 250 * scale, backoffMaxMs: 5_000 * scale, maxPauseMs: 30_000 * scale };
    // Throttle chosen so that the moves onto broker 5 take about 18 s (one real hour / 200).
    const plan = await cluster.admin.rebalancePlan({ brokers: [1, 2, 3, 4, 5] });
    const throttle = Math.round(plan.bytes_total / 2 / 18);
    const r = await measured([1, 2, 3, 4, 5], throttle, polling);
    expect(r.tookMs).toBeGreaterThan(12_000);
    expect(r.calls).toBeLessThan(250);
    // Polling every 250 ms of real time would have cost 14,400 calls over the hour.
    console.log(
      `scaled hour (${r.tookMs} ms = ${Math.round(r.tookMs / scale / 60_000)} min): ${r.calls} status calls`,
    );
  });
});
