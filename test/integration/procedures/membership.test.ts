/**
 * Add and remove brokers against the emulator over real HTTP, as steps with a check after
 * each: add, add again (idempotent), remove, remove again; under 20 % injected errors with
 * every request recorded; and with a deadline that runs out, then a rerun that finishes.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  Cluster,
  DeadlineExceededError,
  GuardError,
  addBroker,
  balanceOf,
  checkHealth,
  removeBroker,
  type ProgressEvent,
} from "../../../procedures";
import { FAST_CLIENT, eventually, recordingDispatcher, startTestSim, type TestSim } from "../helpers/sim";

let t: TestSim;
let cluster: Cluster;

beforeAll(async () => {
  t = await startTestSim();
  cluster = t.cluster();
  await eventually(async () => (await checkHealth(cluster)).ok, 15_000, "a healthy cluster");
});
afterAll(() => t.stop());

/**
 * What a removal promises: nothing left outside `ids` and nothing lost. (A drain spreads the
 * broker's replicas over the others, but under injected errors not always within one of even.)
 */
async function assertHeldOnlyBy(ids: number[]): Promise<void> {
  const parts = await cluster.admin.partitions();
  expect(balanceOf(parts.partitions, ids).elsewhere).toEqual({});
  const integrity = await t.integrity();
  expect(integrity).toMatchObject({ lost_messages: 0, diverged_replicas: 0, offline: 0 });
}

async function assertBalancedOver(ids: number[]): Promise<void> {
  const parts = await cluster.admin.partitions();
  expect(balanceOf(parts.partitions, ids).balanced).toBe(true);
  const integrity = await t.integrity();
  expect(integrity).toMatchObject({ lost_messages: 0, diverged_replicas: 0, offline: 0 });
}

describe("add and remove a broker", () => {
  it("step 1: adds broker 4: waits for registration, joins, rebalances with progress", async () => {
    await t.provision(4);
    const events: ProgressEvent[] = [];
    const r = await addBroker(cluster, 4, { onProgress: (e) => events.push(e) });
    expect(r).toMatchObject({ brokerId: 4, joined: true, activeMembers: [1, 2, 3, 4] });
    expect(r.rebalance?.status).toBe("completed");
    expect(r.rebalance?.moves.total).toBeGreaterThan(0);
    expect(r.rebalance?.moves.done).toBe(r.rebalance?.moves.total);
    expect(events.map((e) => e.step)).toEqual(expect.arrayContaining(["register", "join", "rebalance"]));
    const last = events.filter((e) => e.step === "rebalance").at(-1)!;
    expect(last.percent).toBe(100);
    expect(last.bytes?.total).toBeGreaterThan(0);
    expect(last.message).toMatch(/^rebalance rb-\d+: \d+\/\d+ moves, .* \(100%\)$/);
    await assertBalancedOver([1, 2, 3, 4]);
    expect((await cluster.admin.brokerPartitions(4)).count).toBeGreaterThan(0);
  });

  it("step 2: adding broker 4 again changes nothing", async () => {
    const r = await addBroker(cluster, 4);
    expect(r.joined).toBe(false);
    expect(r.rebalance).toMatchObject({ rebalanceId: null, moves: { done: 0, total: 0 } });
  });

  it("step 3: removes broker 4: drains with progress, waits until empty, leaves", async () => {
    const events: ProgressEvent[] = [];
    const r = await removeBroker(cluster, 4, { onProgress: (e) => events.push(e) });
    expect(r).toMatchObject({
      brokerId: 4,
      alreadyGone: false,
      drainStarted: true,
      left: true,
      overriddenGuards: [],
    });
    expect(r.partitionsBefore).toBeGreaterThan(0);
    expect(events.filter((e) => e.step === "drain").at(-1)?.percent).toBe(100);
    expect(cluster.brokerIds).not.toContain(4);
    expect((await cluster.refresh()).members.map((m) => m.broker_id)).toEqual([1, 2, 3]);
    await assertBalancedOver([1, 2, 3]);
  });

  it("step 4: removing broker 4 again is a no-op; removing a voter of three is refused", async () => {
    expect(await removeBroker(cluster, 4)).toMatchObject({ alreadyGone: true });
    const e = await removeBroker(cluster, 3).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(GuardError);
    expect((e as GuardError).guard).toBe("min_voters");
    expect((e as Error).message).toContain(
      "refusing to remove broker 3: only 2 voters would remain (at least 3 are needed)",
    );
    expect((await cluster.refresh()).members.find((m) => m.broker_id === 3)?.state).toBe("active");
  });
});

describe("under 20 % injected errors", () => {
  it("adds and removes broker 5, and starts exactly one rebalance", async () => {
    const rec = recordingDispatcher();
    const c = new Cluster(t.urls(1, 2, 3), {
      ...FAST_CLIENT,
      retry: { retries: 8, minDelayMs: 10, maxDelayMs: 100 },
      dispatcher: rec.dispatcher,
    });
    try {
      const before = (await c.admin.rebalanceStatus()).rebalance_id ?? "rb-0";
      await t.provision(5);
      await t.fault({ error_rate: 0.2 });
      const added = await addBroker(c, 5);
      const after = await c.admin.rebalanceStatus();
      // rb-N is counted by the emulator: one more than before means one rebalance was started.
      expect(Number(after.rebalance_id!.slice(3))).toBe(Number(before.slice(3)) + 1);
      expect(added.rebalance?.rebalanceId).toBe(after.rebalance_id);
      // A rebalance start is never re-sent blindly after an answer that may hide its success:
      // between two starts, the status was read (and showed none running).
      const isStart = (x: { method: string; path: string }) =>
        x.method === "POST" && x.path === "/admin/partitions/rebalance";
      const startIdx = rec.calls.flatMap((x, i) => (isStart(x) ? [i] : []));
      for (let k = 0; k + 1 < startIdx.length; k++) {
        const between = rec.calls.slice(startIdx[k]! + 1, startIdx[k + 1]);
        if (rec.calls[startIdx[k]!]!.status === 503) continue; // proven not applied: a plain retry
        expect(between.some((x) => x.path === "/admin/partitions/rebalance-status" && x.status === 200)).toBe(
          true,
        );
      }

      const removed = await removeBroker(c, 5);
      expect(removed.left).toBe(true);
      // The faults did strike (about 40 calls at 20 %: none failing would be a 1-in-7,000 run).
      expect(rec.calls.filter((x) => x.status === 500).length).toBeGreaterThan(0);
      await t.clearFaults();
      expect((await c.refresh()).members.map((m) => m.broker_id)).toEqual([1, 2, 3]);
      await assertHeldOnlyBy([1, 2, 3]);
    } finally {
      await t.clearFaults();
      await c.close();
      await rec.close();
    }
  });
});

describe("with a slow broker", () => {
  it("adds and removes broker 7 while a broker answers slower than the client's timeouts", async () => {
    // A follower is slow (a slow leader slows every write, as followers forward to it), and
    // it is the first URL the handle is given: calls time out on it and fail over.
    const leader = (await cluster.refresh()).leader_id!;
    const slow = [1, 2, 3].find((id) => id !== leader)!;
    const timeouts = { health: 500, read: 800, write: 1_000, bulk: 1_000 };
    const c = new Cluster(t.urls(slow, ...[1, 2, 3].filter((id) => id !== slow)), {
      ...FAST_CLIENT,
      timeouts,
    });
    try {
      await t.provision(7);
      await t.fault({ broker_id: slow, latency_ms: 1_200 });
      const started = Date.now();
      const added = await addBroker(c, 7);
      expect(added).toMatchObject({ joined: true, rebalance: { status: "completed" } });
      const removed = await removeBroker(c, 7);
      expect(removed.left).toBe(true);
      expect(Date.now() - started).toBeLessThan(30_000);
    } finally {
      await t.clearFaults();
      await c.close();
    }
    expect((await cluster.refresh()).members.map((m) => m.broker_id)).toEqual([1, 2, 3]);
    await assertBalancedOver([1, 2, 3]);
  });
});

describe("a deadline that runs out", () => {
  // Its own emulator with slow moves (2 MiB/s): a rebalance or drain takes seconds.
  let slow: TestSim;
  let sc: Cluster;
  beforeAll(async () => {
    slow = await startTestSim({ moveRateBytesPerS: 2 * 2 ** 20, moveOverheadMs: 200 });
    sc = slow.cluster();
    await eventually(async () => (await checkHealth(sc)).ok, 15_000, "a healthy cluster");
    await slow.provision(4);
  });
  afterAll(() => slow.stop());

  it("stops adding broker 4 mid-rebalance with a clear error; a rerun finishes without a second rebalance", async () => {
    const e = await addBroker(sc, 4, { deadlineMs: 1_500 }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(DeadlineExceededError);
    expect((e as Error).message).toMatch(
      /^add broker 4: deadline of 1\.5s ran out; left: rebalance rb-\d+ at \d+\/\d+ moves \(.*%\), still running on the cluster\. Nothing was rolled back: run it again to continue\.$/,
    );
    const running = await sc.admin.rebalanceStatus();
    expect(running.status).toBe("running");
    const r = await addBroker(sc, 4);
    expect(r.joined).toBe(false);
    expect(r.rebalance).toMatchObject({
      rebalanceId: running.rebalance_id,
      adopted: true,
      status: "completed",
    });
    const parts = await sc.admin.partitions();
    expect(balanceOf(parts.partitions, [1, 2, 3, 4]).balanced).toBe(true);
  });

  it("stops removing broker 4 mid-drain; a rerun finishes the drain and leaves", async () => {
    const e = await removeBroker(sc, 4, { deadlineMs: 600 }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(DeadlineExceededError);
    expect((e as Error).message).toMatch(
      /^remove broker 4: deadline of 0\.6s ran out; left: broker 4 still holds \d+ partition replicas \(the drain goes on in the cluster\), then leave\. Nothing was rolled back: run it again to continue\.$/,
    );
    expect((await sc.refresh()).members.find((m) => m.broker_id === 4)?.state).toBe("draining");
    const r = await removeBroker(sc, 4);
    expect(r).toMatchObject({ drainStarted: false, left: true });
    expect(sc.brokerIds).toEqual([1, 2, 3]);
    expect(await slow.integrity()).toMatchObject({ lost_messages: 0, diverged_replicas: 0, offline: 0 });
  });
});
