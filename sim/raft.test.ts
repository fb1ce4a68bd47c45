import { describe, expect, it } from "vitest";
import { Raft, type RaftWorld } from "./raft";

function world(now: number, running: number[], groups?: number[][]): RaftWorld {
  const side = (id: number): string => {
    const i = groups?.findIndex((g) => g.includes(id)) ?? -1;
    return groups ? `g${i}` : "all";
  };
  return { now, voters: new Set([1, 2, 3]), running, sideOf: side };
}

function formed(): Raft {
  const raft = new Raft({ electionDelayMs: 100, checkQuorumMs: 500 }, () => undefined);
  raft.bootstrap(1);
  raft.update(world(0, [1, 2, 3]));
  return raft;
}

describe("Raft", () => {
  it("keeps a leader with a majority: every node follows it with its term and commit index", () => {
    const raft = formed();
    raft.append(5);
    raft.update(world(10, [1, 2, 3]));
    expect([...raft.nodes.values()].map((v) => [v.role, v.term, v.leaderId, v.commitIndex])).toEqual([
      ["leader", 1, 1, 6],
      ["follower", 1, 1, 6],
      ["follower", 1, 1, 6],
    ]);
  });

  it("elects a new leader after the election delay when the leader stops, with the next term", () => {
    const raft = formed();
    raft.update(world(10, [2, 3]));
    expect(raft.leaderId).toBeNull();
    expect(raft.view(2).role).toBe("candidate");
    raft.update(world(50, [2, 3]));
    expect(raft.leaderId).toBeNull();
    raft.update(world(111, [2, 3]));
    expect(raft.leaderId).toBe(2);
    expect(raft.term).toBe(2);
    expect(raft.view(3)).toMatchObject({ role: "follower", leaderId: 2, term: 2 });
  });

  it("split brain: a cut-off leader keeps its old term until check-quorum, and pre-vote keeps it there", () => {
    const raft = formed();
    const cut = [[1], [2, 3]];
    raft.update(world(10, [1, 2, 3], cut));
    raft.update(world(200, [1, 2, 3], cut));
    expect(raft.leaderId).not.toBe(1);
    expect(raft.view(1)).toMatchObject({ role: "leader", term: 1, leaderId: 1 });
    raft.update(world(600, [1, 2, 3], cut));
    expect(raft.view(1)).toMatchObject({ role: "candidate", term: 1, leaderId: null });
    raft.update(world(700, [1, 2, 3]));
    expect(raft.view(1)).toMatchObject({ role: "follower", term: 2, leaderId: raft.leaderId });
  });

  it("never elects without a majority", () => {
    const raft = formed();
    raft.update(world(10, [3]));
    raft.update(world(10_000, [3]));
    expect(raft.leaderId).toBeNull();
    expect(raft.view(3).role).toBe("candidate");
    raft.append(3);
    expect(raft.commitIndex).toBe(1);
  });
});
