import type { LeaveResponse, Member, MemberState } from "../procedures/contract";
import type { Cluster } from "./cluster";
import { conflict, notFound, unsafe } from "./errors";
import type { Machine, MemberRecord } from "./model";

/** The certificate broker `id` serves its admin API with: its machine's own, else the emulator's, else none. */
export function tlsOf(c: Cluster, id: number): { cert: string; key: string } | undefined {
  const m = c.machines.get(id);
  // What its process read at its last start; a certificate written since waits for a restart.
  const own = m?.runningTls !== undefined ? m.runningTls : m?.tls;
  return own ?? c.opts.tls;
}

/** The admin URL of broker `id`: its port is the emulator's base port plus its id; https when it has a certificate. */
export function adminUrl(c: Cluster, id: number): string {
  return `${tlsOf(c, id) ? "https" : "http"}://127.0.0.1:${c.opts.basePort + id}`;
}

/**
 * Registers brokers whose start delay has passed: the first broker of a new cluster bootstraps
 * it as its only voter and leader; the others register as learners once they reach the leader
 * (they keep trying, as a broker that cannot reach the cluster does). A broker that was already
 * a member (a restart, or a machine rebuilt with the same id) comes back as what it was.
 */
export function registerBrokers(c: Cluster, now: number): void {
  for (const m of c.machines.values()) {
    if (!m.running || m.left || m.registerAt === null || now < m.registerAt) continue;
    if (!c.meta.bootstrapped) {
      bootstrap(c, m, now);
      continue;
    }
    if (!c.seesLeader(m.id)) continue;
    m.registerAt = null;
    if (c.meta.members.has(m.id)) continue;
    c.meta.members.set(m.id, {
      id: m.id,
      rack: m.rack,
      state: "learner",
      voter: false,
      lastHeartbeatAt: now,
    });
    c.commit();
    c.log(`broker ${m.id} registered as a learner`);
    if (m.autoJoin) join(c, m.id, m.id);
  }
}

function bootstrap(c: Cluster, m: Machine, now: number): void {
  c.meta.bootstrapped = true;
  c.meta.members.set(m.id, { id: m.id, rack: m.rack, state: "active", voter: true, lastHeartbeatAt: now });
  c.raft.bootstrap(m.id);
  c.dirty = true;
  m.registerAt = null;
  c.log(`broker ${m.id} bootstrapped cluster ${c.meta.clusterId} as its only voter and leader`);
}

/** The state the contract reports: the stored one, or `offline` after 10 s without heartbeat. */
export function memberState(c: Cluster, rec: MemberRecord): MemberState {
  return Date.now() - rec.lastHeartbeatAt > c.opts.offlineAfterMs ? "offline" : rec.state;
}

/** How many partition replicas each broker holds. */
export function replicaCounts(c: Cluster): Map<number, number> {
  const counts = new Map<number, number>();
  for (const p of c.meta.partitions.values())
    for (const b of p.replicas) counts.set(b, (counts.get(b) ?? 0) + 1);
  return counts;
}

/** A member as `GET /admin/cluster/members` shows it. */
export function memberView(c: Cluster, rec: MemberRecord, counts: Map<number, number>): Member {
  const port = c.opts.basePort + rec.id;
  return {
    broker_id: rec.id,
    address: `127.0.0.1:${port}`,
    admin_url: adminUrl(c, rec.id),
    rack: rec.rack,
    state: memberState(c, rec),
    raft_role: rec.voter ? c.raft.view(rec.id).role : "learner",
    partitions: counts.get(rec.id) ?? 0,
    last_heartbeat_ms: Math.max(0, Date.now() - rec.lastHeartbeatAt),
  };
}

/** The active members: those a rebalance places partitions on by default. */
export function activeMembers(c: Cluster): MemberRecord[] {
  return [...c.meta.members.values()].filter((m) => memberState(c, m) === "active");
}

/**
 * `POST /admin/cluster/join`: makes a registered broker a voting, `active` member. Refused
 * when the voters, counting the new one, would not have a live majority (adding a voter that
 * is down could cost the quorum).
 */
export function join(c: Cluster, id: number, via: number): Member {
  c.writeGate(via);
  const rec = c.meta.members.get(id);
  if (!rec) {
    throw notFound(
      `no broker with id ${id} has registered: it has not started, or cannot reach the cluster`,
      {
        broker_id: id,
      },
    );
  }
  if (rec.state === "draining")
    throw conflict(`broker ${id} is draining: stop the drain first`, { broker_id: id });
  if (!(rec.voter && rec.state === "active")) {
    const voters = c.voters().add(id);
    const live = [...voters].filter((v) => c.seesLeader(v)).length;
    if (live * 2 <= voters.size) {
      throw unsafe(
        "quorum",
        `making broker ${id} a voter would leave ${live} of ${voters.size} voters live`,
        {
          broker_id: id,
        },
      );
    }
    rec.voter = true;
    rec.state = "active";
    // The new voter's own view follows at once, not a tick later.
    if (c.seesLeader(id) && id !== c.raft.leaderId) c.raft.view(id).role = "follower";
    c.commit();
    c.log(`broker ${id} joined as a voter`);
  }
  return memberView(c, rec, replicaCounts(c));
}

/**
 * `POST /admin/cluster/leave`: removes a member for good, with the contract's guards in its
 * order: `not_drained`, then `quorum`, then `min_voters` (which only `force` overrides).
 */
export function leave(c: Cluster, id: number, force: boolean, via: number): LeaveResponse {
  c.writeGate(via);
  const rec = c.meta.members.get(id);
  if (!rec) return { broker_id: id, state: "left" };
  const held = (replicaCounts(c).get(id) ?? 0) + c.moves.movesInto(id);
  if (held > 0) {
    throw unsafe("not_drained", `broker ${id} still holds ${held} partition replicas: drain it first`, {
      broker_id: id,
      partitions: held,
    });
  }
  if (rec.voter) {
    const rest = [...c.voters()].filter((v) => v !== id);
    const live = rest.filter((v) => c.seesLeader(v)).length;
    if (live * 2 <= rest.length || rest.length === 0) {
      throw unsafe("quorum", `after broker ${id} leaves, ${live} of ${rest.length} voters would be live`, {
        broker_id: id,
      });
    }
    if (rest.length < 3 && !force) {
      throw unsafe("min_voters", `only ${rest.length} voters would remain (3 needed); force to override`, {
        broker_id: id,
      });
    }
  }
  c.meta.members.delete(id);
  c.moves.forget(id);
  const machine = c.machines.get(id);
  if (machine) machine.left = true;
  c.raft.view(id).role = "learner";
  if (c.raft.leaderId === id) transferLeadership(c, id);
  c.commit();
  c.log(`broker ${id} left the cluster`);
  return { broker_id: id, state: "left" };
}

/** A leader that leaves hands leadership to a live voter at once (Raft's leadership transfer). */
function transferLeadership(c: Cluster, from: number): void {
  const next = [...c.voters()].find((v) => c.isRunning(v) && c.faults.canReach(v, from));
  c.raft.leaderId = next ?? null;
  c.raft.term += 1;
  c.raft.view(from).leaderId = next ?? null;
  if (next !== undefined) c.log(`raft: leadership transferred from ${from} to ${next}, term ${c.raft.term}`);
}
