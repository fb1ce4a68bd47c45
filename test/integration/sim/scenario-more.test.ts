import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MembersResponse, TopicsResponse } from "../../../procedures/contract";
import { IntegrityResponse, type SimCluster } from "../../../sim";
import { call, expectIntact, obj, replicaCounts, startFormed, waitFor, waitRebalance } from "./helpers";

describe("scenario: two brokers drained at once (parallel deletes), then both leave", () => {
  let sim: SimCluster;
  beforeAll(async () => {
    sim = await startFormed({ brokers: 5 });
    for (const id of [4, 5]) await call(sim.brokerUrl(1), "POST", "/admin/cluster/join", { broker_id: id });
    expect((await call(sim.brokerUrl(1), "POST", "/admin/partitions/rebalance", {})).status).toBe(202);
    expect((await waitRebalance(sim))["status"]).toBe("completed");
  });
  afterAll(() => sim.stop());

  it("moves every replica of 4 and 5 onto 1..3 and loses nothing", async () => {
    const [a, b] = await Promise.all(
      [4, 5].map((id) => call(sim.brokerUrl(2), "POST", `/admin/brokers/${id}/drain`)),
    );
    expect([a?.status, b?.status]).toEqual([202, 202]);
    await waitFor("both drained", async () => {
      const m = MembersResponse.parse(obj(await call(sim.brokerUrl(1), "GET", "/admin/cluster/members")));
      return m.members.filter((x) => x.state === "drained").length === 2;
    });
    const counts = await replicaCounts(sim);
    expect([...counts.keys()].sort()).toEqual([1, 2, 3]);
    for (const id of [4, 5]) {
      const res = await call(sim.brokerUrl(1), "POST", "/admin/cluster/leave", { broker_id: id });
      expect([res.status, obj(res)["state"]]).toEqual([200, "left"]);
    }
    await expectIntact(sim, { healthy: true });
  });
});

describe("faults and the integrity check", () => {
  let sim: SimCluster;
  beforeAll(async () => {
    sim = await startFormed({ brokers: 3 });
  });
  afterAll(() => sim.stop());

  it("an injected 500 sometimes hides a write that took effect: retrying must be safe", async () => {
    await call(sim.controlUrl, "POST", "/sim/faults", { broker_id: 2, error_rate: 1 });
    for (let i = 0; i < 20; i++) {
      const res = await call(sim.brokerUrl(2), "PUT", `/admin/topics/lost-${i}`, {
        partitions: 1,
        replication_factor: 1,
      });
      expect(res.status).toBe(500);
    }
    await call(sim.controlUrl, "DELETE", "/sim/faults");
    const topics = TopicsResponse.parse(obj(await call(sim.brokerUrl(1), "GET", "/admin/topics")));
    const applied = topics.topics.filter((t) => t.name.startsWith("lost-")).length;
    // About half: neither none (all refused up front) nor all (no response ever lost).
    expect(applied).toBeGreaterThan(0);
    expect(applied).toBeLessThan(20);
  });

  it("detects loss: destroying the only copy of acknowledged messages counts them lost", async () => {
    const put = await call(sim.brokerUrl(1), "PUT", "/admin/topics/fragile", {
      partitions: 3,
      replication_factor: 1,
    });
    expect(put.status).toBe(200);
    const parts = obj(await call(sim.brokerUrl(1), "GET", "/admin/partitions"))["partitions"] as {
      topic: string;
      replicas: number[];
      log_end_offset: number;
    }[];
    const onThree = parts.filter((p) => p.topic === "fragile" && p.replicas.includes(3));
    expect(onThree.length).toBeGreaterThan(0);
    await waitFor("messages acknowledged on broker 3's copy", async () => {
      const now = obj(await call(sim.brokerUrl(1), "GET", "/admin/partitions"))["partitions"] as typeof parts;
      return now.some((p) => p.topic === "fragile" && p.replicas.includes(3) && p.log_end_offset > 0);
    });
    await call(sim.controlUrl, "POST", "/sim/brokers/3/stop");
    const stopped = IntegrityResponse.parse(obj(await call(sim.controlUrl, "GET", "/sim/integrity")));
    // A crash keeps the disk: unavailable, not lost.
    expect(stopped.lost_messages).toBe(0);
    expect(stopped.offline).toBeGreaterThanOrEqual(onThree.length);
    await call(sim.controlUrl, "DELETE", "/sim/brokers/3");
    const destroyed = IntegrityResponse.parse(obj(await call(sim.controlUrl, "GET", "/sim/integrity")));
    expect(destroyed.lost_messages).toBeGreaterThan(0);
  });
});

describe("the healthy path stays intact under every-broker latency", () => {
  let sim: SimCluster;
  beforeAll(async () => {
    sim = await startFormed({ brokers: 3 });
  });
  afterAll(() => sim.stop());

  it("a forwarded write pays the follower's and the leader's latency", async () => {
    await call(sim.controlUrl, "POST", "/sim/faults", { latency_ms: 100 });
    const started = Date.now();
    expect(
      (await call(sim.brokerUrl(3), "PUT", "/admin/topics/slow", { partitions: 1, replication_factor: 3 }))
        .status,
    ).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    await call(sim.controlUrl, "DELETE", "/sim/faults");
    await expectIntact(sim, { healthy: true });
  });
});
