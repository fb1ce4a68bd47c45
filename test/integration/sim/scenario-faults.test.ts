import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  PartitionsHealthResponse,
  RaftStatus,
  RebalanceStarted,
  RebalanceStatus,
} from "../../../procedures/contract";
import { IntegrityResponse, type SimCluster } from "../../../sim";
import { call, expectIntact, obj, startFormed, waitFor, waitRebalance } from "./helpers";

async function raft(sim: SimCluster, id: number): Promise<RaftStatus> {
  return RaftStatus.parse(obj(await call(sim.brokerUrl(id), "GET", "/admin/raft/status")));
}

async function status(sim: SimCluster, via: number): Promise<RebalanceStatus> {
  return RebalanceStatus.parse(
    obj(await call(sim.brokerUrl(via), "GET", "/admin/partitions/rebalance-status")),
  );
}

describe("scenario: the Raft leader crashes during a rebalance and restarts", () => {
  let sim: SimCluster;
  beforeAll(async () => {
    sim = await startFormed({ brokers: 3, moveRateBytesPerS: 3 * 2 ** 20 });
    await call(sim.controlUrl, "POST", "/sim/brokers", { broker_id: 4, rack: "b" });
    await waitFor(
      "broker 4 to register",
      async () =>
        (await call(sim.brokerUrl(1), "POST", "/admin/cluster/join", { broker_id: 4 })).status === 200,
    );
  });
  afterAll(() => sim.stop());

  it("keeps moving after an election, shows under-replicated partitions while down, heals after the restart", async () => {
    const started = RebalanceStarted.parse(
      obj(await call(sim.brokerUrl(2), "POST", "/admin/partitions/rebalance", { max_concurrent_moves: 2 })),
    );
    expect(started.status).toBe("running");
    await waitFor("a first move", async () => (await status(sim, 2)).moves_completed >= 1);
    const termBefore = (await raft(sim, 2)).term;
    expect((await call(sim.controlUrl, "POST", "/sim/brokers/1/stop")).status).toBe(200);
    await expect(call(sim.brokerUrl(1), "GET", "/health/live")).rejects.toThrow();
    const elected = await waitFor("a new leader", async () => {
      const r = await raft(sim, 2);
      return r.leader_id !== null && r.leader_id !== 1 ? r : undefined;
    });
    expect(elected.term).toBeGreaterThan(termBefore);
    const health = PartitionsHealthResponse.parse(
      obj(await call(sim.brokerUrl(2), "GET", "/admin/partitions/health")),
    );
    expect(health.unhealthy.length).toBeGreaterThan(0);
    expect(health.unhealthy.every((u) => u.reason === "under_replicated" && !u.isr.includes(1))).toBe(true);
    const during = await status(sim, 3);
    await waitFor(
      "moves to go on without broker 1",
      async () => (await status(sim, 3)).moves_completed > during.moves_completed,
    );
    expect((await call(sim.controlUrl, "POST", "/sim/brokers/1/start")).status).toBe(200);
    const done = RebalanceStatus.parse(await waitRebalance(sim, 30_000));
    expect([done.status, done.moves_completed]).toEqual(["completed", started.moves_total]);
    await waitFor(
      "broker 1 back in sync",
      async () => (await call(sim.brokerUrl(1), "GET", "/health/ready")).status === 200,
    );
    expect((await raft(sim, 1)).state).toBe("follower");
    await expectIntact(sim, { healthy: true });
  });
});

describe("scenario: a network cut isolates the leader (split brain), then heals", () => {
  let sim: SimCluster;
  beforeAll(async () => {
    sim = await startFormed({ brokers: 3, checkQuorumMs: 2_000 });
  });
  afterAll(() => sim.stop());

  it("the old leader says it leads with its old term until it notices; the majority elects; healing converges", async () => {
    const before = await raft(sim, 1);
    expect(before.state).toBe("leader");
    expect((await call(sim.controlUrl, "POST", "/sim/network", { groups: [[1], [2, 3]] })).status).toBe(200);
    const majority = await waitFor("the majority to elect", async () => {
      const r = await raft(sim, 2);
      return r.leader_id === 2 || r.leader_id === 3 ? r : undefined;
    });
    expect(majority.term).toBe(before.term + 1);
    // Split brain: the cut-off old leader still says it leads, with its old term.
    const old = await raft(sim, 1);
    expect([old.state, old.term, old.leader_id]).toEqual(["leader", before.term, 1]);
    const leaders = await Promise.all(
      [1, 2, 3].map(async (id) => (await call(sim.brokerUrl(id), "GET", "/metrics")).text),
    );
    expect(leaders.filter((t) => /raft_state\{broker_id="\d",state="leader"\} 1/.test(t))).toHaveLength(2);
    const refused = await call(sim.brokerUrl(1), "PUT", "/admin/topics/cut", {
      partitions: 1,
      replication_factor: 2,
    });
    expect([refused.status, obj(refused)["error"]]).toEqual([503, "no_quorum"]);
    expect(obj(await call(sim.brokerUrl(1), "GET", "/admin/cluster/members"))["stale"]).toBe(true);
    expect(
      (await call(sim.brokerUrl(3), "PUT", "/admin/topics/cut", { partitions: 1, replication_factor: 2 }))
        .status,
    ).toBe(200);
    const stepped = await waitFor("the old leader to step down", async () => {
      const r = await raft(sim, 1);
      return r.state !== "leader" ? r : undefined;
    });
    expect([stepped.state, stepped.leader_id, stepped.term]).toEqual(["candidate", null, before.term]);
    const cut = IntegrityResponse.parse(obj(await call(sim.controlUrl, "GET", "/sim/integrity")));
    expect(cut.lost_messages).toBe(0);
    // Clients with old metadata wrote to the cut-off old leader: it appended what it could never ack.
    expect(cut.diverged_replicas).toBeGreaterThan(0);
    expect((await call(sim.controlUrl, "DELETE", "/sim/network")).status).toBe(200);
    const healed = await waitFor("broker 1 to follow the new leader", async () => {
      const r = await raft(sim, 1);
      return r.state === "follower" ? r : undefined;
    });
    expect([healed.term, healed.leader_id]).toEqual([majority.term, majority.leader_id]);
    await expectIntact(sim, { healthy: true });
  });
});
