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
import { collectRaftViews, judgeQuorum, type RaftView } from "./quorum";

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
}

/** One broken guard: its short name (`min_voters`, `replication`, `offline_partitions`, `leader`) and why. */
export interface GuardFailure {
  /** The guard's short name. */
  guard: string;
  /** Why it failed, naming the brokers or partitions. */
  message: string;
}

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

/** Refuses without a single leader. */
function leaderGuard(facts: Pick<GuardFacts, "singleLeader">): GuardFailure[] {
  if (facts.singleLeader) return [];
  return [{ guard: "leader", message: "the cluster has no single leader (see `streambus-ops quorum`)" }];
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
export function additionGuards(facts: Pick<GuardFacts, "health" | "singleLeader">): GuardFailure[] {
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
  const singleLeader = judgeQuorum(views, raft.voters).leaderId !== null;
  return { members, voters: raft.voters, topics, health, singleLeader };
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

/** The error for failed guards: names the first guard, lists every reason, says how to override. */
export function guardError(what: string, failures: readonly GuardFailure[], howToForce: string): GuardError {
  return new GuardError(
    failures[0]!.guard,
    `refusing to ${what}: ${failures.map((f) => f.message).join("; ")} (${howToForce})`,
  );
}
