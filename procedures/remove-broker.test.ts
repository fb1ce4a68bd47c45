import { describe, expect, it } from "vitest";
import type { Member } from "./contract";
import { removalGuards, type GuardFacts } from "./remove-broker";

const member = (id: number, state: Member["state"] = "active"): Member => ({
  broker_id: id,
  address: `127.0.0.1:${9000 + id}`,
  admin_url: `http://127.0.0.1:${8000 + id}`,
  rack: null,
  state,
  raft_role: id === 1 ? "leader" : "follower",
  partitions: 4,
  last_heartbeat_ms: 10,
});

function facts(ids: number[], rf: number, extra: Partial<GuardFacts> = {}): GuardFacts {
  return {
    members: { cluster_id: "c", leader_id: 1, term: 3, members: ids.map((id) => member(id)) },
    voters: ids,
    topics: { topics: [{ name: "events", partitions: 4, replication_factor: rf, config: {} }] },
    health: { total: 4, healthy: 4, unhealthy: [] },
    singleLeader: true,
    ...extra,
  };
}

describe("removalGuards", () => {
  it("allows removing one of four brokers with replication factor 3", () => {
    expect(removalGuards(4, facts([1, 2, 3, 4], 3))).toEqual([]);
  });

  it("refuses below 3 voters", () => {
    expect(removalGuards(3, facts([1, 2, 3], 2)).map((f) => f.guard)).toEqual(["min_voters"]);
  });

  it("refuses below the largest replication factor", () => {
    const f = removalGuards(4, facts([1, 2, 3, 4], 4));
    expect(f.map((x) => x.guard)).toEqual(["replication"]);
    expect(f[0]!.message).toBe(
      "only 3 other active members would hold the data, below the largest replication factor (4)",
    );
  });

  it("refuses with offline partitions, and names them", () => {
    const health = {
      total: 4,
      healthy: 3,
      unhealthy: [
        { topic: "events", partition: 2, reason: "offline" as const, isr: [], replicas: [2, 3, 4] },
      ],
    };
    const f = removalGuards(4, facts([1, 2, 3, 4], 3, { health }));
    expect(f).toEqual([{ guard: "offline_partitions", message: "1 partitions are offline (events/2)" }]);
  });

  it("refuses without a single leader", () => {
    expect(removalGuards(4, facts([1, 2, 3, 4], 3, { singleLeader: false })).map((f) => f.guard)).toEqual([
      "leader",
    ]);
  });

  it("does not count a learner's removal against the voters", () => {
    const f = facts([1, 2, 3], 3);
    f.members.members.push(member(4, "learner"));
    expect(removalGuards(4, f)).toEqual([]);
  });
});
