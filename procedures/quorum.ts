import type { RaftRole } from "./contract";
import type { Cluster } from "./client";
import { runProcedure, type ProcedureContext, type ProcedureOptions } from "./common";
import { unreachableReason } from "./facts";

/** One broker's view of Raft, or why it could not be asked. */
export interface RaftView {
  /** The broker's id. */
  brokerId: number;
  /** Whether it answered. */
  reachable: boolean;
  /** Its Raft state. */
  state?: RaftRole;
  /** Its term. */
  term?: number;
  /** Who it thinks leads (null: nobody). */
  leaderId?: number | null;
  /** Whether it answered from local state without a leader. */
  stale?: boolean;
  /** The voters as it sees them. */
  voters?: number[];
  /** Why it could not be asked. */
  error?: string;
}

/** A problem the check found, in words that name the brokers. */
export interface QuorumFinding {
  /** `split_brain` (more than one leader), `no_leader`, `term_mismatch`, `leader_mismatch`, `no_majority`, `unreachable`. */
  kind: "split_brain" | "no_leader" | "term_mismatch" | "leader_mismatch" | "no_majority" | "unreachable";
  /** One line, e.g. `more than one leader: brokers 1 (term 7) and 2 (term 8)`. */
  message: string;
}

/** The quorum and split-brain check, as data. */
export interface QuorumReport {
  /** One leader, every reachable broker agrees on it and on the term, and a majority of voters answer. */
  ok: boolean;
  /** The leader every broker agrees on, or null. */
  leaderId: number | null;
  /** The highest term seen: the runbook's "legitimate leader" is the one of the highest term. */
  highestTerm: number | null;
  /** The voters, as the broker of the highest term sees them. */
  voters: number[];
  /** Voters that answered. */
  reachableVoters: number[];
  /** Each broker's view. */
  views: RaftView[];
  /** What is wrong; empty when ok. */
  findings: QuorumFinding[];
}

/**
 * Asks every member for its own Raft view (`/admin/raft/status` on that broker) and names
 * more than one leader, no leader, and brokers that disagree on the term or the leader: the
 * runbook's split-brain detection and `check-quorum.sh`.
 */
export function checkQuorum(cluster: Cluster, opts: ProcedureOptions = {}): Promise<QuorumReport> {
  return runProcedure("quorum check", 30_000, opts, async (ctx) => {
    await cluster.refresh(ctx.call);
    return judgeCluster(cluster, ctx);
  });
}

/**
 * The verdict on the members known to `cluster` (call `refresh` first): their Raft views, judged
 * by `judgeQuorum` against the newest voter list. Every command that judges the quorum (`quorum`,
 * `health`) goes through here, so they agree whatever the order of the brokers.
 */
export async function judgeCluster(cluster: Cluster, ctx: ProcedureContext): Promise<QuorumReport> {
  const views = await collectRaftViews(cluster, ctx);
  // The voter list of the highest term is the newest configuration; ties go to the lowest id,
  // so the order in which brokers answered never changes the verdict.
  const newest = views
    .filter((v) => v.reachable)
    .sort((a, b) => (b.term ?? 0) - (a.term ?? 0) || a.brokerId - b.brokerId)[0];
  return judgeQuorum(views, newest?.voters ?? []);
}

/** Asks each known member for its own Raft view; a broker that does not answer is marked so. */
export function collectRaftViews(cluster: Cluster, ctx: ProcedureContext): Promise<RaftView[]> {
  return Promise.all(
    cluster.brokerIds.map(async (brokerId): Promise<RaftView> => {
      try {
        // Two retries: a flaky broker is asked again, a dead one costs well under a second.
        const s = await cluster.broker(brokerId).raftStatus({ ...ctx.call, retries: 2 });
        const { state, term, leader_id: leaderId, voters } = s;
        return { brokerId, reachable: true, state, term, leaderId, stale: Boolean(s.stale), voters };
      } catch (error) {
        if (ctx.signal.aborted) throw error;
        return { brokerId, reachable: false, error: unreachableReason(error) };
      }
    }),
  );
}

/** The verdict on a set of Raft views (pure, so every split is tested without a cluster). */
export function judgeQuorum(views: readonly RaftView[], voters: readonly number[]): QuorumReport {
  const findings: QuorumFinding[] = [];
  const up = views.filter((v) => v.reachable);
  const leaders = up.filter((v) => v.state === "leader");
  const terms = [...new Set(up.map((v) => v.term ?? 0))].sort((a, b) => a - b);
  const named = [...new Set(up.map((v) => v.leaderId ?? null))];
  const highestTerm = terms.length ? terms[terms.length - 1]! : null;
  const namedLeaders = named.filter((n): n is number => n !== null);
  const reachableVoters = up.filter((v) => voters.includes(v.brokerId)).map((v) => v.brokerId);

  if (leaders.length > 1) {
    findings.push({
      kind: "split_brain",
      message: `more than one leader: ${leaders.map((v) => `broker ${v.brokerId} (term ${v.term})`).join(", ")}; the legitimate one has the highest term`,
    });
  } else if (named.includes(null) || (leaders.length === 0 && !namedByAll(up, down(views)))) {
    const none = up.filter((v) => v.leaderId === null).map((v) => v.brokerId);
    findings.push({
      kind: "no_leader",
      message:
        leaders.length === 0
          ? "no leader: no broker says it leads"
          : `no leader seen by broker${none.length > 1 ? "s" : ""} ${none.join(", ")}`,
    });
  }
  if (terms.length > 1) {
    findings.push({
      kind: "term_mismatch",
      message: `terms disagree: ${up.map((v) => `broker ${v.brokerId} at ${v.term}`).join(", ")}`,
    });
  }
  if (namedLeaders.length > 1) {
    findings.push({
      kind: "leader_mismatch",
      message: `brokers disagree on the leader: ${up.map((v) => `broker ${v.brokerId} says ${v.leaderId ?? "none"}`).join(", ")}`,
    });
  }
  if (voters.length > 0 && reachableVoters.length * 2 <= voters.length) {
    findings.push({
      kind: "no_majority",
      message: `only ${reachableVoters.length} of ${voters.length} voters answer: no majority`,
    });
  }
  const unreachable = down(views);
  if (unreachable.length > 0) {
    findings.push({
      kind: "unreachable",
      message: `unreachable: ${unreachable.map((v) => `broker ${v.brokerId} (${v.error})`).join(", ")}`,
    });
  }
  // With no reachable leader, followers that all name the same leader still show a single
  // leader: it is the one that did not answer this time.
  const leaderId = findings.some((f) => f.kind !== "unreachable")
    ? null
    : (leaders[0]?.brokerId ?? namedLeaders[0] ?? null);
  // A broker down while the rest agree on one leader is still a quorum: that is the point of Raft.
  const ok = findings.every((f) => f.kind === "unreachable") && leaderId !== null;
  return { ok, leaderId, highestTerm, voters: [...voters], reachableVoters, views: [...views], findings };
}

function down(views: readonly RaftView[]): RaftView[] {
  return views.filter((v) => !v.reachable);
}

/** Whether every answering broker names one leader, and that leader is one that did not answer. */
function namedByAll(up: readonly RaftView[], unreachable: readonly RaftView[]): boolean {
  const named = new Set(up.map((v) => v.leaderId ?? null));
  const [only] = [...named];
  return (
    named.size === 1 && only !== null && only !== undefined && unreachable.some((v) => v.brokerId === only)
  );
}
