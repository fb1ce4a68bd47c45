import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ApiErrorBody,
  BrokerPartitionsResponse,
  MembersResponse,
  PartitionsResponse,
  RebalanceStarted,
  RebalanceStatus,
} from "../../../procedures/contract";
import { ProvisionResponse, type SimCluster } from "../../../sim";
import { call, expectIntact, obj, replicaCounts, startFormed, waitFor, waitRebalance } from "./helpers";

async function members(sim: SimCluster): Promise<MembersResponse["members"]> {
  return MembersResponse.parse(obj(await call(sim.brokerUrl(1), "GET", "/admin/cluster/members"))).members;
}

async function totalOffsets(sim: SimCluster): Promise<number> {
  const parts = PartitionsResponse.parse(obj(await call(sim.brokerUrl(1), "GET", "/admin/partitions")));
  return parts.partitions.reduce((s, p) => s + p.log_end_offset, 0);
}

describe("scenario: add a fourth broker (provision, join, rebalance), then remove it (drain, leave, destroy)", () => {
  let sim: SimCluster;
  beforeAll(async () => {
    sim = await startFormed({ brokers: 3, moveRateBytesPerS: 4 * 2 ** 20 });
  });
  afterAll(() => sim.stop());

  it("step 1: provisioning broker 4 answers 201 (twice: idempotent); it registers as a learner", async () => {
    const first = await call(sim.controlUrl, "POST", "/sim/brokers", { broker_id: 4, rack: "a" });
    expect([first.status, ProvisionResponse.parse(first.body)]).toEqual([
      201,
      { broker_id: 4, admin_url: sim.brokerUrl(4) },
    ]);
    expect((await call(sim.controlUrl, "POST", "/sim/brokers", { broker_id: 4, rack: "a" })).status).toBe(
      201,
    );
    const other = await call(sim.controlUrl, "POST", "/sim/brokers", { broker_id: 4, rack: "b" });
    expect(other.status).toBe(409);
    await waitFor(
      "broker 4 to register",
      async () => (await members(sim)).find((m) => m.broker_id === 4)?.state === "learner",
    );
  });

  it("step 2: join makes it an active voter holding nothing yet", async () => {
    const res = await call(sim.brokerUrl(4), "POST", "/admin/cluster/join", { broker_id: 4 });
    expect(res.status).toBe(200);
    expect((await members(sim)).find((m) => m.broker_id === 4)).toMatchObject({
      state: "active",
      partitions: 0,
    });
  });

  it("step 3: the rebalance moves replicas at the move rate while traffic keeps offsets growing, to balance", async () => {
    const offsetsBefore = await totalOffsets(sim);
    const res = await call(sim.brokerUrl(2), "POST", "/admin/partitions/rebalance", {
      max_concurrent_moves: 4,
    });
    const started = RebalanceStarted.parse(res.body);
    expect([res.status, started.status]).toEqual([202, "running"]);
    const seen = new Set<number>();
    const done = await waitFor("the rebalance to complete", async () => {
      const s = RebalanceStatus.parse(
        obj(await call(sim.brokerUrl(3), "GET", "/admin/partitions/rebalance-status")),
      );
      seen.add(s.moves_completed);
      return s.status !== "running" ? s : undefined;
    });
    expect(done).toMatchObject({ status: "completed", error: null, rebalance_id: started.rebalance_id });
    expect(done.moves_completed).toBe(started.moves_total);
    // Progress was reported along the way, not all at once.
    expect(seen.size).toBeGreaterThan(2);
    const counts = await replicaCounts(sim);
    expect([...counts.keys()].sort()).toEqual([1, 2, 3, 4]);
    expect(Math.max(...counts.values()) - Math.min(...counts.values())).toBeLessThanOrEqual(1);
    expect(await totalOffsets(sim)).toBeGreaterThan(offsetsBefore);
    // Leadership is balanced too: broker 4 leads its share.
    const parts = PartitionsResponse.parse(obj(await call(sim.brokerUrl(1), "GET", "/admin/partitions")));
    const leads = [1, 2, 3, 4].map((b) => parts.partitions.filter((p) => p.leader === b).length);
    expect(Math.max(...leads) - Math.min(...leads)).toBeLessThanOrEqual(1);
    await expectIntact(sim, { healthy: true });
  });

  it("step 4: drain moves every replica and leadership off broker 4, which ends drained", async () => {
    const res = await call(sim.brokerUrl(1), "POST", "/admin/brokers/4/drain");
    expect([res.status, obj(res)["state"]]).toEqual([202, "draining"]);
    await waitFor("broker 4 to hold nothing", async () => {
      const b = BrokerPartitionsResponse.parse(
        obj(await call(sim.brokerUrl(1), "GET", "/admin/brokers/4/partitions")),
      );
      return b.count === 0;
    });
    await waitFor(
      "broker 4 drained",
      async () => (await members(sim)).find((m) => m.broker_id === 4)?.state === "drained",
    );
    const counts = await replicaCounts(sim);
    expect(counts.get(4)).toBeUndefined();
    expect(Math.max(...counts.values()) - Math.min(...counts.values())).toBeLessThanOrEqual(1);
  });

  it("step 5: leave answers 200 left, the member is gone; the machine is destroyed; nothing lost", async () => {
    const res = await call(sim.brokerUrl(1), "POST", "/admin/cluster/leave", { broker_id: 4 });
    expect([res.status, res.body]).toEqual([200, { broker_id: 4, state: "left" }]);
    expect((await members(sim)).map((m) => m.broker_id)).toEqual([1, 2, 3]);
    expect((await call(sim.controlUrl, "DELETE", "/sim/brokers/4")).status).toBe(200);
    const machines = obj(await call(sim.controlUrl, "GET", "/sim/brokers"))["brokers"] as {
      broker_id: number;
    }[];
    expect(machines.map((m) => m.broker_id)).toEqual([1, 2, 3]);
    await expectIntact(sim, { healthy: true });
  });
});

describe("scenario: leave is refused while not drained and below 3 voters", () => {
  let sim: SimCluster;
  beforeAll(async () => {
    sim = await startFormed({
      brokers: 3,
      topics: [{ name: "logs", partitions: 6, replicationFactor: 2, sizeBytes: 2 ** 20 }],
    });
  });
  afterAll(() => sim.stop());

  it("refuses not_drained, then after a drain refuses min_voters; force overrides; nothing lost", async () => {
    const held = await call(sim.brokerUrl(1), "POST", "/admin/cluster/leave", { broker_id: 3 });
    const body = ApiErrorBody.parse(held.body);
    expect([held.status, body.error, body.reason]).toEqual([409, "unsafe", "not_drained"]);
    expect(body.partitions).toBe((await replicaCounts(sim)).get(3));
    expect((await call(sim.brokerUrl(1), "POST", "/admin/brokers/3/drain")).status).toBe(202);
    await waitFor(
      "broker 3 drained",
      async () => (await members(sim)).find((m) => m.broker_id === 3)?.state === "drained",
    );
    const few = await call(sim.brokerUrl(1), "POST", "/admin/cluster/leave", { broker_id: 3 });
    expect([few.status, obj(few)["reason"]]).toEqual([409, "min_voters"]);
    await expectIntact(sim, { healthy: true });
    const forced = await call(sim.brokerUrl(1), "POST", "/admin/cluster/leave", {
      broker_id: 3,
      force: true,
    });
    expect(forced.status).toBe(200);
    expect((await members(sim)).map((m) => m.broker_id)).toEqual([1, 2]);
    await expectIntact(sim, { healthy: true });
    const done = await waitRebalance(sim);
    expect(done["status"]).toBe("idle");
  });
});
