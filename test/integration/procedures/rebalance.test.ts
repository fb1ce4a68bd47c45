/**
 * A rebalance asked for while a broker drains, against the emulator over real HTTP: the
 * cluster answers `409 conflict` naming the draining broker and no running rebalance, and
 * that must fail clearly, never be "adopted" as a rebalance that already finished.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Cluster, RebalanceBlockedError, addBroker, checkHealth, rebalance } from "../../../procedures";
import { FAST_CLIENT, eventually, recordingDispatcher, startTestSim, type TestSim } from "../helpers/sim";

let t: TestSim;
let cluster: Cluster;
const DRAINING = "broker 4 is draining: a rebalance cannot start until the drain finishes or is stopped";

// Drains copy at the emulator's rate (slow here: a drain takes seconds, long enough to act
// during it); rebalances set their own throttle, so the setup stays quick.
const FAST_MOVES = { throttleBytesPerS: 64 * 2 ** 20 };

beforeAll(async () => {
  t = await startTestSim({ moveRateBytesPerS: 512 * 2 ** 10, moveOverheadMs: 200 });
  cluster = t.cluster();
  await eventually(async () => (await checkHealth(cluster)).ok, 15_000, "a healthy cluster");
});
afterAll(() => t.stop());

describe("a rebalance while a broker drains", () => {
  it("step 1: broker 4 is added and a rebalance completes", async () => {
    await t.provision(4);
    const r = await addBroker(cluster, 4, FAST_MOVES);
    expect(r.rebalance).toMatchObject({ status: "completed", adopted: false });
    expect((await cluster.admin.rebalanceStatus()).status).toBe("completed");
  });

  it("step 2: with broker 4 draining, rebalance() fails naming the drain, after one start only", async () => {
    await cluster.admin.drain(4);
    expect((await cluster.refresh()).members.find((m) => m.broker_id === 4)?.state).toBe("draining");
    const rec = recordingDispatcher();
    const c = new Cluster(t.urls(1, 2, 3), { ...FAST_CLIENT, dispatcher: rec.dispatcher });
    try {
      const e = await rebalance(c, FAST_MOVES).catch((x: unknown) => x);
      expect(e).toMatchObject({ message: DRAINING });
      expect(e).toBeInstanceOf(RebalanceBlockedError);
      expect((e as RebalanceBlockedError).brokerIds).toEqual([4]);
      // The 409 proves the start was not applied, and sending it again would not help.
      const starts = rec.calls.filter((x) => x.method === "POST" && x.path === "/admin/partitions/rebalance");
      expect(starts.map((x) => x.status)).toEqual([409]);
    } finally {
      await c.close();
      await rec.close();
    }
    expect((await cluster.refresh()).members.find((m) => m.broker_id === 4)?.state).toBe("draining");
  });

  it("step 3: adding broker 5 during the drain joins it, then fails clearly at the rebalance", async () => {
    await t.provision(5);
    const e = await addBroker(cluster, 5, FAST_MOVES).catch((x: unknown) => x);
    expect(e).toMatchObject({ message: DRAINING });
    expect(e).toBeInstanceOf(RebalanceBlockedError);
    const members = (await cluster.refresh()).members;
    expect(members.find((m) => m.broker_id === 5)?.state).toBe("active");
    expect(members.find((m) => m.broker_id === 4)?.state).toBe("draining");
  });

  it("step 4: once the drain is stopped, adding broker 5 again rebalances across all five", async () => {
    await cluster.admin.stopDrain(4);
    const r = await addBroker(cluster, 5, FAST_MOVES);
    expect(r).toMatchObject({ joined: false, activeMembers: [1, 2, 3, 4, 5] });
    expect(r.rebalance).toMatchObject({ status: "completed", adopted: false });
    expect(r.rebalance?.moves.total).toBeGreaterThan(0);
  });

  it("step 5: two rebalances asked for at once: one starts it, the other follows that same run", async () => {
    await t.provision(6);
    await addBroker(cluster, 6, { rebalance: false });
    const [a, b] = await Promise.all([rebalance(cluster, FAST_MOVES), rebalance(cluster, FAST_MOVES)]);
    expect(a.rebalanceId).toMatch(/^rb-\d+$/);
    expect(b.rebalanceId).toBe(a.rebalanceId);
    expect([a.adopted, b.adopted].sort()).toEqual([false, true]);
    expect(a).toMatchObject({ status: "completed" });
    expect(b).toMatchObject({ status: "completed" });
  });
});
