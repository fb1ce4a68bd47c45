import { describe, expect, it } from "vitest";
import type { Member } from "./contract";
import { leaderProblem, membershipGuards, type GuardFacts } from "./guards";
import { judgeQuorum, type RaftView } from "./quorum";

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

describe("leaderProblem (what keeps the leader guard from passing, in words)", () => {
  const view = (
    brokerId: number,
    state: RaftView["state"],
    leaderId: number | null,
    term: number,
  ): RaftView => ({
    brokerId,
    reachable: true,
    state,
    term,
    leaderId,
    stale: leaderId === null,
    voters: [1, 2, 3],
  });

  it("one broker cut off from a leader the majority follows: names it, not 'no leader'", () => {
    const report = judgeQuorum(
      [view(1, "leader", 1, 5), view(2, "follower", 1, 5), view(3, "candidate", null, 8)],
      [1, 2, 3],
    );
    expect(report.leaderId).toBeNull();
    expect(leaderProblem(report)).toBe(
      "broker 3 cannot see the leader: broker 1 leads at term 5 for brokers 1, 2, while broker 3 sees no leader; " +
        "it is cut off from the others (a network partition) or just restarted",
    );
  });

  it("nobody leads: says the cluster has no leader", () => {
    const report = judgeQuorum(
      [view(1, "candidate", null, 6), view(2, "candidate", null, 7), view(3, "candidate", null, 6)],
      [1, 2, 3],
    );
    expect(leaderProblem(report)).toMatch(/^the cluster has no leader: no broker says it leads or sees one/);
  });

  it("a leader followed by a minority only is no leader of the cluster", () => {
    const report = judgeQuorum(
      [view(1, "leader", 1, 5), view(2, "candidate", null, 6), view(3, "candidate", null, 6)],
      [1, 2, 3],
    );
    expect(leaderProblem(report)).toMatch(
      /^the cluster has no single leader: no leader seen by brokers 2, 3/,
    );
  });

  it("one leader every broker follows: no problem (a stopped broker is no leader problem)", () => {
    const report = judgeQuorum(
      [
        view(1, "leader", 1, 5),
        view(2, "follower", 1, 5),
        { brokerId: 3, reachable: false, error: "refused" },
      ],
      [1, 2, 3],
    );
    expect(leaderProblem(report)).toBeNull();
  });

  it("two brokers say they lead: no single leader, naming the one the majority follows", () => {
    const report = judgeQuorum(
      [view(1, "leader", 1, 1), view(2, "leader", 2, 2), view(3, "follower", 2, 2)],
      [1, 2, 3],
    );
    expect(leaderProblem(report)).toBe(
      "the cluster has no single leader: more than one broker says it leads: broker 2 at term 2 (followed by " +
        "brokers 2, 3), broker 1 at term 1 (followed by broker 1); broker 2 leads the majority, the other is cut " +
        "off from it (a stale leader)",
    );
  });

  it("the guard says the words of the snapshot", () => {
    const f = membershipGuards(
      { declared: [1, 2, 3, 4], add: [4], remove: [] },
      facts([1, 2, 3], 3, { singleLeader: false, leaderProblem: "broker 3 cannot see the leader: …" }),
    );
    expect(f).toEqual([
      { guard: "leader", message: "broker 3 cannot see the leader: … (see `streambus-ops quorum`)" },
    ]);
  });
});
