import { describe, expect, it } from "vitest";
import { judgeQuorum, type RaftView } from "./quorum";

const view = (
  brokerId: number,
  state: RaftView["state"],
  term: number,
  leaderId: number | null,
): RaftView => ({
  brokerId,
  reachable: true,
  state,
  term,
  leaderId,
});

describe("judgeQuorum", () => {
  it("passes one leader that every broker agrees on", () => {
    const r = judgeQuorum(
      [view(1, "leader", 7, 1), view(2, "follower", 7, 1), view(3, "follower", 7, 1)],
      [1, 2, 3],
    );
    expect(r.ok).toBe(true);
    expect(r.leaderId).toBe(1);
    expect(r.findings).toEqual([]);
    expect(r.reachableVoters).toEqual([1, 2, 3]);
  });

  it("names a split brain: two leaders, terms that disagree, disagreement on the leader", () => {
    const r = judgeQuorum(
      [view(1, "leader", 7, 1), view(2, "leader", 8, 2), view(3, "follower", 8, 2)],
      [1, 2, 3],
    );
    expect(r.ok).toBe(false);
    expect(r.leaderId).toBeNull();
    expect(r.highestTerm).toBe(8);
    expect(r.findings.map((f) => f.kind)).toEqual(["split_brain", "term_mismatch", "leader_mismatch"]);
    expect(r.findings[0]!.message).toBe(
      "more than one leader: broker 1 (term 7), broker 2 (term 8); the legitimate one has the highest term",
    );
    expect(r.findings[1]!.message).toBe("terms disagree: broker 1 at 7, broker 2 at 8, broker 3 at 8");
  });

  it("names no leader", () => {
    const r = judgeQuorum([view(1, "candidate", 9, null), view(2, "candidate", 9, null)], [1, 2, 3]);
    expect(r.ok).toBe(false);
    expect(r.findings.map((f) => f.kind)).toContain("no_leader");
    expect(r.findings.find((f) => f.kind === "no_leader")!.message).toBe(
      "no leader: no broker says it leads",
    );
  });

  it("keeps the quorum with one broker of three down, and names it", () => {
    const down: RaftView = { brokerId: 3, reachable: false, error: "ECONNREFUSED" };
    const r = judgeQuorum([view(1, "leader", 7, 1), view(2, "follower", 7, 1), down], [1, 2, 3]);
    expect(r.ok).toBe(true);
    expect(r.leaderId).toBe(1);
    expect(r.findings).toEqual([{ kind: "unreachable", message: "unreachable: broker 3 (ECONNREFUSED)" }]);
  });

  it("fails without a majority of voters answering", () => {
    const d = (id: number): RaftView => ({ brokerId: id, reachable: false, error: "ECONNREFUSED" });
    const r = judgeQuorum([view(1, "leader", 7, 1), d(2), d(3)], [1, 2, 3]);
    expect(r.ok).toBe(false);
    expect(r.findings.map((f) => f.kind)).toEqual(["no_majority", "unreachable"]);
  });

  it("takes the leader the answering followers all name when the leader itself did not answer", () => {
    const down: RaftView = { brokerId: 1, reachable: false, error: "timed out after 1000 ms" };
    const r = judgeQuorum([down, view(2, "follower", 7, 1), view(3, "follower", 7, 1)], [1, 2, 3]);
    expect(r.ok).toBe(true);
    expect(r.leaderId).toBe(1);
    expect(r.findings.map((f) => f.kind)).toEqual(["unreachable"]);
    const split = judgeQuorum([down, view(2, "follower", 7, 1), view(3, "follower", 8, 3)], [1, 2, 3]);
    expect(split.ok).toBe(false);
  });
});
