import { describe, expect, it } from "vitest";
import type { Member } from "./contract";
import { membershipGuards, type GuardFacts } from "./guards";

const member = (id: number, state: Member["state"] = "active"): Member => ({
  broker_id: id,
  address: `127.0.0.1:${9000 + id}`,
  admin_url: `http://127.0.0.1:${8000 + id}`,
  rack: null,
  state,
  raft_role: state === "learner" ? "learner" : "follower",
  partitions: 4,
  last_heartbeat_ms: 10,
});

function facts(voters: number[], rf: number, extra: Partial<GuardFacts> = {}): GuardFacts {
  return {
    members: { cluster_id: "c", leader_id: 1, term: 3, members: voters.map((id) => member(id)) },
    voters,
    topics: { topics: [{ name: "events", partitions: 4, replication_factor: rf, config: {} }] },
    health: { total: 4, healthy: 4, unhealthy: [] },
    singleLeader: true,
    ...extra,
  };
}

describe("membershipGuards (a whole change on one snapshot)", () => {
  it("refuses two removals that each alone would pass (4 → 2 voters)", () => {
    const f = membershipGuards({ declared: [1, 2], add: [], remove: [3, 4] }, facts([1, 2, 3, 4], 2));
    expect(f).toEqual([
      {
        guard: "min_voters",
        message: "removing brokers 3, 4 would leave 2 voters (1, 2); at least 3 are needed",
      },
    ]);
  });

  it("counts the brokers added in the same change (they join first)", () => {
    expect(membershipGuards({ declared: [1, 2, 4], add: [4], remove: [3] }, facts([1, 2, 3], 3))).toEqual([]);
  });

  it("refuses fewer active declared brokers than the largest replication factor", () => {
    const snapshot = facts([1, 2, 3, 4], 3);
    snapshot.members.members[1] = member(2, "offline");
    const f = membershipGuards({ declared: [1, 2, 3], add: [], remove: [4] }, snapshot);
    expect(f.map((x) => x.guard)).toEqual(["replication"]);
    expect(f[0]!.message).toBe(
      "only 2 declared brokers would be active members (1, 3), below the largest replication factor (3)",
    );
  });

  it("judges no single leader and offline partitions for additions too, and returns every failure", () => {
    const health = {
      total: 4,
      healthy: 3,
      unhealthy: [{ topic: "events", partition: 1, reason: "offline" as const, isr: [], replicas: [3] }],
    };
    const f = membershipGuards(
      { declared: [1, 2, 3, 4], add: [4], remove: [] },
      facts([1, 2, 3], 3, { health, singleLeader: false }),
    );
    expect(f.map((x) => x.guard)).toEqual(["offline_partitions", "leader"]);
  });

  it("does not count a learner's removal against the voters", () => {
    const snapshot = facts([1, 2, 3], 3);
    snapshot.members.members.push(member(4, "learner"));
    expect(membershipGuards({ declared: [1, 2, 3], add: [], remove: [4] }, snapshot)).toEqual([]);
  });
});
