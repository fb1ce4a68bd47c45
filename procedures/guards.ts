/**
 * The guards of membership changes: pure verdicts over one snapshot of facts (like
 * `judgeQuorum`), and the one place that gathers that snapshot. A change is judged whole —
 * every broker it adds and removes at once — so that two removals can never each pass a
 * check that only one of them may pass.
 */
import type { MembersResponse, PartitionsHealthResponse, TopicsResponse } from "./contract";
import { BrokerClient, type Cluster } from "./client";
import { GuardError, type ProcedureContext } from "./common";
import { unreachableReason } from "./facts";
import { formatRefusal, type GuardFailure } from "./records";
import { collectRaftViews, judgeQuorum, type QuorumReport, type RaftView } from "./quorum";

/** The facts the guards judge: one snapshot of the cluster. */
export interface GuardFacts {
  /** The members. */
  members: MembersResponse;
  /** The Raft voters. */
  voters: number[];
  /** The topics, for the largest replication factor. */
  topics: TopicsResponse;
  /** Partition health, for offline partitions. */
  health: PartitionsHealthResponse;
  /** Whether every broker agrees on one leader (the quorum check's verdict). */
  singleLeader: boolean;
  /**
   * When `singleLeader` is false, what is wrong in words that name the brokers (see
   * `leaderProblem`): no leader at all is not the same as one broker cut off from a leader the
   * others follow. Absent: the generic words.
   */
  leaderProblem?: string;
}

export type { GuardFailure } from "./records";

/** A membership change, as a stack declares it. */
export interface MembershipChange {
  /** The member set wanted after the change (the stack's declared brokers). */
  declared: readonly number[];
  /** Brokers the change joins. */
  add: readonly number[];
  /** Brokers the change drains and makes leave. */
  remove: readonly number[];
}

/** The largest replication factor of any topic (0 without topics). */
export function largestReplicationFactor(topics: TopicsResponse): number {
  return Math.max(0, ...topics.topics.map((t) => t.replication_factor));
}

/** Refuses with offline partitions, naming the first few. */
function offlineGuard(facts: Pick<GuardFacts, "health">): GuardFailure[] {
  const offline = facts.health.unhealthy.filter((u) => u.reason === "offline");
  if (offline.length === 0) return [];
  const names = offline.slice(0, 3).map((u) => `${u.topic}/${u.partition}`);
  return [
    {
      guard: "offline_partitions",
      message: `${offline.length} partitions are offline (${names.join(", ")}${offline.length > 3 ? ", …" : ""})`,
    },
  ];
}

/** Refuses without a single leader, saying what the brokers see. */
function leaderGuard(facts: Pick<GuardFacts, "singleLeader" | "leaderProblem">): GuardFailure[] {
  if (facts.singleLeader) return [];
  const problem = facts.leaderProblem ?? "the cluster has no single leader";
  return [{ guard: "leader", message: `${problem} (see \`streambus-ops quorum\`)` }];
}

const brokersWord = (ids: readonly number[]) => `broker${ids.length > 1 ? "s" : ""} ${ids.join(", ")}`;

/**
 * What keeps a quorum report from naming one leader, in words (pure): a leader that a majority
 * of the voters follows while some brokers do not see it ("broker 4 cannot see the leader"),
 * more than one broker saying it leads, or no leader at all. Null when the report names one.
 */
export function leaderProblem(report: QuorumReport): string | null {
  if (report.leaderId !== null) return null;
  const up = report.views.filter((v) => v.reachable);
  const leaders = [...up.filter((v) => v.state === "leader")].sort((a, b) => (b.term ?? 0) - (a.term ?? 0));
  const followersOf = (leader: RaftView) =>
    up.filter((v) => v.leaderId === leader.brokerId || v.brokerId === leader.brokerId);
  // The leader a majority of the voters follows (itself included): the cluster has one, and
  // the brokers that name another or none are cut off from it (or have just restarted).
  const voters = report.voters;
  const majority = leaders.find((leader) => {
    const voting = followersOf(leader).filter((v) => voters.includes(v.brokerId)).length;
    return voters.length > 0 && voting * 2 > voters.length;
  });
  if (leaders.length > 1) {
    const each = leaders.map(
      (v) =>
        `broker ${v.brokerId} at term ${v.term} (followed by ${brokersWord(followersOf(v).map((f) => f.brokerId))})`,
    );
    return (
      `the cluster has no single leader: more than one broker says it leads: ${each.join(", ")}` +
      (majority
        ? `; broker ${majority.brokerId} leads the majority, the other${leaders.length > 2 ? "s are" : " is"} cut off from it (a stale leader)`
        : "")
    );
  }
  if (majority) {
    const followers = followersOf(majority);
    const blind = up.filter((v) => !followers.includes(v));
    const sees = (v: RaftView) =>
      `broker ${v.brokerId} sees ${v.leaderId === null || v.leaderId === undefined ? "no leader" : `broker ${v.leaderId} as leader`}`;
    return (
      `${brokersWord(blind.map((v) => v.brokerId))} cannot see the leader: broker ${majority.brokerId} leads at term ` +
      `${majority.term} for ${brokersWord(followers.map((v) => v.brokerId))}, while ${blind.map(sees).join(", ")}; ` +
      `${blind.length > 1 ? "they are" : "it is"} cut off from the others (a network partition) or just restarted`
    );
  }
  if (leaders.length === 0 && up.every((v) => v.leaderId === null || v.leaderId === undefined)) {
    return "the cluster has no leader: no broker says it leads or sees one (an election under way, or the voters cannot reach each other)";
  }
  const said = report.findings.filter((f) => f.kind !== "unreachable").map((f) => f.message);
  return `the cluster has no single leader: ${said.join("; ") || "the brokers do not agree on one"}`;
}

/**
 * The guards of a whole membership change (pure): fewer than 3 voters after the removals
 * (the added count, as they join first), fewer active declared members than the largest
 * replication factor, no single leader, offline partitions. Returns every failure; empty when
 * the change is safe. `min_voters` is judged only when the change removes a voter.
 */
export function membershipGuards(change: MembershipChange, facts: GuardFacts): GuardFailure[] {
  const failures: GuardFailure[] = [];
  const removesVoter = change.remove.some((id) => facts.voters.includes(id));
  if (removesVoter) {
    const after = [...new Set([...facts.voters, ...change.add])].filter((v) => !change.remove.includes(v));
    if (after.length < 3) {
      failures.push({
        guard: "min_voters",
        message:
          `removing broker${change.remove.length > 1 ? "s" : ""} ${change.remove.join(", ")} would leave ` +
          `${after.length} voters (${after.join(", ") || "none"}); at least 3 are needed`,
      });
    }
  }
  const rf = largestReplicationFactor(facts.topics);
  const active = new Set(facts.members.members.filter((m) => m.state === "active").map((m) => m.broker_id));
  const holders = change.declared.filter(
    (id) => !change.remove.includes(id) && (active.has(id) || change.add.includes(id)),
  );
  if (holders.length < rf) {
    failures.push({
      guard: "replication",
      message:
        `only ${holders.length} declared brokers would be active members (${holders.join(", ") || "none"}), ` +
        `below the largest replication factor (${rf})`,
    });
  }
  return [...failures, ...offlineGuard(facts), ...leaderGuard(facts)];
}

/** The guards of joining brokers (pure): refuse with offline partitions or without a single leader. */
export function additionGuards(
  facts: Pick<GuardFacts, "health" | "singleLeader" | "leaderProblem">,
): GuardFailure[] {
  return [...offlineGuard(facts), ...leaderGuard(facts)];
}

/**
 * The guards of removing one broker (pure, so each is tested alone): refuse below 3 voters,
 * below the largest replication factor, with offline partitions, or without a single
 * leader. Returns one failure per broken guard; empty when removal is safe.
 */
export function removalGuards(brokerId: number, facts: GuardFacts): GuardFailure[] {
  const failures: GuardFailure[] = [];
  const votersAfter = facts.voters.filter((v) => v !== brokerId);
  if (votersAfter.length < 3) {
    failures.push({
      guard: "min_voters",
      message: `only ${votersAfter.length} voters would remain (at least 3 are needed)`,
    });
  }
  const maxRf = largestReplicationFactor(facts.topics);
  const othersActive = facts.members.members.filter(
    (m) => m.broker_id !== brokerId && m.state === "active",
  ).length;
  if (othersActive < maxRf) {
    failures.push({
      guard: "replication",
      message: `only ${othersActive} other active members would hold the data, below the largest replication factor (${maxRf})`,
    });
  }
  return [...failures, ...offlineGuard(facts), ...leaderGuard(facts)];
}

/**
 * One snapshot of what the guards judge: members, voters, topics, partition health, and every
 * broker's own Raft view (a single leader only when they agree). `urls` names where a broker
 * answers when the URL it reports of itself cannot be reached from here (a private address
 * behind a tunnel): those brokers are asked there.
 */
export async function collectGuardFacts(
  cluster: Cluster,
  ctx: ProcedureContext,
  urls: ReadonlyMap<number, string> = new Map(),
): Promise<GuardFacts> {
  const members = await cluster.refresh(ctx.call);
  const [raft, topics, health, views] = await Promise.all([
    cluster.admin.raftStatus(ctx.call),
    cluster.admin.topics(ctx.call),
    cluster.admin.partitionsHealth(ctx.call),
    urls.size === 0 ? collectRaftViews(cluster, ctx) : viewsThrough(cluster, ctx, urls),
  ]);
  const report = judgeQuorum(views, raft.voters);
  const problem = leaderProblem(report);
  return {
    members,
    voters: raft.voters,
    topics,
    health,
    singleLeader: problem === null,
    ...(problem === null ? {} : { leaderProblem: problem }),
  };
}

/** `collectRaftViews`, asking each broker at the URL given for it when there is one. */
function viewsThrough(
  cluster: Cluster,
  ctx: ProcedureContext,
  urls: ReadonlyMap<number, string>,
): Promise<RaftView[]> {
  return Promise.all(
    cluster.brokerIds.map(async (brokerId): Promise<RaftView> => {
      const url = urls.get(brokerId);
      const client = url ? new BrokerClient(url, cluster.options) : cluster.broker(brokerId);
      try {
        const s = await client.raftStatus({ ...ctx.call, retries: 2 });
        const { state, term, leader_id: leaderId, voters } = s;
        return { brokerId, reachable: true, state, term, leaderId, stale: Boolean(s.stale), voters };
      } catch (error) {
        if (ctx.signal.aborted) throw error;
        return { brokerId, reachable: false, error: unreachableReason(error) };
      }
    }),
  );
}

/**
 * The error for failed guards: names the first guard, lists every reason, says how to override,
 * and carries the failures, what was refused and the override as data. With `named`, each
 * reason names its guard (`guard min_voters failed: …`).
 */
export function guardError(
  what: string,
  failures: readonly GuardFailure[],
  howToForce: string,
  opts: { named?: boolean } = {},
): GuardError {
  const data = { what, failures: failures.map((f) => ({ ...f })), override: howToForce };
  return new GuardError(failures[0]!.guard, formatRefusal(data, opts), {
    failures: data.failures,
    refused: { what, override: howToForce },
  });
}
