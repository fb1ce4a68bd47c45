/**
 * Health, quorum and partition checks against a 3-broker emulator over real HTTP, as steps
 * with a check after each: all well, a broker down, a slow broker, a lost quorum, a split
 * brain, each healed before the next.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  Cluster,
  GuardError,
  checkHealth,
  checkPartitions,
  checkQuorum,
  removeBroker,
} from "../../../procedures";
import { FAST_CLIENT, eventually, startTestSim, type TestSim } from "../helpers/sim";

let t: TestSim;
let cluster: Cluster;

beforeAll(async () => {
  // A leader cut off keeps saying it leads for 3 s: long enough to see the split brain.
  t = await startTestSim({ checkQuorumMs: 3_000 });
  cluster = t.cluster();
  await eventually(async () => (await checkHealth(cluster)).ok, 15_000, "a healthy cluster");
});
afterAll(() => t.stop());
afterEach(async () => {
  await t.clearFaults();
  await t.heal();
  for (const id of [1, 2, 3]) await t.startBroker(id);
  await eventually(
    async () => (await checkHealth(cluster)).ok && (await checkQuorum(cluster)).ok,
    20_000,
    "healed",
  );
});

describe("checks on a healthy cluster", () => {
  it("health: every broker healthy, quorum 3/3, balanced, disk read", async () => {
    const r = await checkHealth(cluster);
    expect(r.brokers.map((b) => [b.brokerId, b.status])).toEqual([
      [1, "healthy"],
      [2, "healthy"],
      [3, "healthy"],
    ]);
    expect(r.brokers.filter((b) => b.role === "leader")).toHaveLength(1);
    expect(r.quorum).toMatchObject({ ok: true, voters: [1, 2, 3], liveVoters: [1, 2, 3] });
    expect(r.partitions).toMatchObject({ ok: true, balanced: true, total: 12, unhealthy: 0 });
    expect(r.disk.brokers).toHaveLength(3);
    for (const d of r.disk.brokers) {
      expect(d.totalBytes).toBeGreaterThan(0);
      expect(d.usedPercent).toBe(Math.round(((d.totalBytes - d.freeBytes) / d.totalBytes) * 100));
    }
    expect(r.disk.maxUsedPercent).toBe(Math.max(...r.disk.brokers.map((d) => d.usedPercent)));
    expect(r.ok).toBe(true);
  });

  it("quorum: one leader, one term, no findings; partitions all healthy", async () => {
    const q = await checkQuorum(cluster);
    expect(q.ok).toBe(true);
    expect(q.findings).toEqual([]);
    expect(new Set(q.views.map((v) => v.term)).size).toBe(1);
    const p = await checkPartitions(cluster);
    expect(p).toMatchObject({ ok: true, total: 12, healthy: 12, unhealthy: [] });
  });
});

describe("faults", () => {
  it("a broker down: named unreachable, quorum kept, the handle fails over from it", async () => {
    await t.stopBroker(3);
    // The handle is given the dead broker first: every call must fail over to the others.
    const viaDead = new Cluster(t.urls(3, 1, 2), FAST_CLIENT);
    try {
      await eventually(
        async () => (await checkPartitions(viaDead)).unhealthy.length > 0,
        10_000,
        "under-replication",
      );
      const r = await checkHealth(viaDead);
      expect(r.brokers.find((b) => b.brokerId === 3)).toMatchObject({
        status: "unreachable",
        reason: "ECONNREFUSED",
      });
      expect(r.quorum).toMatchObject({ ok: true, liveVoters: [1, 2] });
      expect(r.ok).toBe(false);
      const q = await checkQuorum(viaDead);
      expect(q.ok).toBe(true);
      expect(q.findings).toEqual([{ kind: "unreachable", message: "unreachable: broker 3 (ECONNREFUSED)" }]);
      const p = await checkPartitions(viaDead);
      expect(p.ok).toBe(false);
      expect(p.byReason.under_replicated).toBeGreaterThan(0);
      // Every unhealthy partition has a replica on the broker that went down.
      expect(p.unhealthy.every((u) => u.replicas.includes(3) && u.reason === "under_replicated")).toBe(true);
    } finally {
      await viaDead.close();
    }
  });

  it("a broker answering 500 to every admin call: every check fails over from it, listed first", async () => {
    await t.fault({ broker_id: 1, error_rate: 1 });
    const viaBroken = new Cluster(t.urls(1, 2, 3), FAST_CLIENT);
    try {
      const members = await viaBroken.refresh();
      expect(members.members.map((m) => m.broker_id).sort()).toEqual([1, 2, 3]);
      const h = await checkHealth(viaBroken);
      expect(h.quorum.ok).toBe(true);
      const q = await checkQuorum(viaBroken);
      expect(q.ok).toBe(true);
      expect(q.views.find((v) => v.brokerId === 1)).toMatchObject({
        reachable: false,
        error: "HTTP 500 internal",
      });
      expect((await checkPartitions(viaBroken)).ok).toBe(true);
    } finally {
      await viaBroken.close();
    }
  });

  it("a broker slower than the read timeout, listed first: reads fail over within the deadline", async () => {
    await t.fault({ broker_id: 1, latency_ms: 3_000 });
    const viaSlow = new Cluster(t.urls(1, 2, 3), { ...FAST_CLIENT, timeouts: { read: 500, health: 500 } });
    try {
      const started = Date.now();
      expect((await checkPartitions(viaSlow, { deadlineMs: 5_000 })).ok).toBe(true);
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      await viaSlow.close();
    }
  });

  it("a slow broker: its health times out and is named; the check still ends in time", async () => {
    await t.fault({ broker_id: 2, latency_ms: 2_500 });
    const started = Date.now();
    const r = await checkHealth(cluster);
    expect(Date.now() - started).toBeLessThan(15_000);
    const b2 = r.brokers.find((b) => b.brokerId === 2);
    expect(b2?.status).toBe("unreachable");
    expect(b2?.reason).toMatch(/^timed out after \d+ ms$/);
    expect(r.brokers.filter((b) => b.status === "healthy").map((b) => b.brokerId)).toEqual([1, 3]);
  });

  it("a lost quorum: no leader is named, health fails, removal is refused", async () => {
    await t.stopBroker(2);
    await t.stopBroker(3);
    await eventually(
      async () => (await checkQuorum(cluster)).findings.some((f) => f.kind === "no_leader"),
      15_000,
      "no leader",
    );
    const q = await checkQuorum(cluster);
    expect(q.ok).toBe(false);
    expect(q.findings.map((f) => f.kind)).toEqual(
      expect.arrayContaining(["no_leader", "no_majority", "unreachable"]),
    );
    const h = await checkHealth(cluster);
    expect(h.quorum.ok).toBe(false);
    expect(h.ok).toBe(false);
    await expect(removeBroker(cluster, 1)).rejects.toBeInstanceOf(GuardError);
  });

  it("a split brain: two leaders and disagreeing terms are named; removal is refused", async () => {
    let before = await checkQuorum(cluster);
    await eventually(
      async () => (before = await checkQuorum(cluster)).ok,
      10_000,
      "one leader before the cut",
    );
    const oldLeader = before.leaderId!;
    const others = [1, 2, 3].filter((id) => id !== oldLeader);
    await t.cut([[oldLeader], others]);
    await eventually(
      async () => (await checkQuorum(cluster)).findings.some((f) => f.kind === "split_brain"),
      5_000,
      "split brain",
    );
    const q = await checkQuorum(cluster);
    expect(q.ok).toBe(false);
    const kinds = q.findings.map((f) => f.kind);
    expect(kinds).toEqual(expect.arrayContaining(["split_brain", "term_mismatch", "leader_mismatch"]));
    const split = q.findings.find((f) => f.kind === "split_brain")!;
    expect(split.message).toContain(`broker ${oldLeader} (term ${before.highestTerm})`);
    expect(q.highestTerm).toBeGreaterThan(before.highestTerm!);
    const err = await removeBroker(cluster, others[0]!, { force: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GuardError);
    expect((err as Error).message).toContain("no single leader");
  });

  it("health reaches the quorum check's verdict whatever the order of the brokers, split brain included", async () => {
    let before = await checkQuorum(cluster);
    await eventually(async () => (before = await checkQuorum(cluster)).ok, 10_000, "one leader");
    const oldLeader = before.leaderId!;
    const others = [1, 2, 3].filter((id) => id !== oldLeader);
    const orders = [t.urls(oldLeader, ...others), t.urls(...others.reverse(), oldLeader)].map(
      (urls) => new Cluster(urls, FAST_CLIENT),
    );
    const kinds = (findings: Array<{ kind: string }>) => findings.map((f) => f.kind).sort();
    try {
      await t.cut([[oldLeader], others]);
      await eventually(
        async () => (await checkQuorum(cluster)).findings.some((f) => f.kind === "split_brain"),
        5_000,
        "split brain",
      );
      for (const c of orders) {
        const h = await checkHealth(c);
        expect(h.quorum.ok).toBe(false);
        expect(kinds(h.quorum.findings)).toContain("split_brain");
      }
      // Once the old leader gives up leading, the verdict settles: both orders must match it.
      await eventually(
        async () => !(await checkQuorum(cluster)).findings.some((f) => f.kind === "split_brain"),
        10_000,
        "the old leader to step down",
      );
      const q = await checkQuorum(cluster);
      for (const c of orders) {
        const h = await checkHealth(c);
        expect({ ok: h.quorum.ok, kinds: kinds(h.quorum.findings) }).toEqual({
          ok: q.ok,
          kinds: kinds(q.findings),
        });
      }
    } finally {
      await Promise.all(orders.map((c) => c.close()));
    }
  });
});
