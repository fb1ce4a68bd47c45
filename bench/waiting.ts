/**
 * The adaptive wait (procedures/pacing.ts): how many status polls a rebalance's wait costs,
 * counted at the emulator, against polling every 250 ms, and how late it notices the end
 * (the emulator's `finished_at` to the wait's return; target: about a second). An hour-long
 * rebalance is run 1:200, every pause scaled by the same factor, so its poll count is the real
 * hour's.
 */
import { Cluster, rebalance, type PollingOptions } from "../procedures";
import { startSim, type SimCluster } from "../sim";
import { print, ratio, s } from "./measure";
import { adminCalls, control, resetAdminCalls, waitForMembers } from "./sim-control";

const STATUS = "/admin/partitions/rebalance-status";

async function measured(
  sim: SimCluster,
  cluster: Cluster,
  brokers: number[],
  throttle: number,
  polling?: Partial<PollingOptions>,
): Promise<{ calls: number; lateMs: number; tookMs: number; moves: number }> {
  await resetAdminCalls(sim);
  const report = await rebalance(cluster, {
    brokers,
    throttleBytesPerS: throttle,
    maxConcurrentMoves: 2,
    polling,
  });
  const returnedAt = Date.now();
  const status = await cluster.admin.rebalanceStatus();
  return {
    calls: (await adminCalls(sim)).count("GET", STATUS),
    lateMs: returnedAt - Date.parse(status.finished_at!),
    tookMs: returnedAt - Date.parse(status.started_at!),
    moves: report.moves.total,
  };
}

/** The adaptive wait's figures, on a 5-broker emulator with 16 MiB partitions. */
export async function waitingBench(): Promise<void> {
  const sim = await startSim({
    brokers: 3,
    registerDelayMs: 50,
    electionDelayMs: 300,
    moveOverheadMs: 100,
    moveRateBytesPerS: 16 * 2 ** 20,
    produceRateMsgsPerS: 100,
    tickMs: 50,
    topics: [{ name: "events", partitions: 12, replicationFactor: 3, sizeBytes: 16 * 2 ** 20 }],
  });
  const cluster = new Cluster([sim.brokerUrl(1)]);
  try {
    await waitForMembers(sim, 3);
    for (const id of [4, 5]) await control(sim).provision({ broker_id: id });
    await waitForMembers(sim, 5);
    for (const id of [4, 5]) await cluster.admin.join(id);

    const short = await measured(sim, cluster, [1, 2, 3, 4], 8 * 2 ** 20);
    const fixed = short.tookMs / 250;
    print({
      name: `adaptive wait, a rebalance of ${s(short.tookMs)} (${short.moves} moves): status polls / polling every 250 ms`,
      value: short.calls / fixed,
      shown: `${(short.calls / fixed).toFixed(2)}×`,
      detail: `${short.calls} status polls against ${Math.round(fixed)}`,
      reproduce: "node dist/bench/index.js waiting",
    });
    print({
      name: "adaptive wait, the end of that rebalance noticed after the emulator's finished_at",
      value: short.lateMs,
      shown: s(short.lateMs),
      target: { text: "≤ about 1 s", met: short.lateMs <= 1_000 },
      detail: `${ratio(short.lateMs, short.tookMs).shown} the rebalance's own ${s(short.tookMs)}`,
      reproduce: "node dist/bench/index.js waiting",
    });

    const scale = 1 / 200;
    const polling = { minPauseMs: 250 * scale, backoffMaxMs: 5_000 * scale, maxPauseMs: 30_000 * scale };
    const plan = await cluster.admin.rebalancePlan({ brokers: [1, 2, 3, 4, 5] });
    const throttle = Math.round(plan.bytes_total / 2 / 18);
    const hour = await measured(sim, cluster, [1, 2, 3, 4, 5], throttle, polling);
    const realMs = hour.tookMs / scale;
    print({
      name: `adaptive wait, a rebalance of ${Math.round(realMs / 60_000)} min (run 1:200): status polls / polling every 250 ms`,
      value: hour.calls / (realMs / 250),
      shown: `${(hour.calls / (realMs / 250)).toFixed(3)}×`,
      detail: `${hour.calls} status polls against ${Math.round(realMs / 250)}; the end noticed ${s(hour.lateMs / scale)} late at real scale (${s(hour.lateMs)} run 1:200)`,
      reproduce: "node dist/bench/index.js waiting",
    });
  } finally {
    await cluster.close();
    await sim.stop();
  }
}
