import type { RaftRole } from "../procedures/contract";

/** One broker's own view of Raft: what its `/admin/raft/status` and `/metrics` report. */
export interface NodeView {
  role: RaftRole;
  term: number;
  leaderId: number | null;
  commitIndex: number;
  appliedIndex: number;
  /** When this node, still saying it leads, lost its quorum. */
  lostQuorumAt: number | null;
}

/** What {@link Raft.update} needs to know about the cluster. */
export interface RaftWorld {
  now: number;
  voters: Set<number>;
  running: number[];
  sideOf: (id: number) => string;
}

/**
 * The cluster's Raft state: the legitimate leader, its term and the commit index, plus every
 * broker's own view. Elections take `electionDelayMs` once a side of the network holds a
 * majority of voters; a leader cut off from its majority keeps saying it leads, with its old
 * term, for `checkQuorumMs` (the runbook's split brain), then steps down. Pre-vote keeps the
 * terms of a minority's candidates from climbing.
 */
export class Raft {
  leaderId: number | null = null;
  term = 0;
  commitIndex = 0;
  readonly nodes = new Map<number, NodeView>();
  private readonly elections = new Map<string, number>();

  constructor(
    private readonly timing: { electionDelayMs: number; checkQuorumMs: number },
    private readonly log: (line: string) => void,
  ) {}

  /** Appends entries to the log (a committed metadata change); only a leader commits. */
  append(entries = 1): void {
    if (this.leaderId !== null) this.commitIndex += entries;
  }

  /** Makes `id` the only voter and leader of a new cluster. */
  bootstrap(id: number): void {
    this.term = 1;
    this.leaderId = id;
    this.commitIndex = 1;
    this.nodes.set(id, {
      role: "leader",
      term: 1,
      leaderId: id,
      commitIndex: 1,
      appliedIndex: 1,
      lostQuorumAt: null,
    });
  }

  /** A node's view, created as a fresh follower the first time a broker runs. */
  view(id: number): NodeView {
    let v = this.nodes.get(id);
    if (!v) {
      v = { role: "learner", term: 0, leaderId: null, commitIndex: 0, appliedIndex: 0, lostQuorumAt: null };
      this.nodes.set(id, v);
    }
    return v;
  }

  /** A broker restarted: it remembers its term and log, not who leads. */
  restart(id: number): void {
    const v = this.view(id);
    v.role = "follower";
    v.leaderId = null;
    v.lostQuorumAt = null;
  }

  /** Whether a side of the network holds a majority of the voters. */
  hasQuorum(side: string, world: RaftWorld): boolean {
    const live = world.running.filter((id) => world.voters.has(id) && world.sideOf(id) === side).length;
    return world.voters.size > 0 && live * 2 > world.voters.size;
  }

  /** Advances elections and every node's view by one tick. */
  update(world: RaftWorld): void {
    const sides = new Map<string, number[]>();
    for (const id of world.running) {
      const s = world.sideOf(id);
      sides.set(s, [...(sides.get(s) ?? []), id]);
    }
    const leader = this.leaderId;
    if (leader !== null) {
      const valid = world.running.includes(leader) && world.voters.has(leader);
      if (!valid || !this.hasQuorum(world.sideOf(leader), world)) {
        this.log(`raft: leader ${leader} lost (term ${this.term})`);
        this.leaderId = null;
      }
    }
    for (const [side, ids] of sides) {
      if (this.leaderId !== null && world.sideOf(this.leaderId) === side) {
        this.elections.delete(side);
        for (const id of ids) this.follow(id, world);
      } else if (this.hasQuorum(side, world)) {
        this.elect(side, ids, world);
      } else {
        this.elections.delete(side);
        this.leaderless(ids, world);
      }
    }
    for (const side of this.elections.keys()) if (!sides.has(side)) this.elections.delete(side);
  }

  private follow(id: number, world: RaftWorld): void {
    const v = this.view(id);
    v.term = this.term;
    v.leaderId = this.leaderId;
    v.role = id === this.leaderId ? "leader" : world.voters.has(id) ? "follower" : "learner";
    v.commitIndex = this.commitIndex;
    v.appliedIndex = this.commitIndex;
    v.lostQuorumAt = null;
  }

  private elect(side: string, ids: number[], world: RaftWorld): void {
    const at = this.elections.get(side);
    if (at === undefined) {
      this.elections.set(side, world.now + this.timing.electionDelayMs);
      this.log(`raft: election started among [${ids.join(", ")}]`);
    }
    if (at === undefined || world.now < at) {
      for (const id of ids) {
        const v = this.view(id);
        v.role = world.voters.has(id) ? "candidate" : "learner";
        v.leaderId = null;
        v.lostQuorumAt = null;
      }
      return;
    }
    // The voter with the longest log wins, as Raft's vote restriction ensures.
    const voters = ids.filter((id) => world.voters.has(id));
    const winner = voters.reduce((a, b) => (this.view(b).commitIndex > this.view(a).commitIndex ? b : a));
    this.term = Math.max(this.term, ...ids.map((id) => this.view(id).term)) + 1;
    this.commitIndex = Math.max(this.commitIndex, this.view(winner).commitIndex) + 1;
    this.leaderId = winner;
    this.elections.delete(side);
    this.log(`raft: broker ${winner} elected leader, term ${this.term}`);
    for (const id of ids) this.follow(id, world);
  }

  private leaderless(ids: number[], world: RaftWorld): void {
    for (const id of ids) {
      const v = this.view(id);
      if (v.role === "leader") {
        v.lostQuorumAt ??= world.now;
        if (world.now - v.lostQuorumAt < this.timing.checkQuorumMs) continue;
        this.log(`raft: broker ${id} noticed it lost its quorum and stepped down (term ${v.term})`);
      }
      const oldLeader = v.leaderId === null ? undefined : this.nodes.get(v.leaderId);
      const stillLed =
        v.leaderId !== null && v.leaderId !== id && ids.includes(v.leaderId) && oldLeader?.role === "leader";
      const voter = world.voters.has(id);
      v.role = !voter ? "learner" : stillLed ? "follower" : "candidate";
      if (!stillLed) v.leaderId = null;
      v.lostQuorumAt = null;
    }
  }
}
