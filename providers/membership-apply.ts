import { setTimeout as sleep } from "node:timers/promises";
import type { Cluster } from "../procedures/client";
import {
  formatDuration,
  runProcedure,
  type ProcedureContext,
  type ProgressEvent,
} from "../procedures/common";
import { balanceOf } from "../procedures/facts";
import { collectGuardFacts, guardError, membershipGuards } from "../procedures/guards";
import {
  BrokerOfflineError,
  drainStep,
  joinStep,
  leaveStep,
  rebalanceOnto,
  waitRegistered,
  waitUntilEmpty,
} from "../procedures/membership";
import { recordLines } from "../procedures/records";
import { interruptible, InterruptedError } from "./interrupt";
import { planLines, planMovement } from "./membership-plan";
import type { MembershipInputs } from "./membership-types";

/**
 * The membership resource's work, for `create` and `update`: join the declared brokers,
 * rebalance once onto the declared set, then drain and make the removed brokers leave one at
 * a time, each judged again on a fresh snapshot. Every step asks the cluster where it stands
 * first, so a run stopped anywhere (deadline, Ctrl-C, SIGKILL) is finished by running it again.
 */

/** How to override a guard, in every refusal. */
export const HOW_TO_FORCE =
  "to override, `pulumi config set streambus:force true`, run `pulumi up`, then `pulumi config set streambus:force false`";

/** How long the leader guard waits for an election to end before it refuses (the contract: 10 s). */
const ELECTION_WAIT_MS = 15_000;
const ELECTION_POLL_MS = 500;

/** What a leader's leave costs: the contract's election time. */
export const ELECTION_COST_MS = 10_000;

/** How long a broker may take to register before the update gives up on it (the contract: 30 s). */
const REGISTER_TIMEOUT_MS = 120_000;

/** What a change does, worked out from the old and new declared sets. */
export interface ChangeSpec {
  /** The declared set before (empty on create). */
  from: number[];
  /** The inputs now. */
  inputs: MembershipInputs;
  /** Broker id → URL reachable from here. */
  urls: ReadonlyMap<number, string>;
  /** Where lines go (the engine's output). */
  log: (line: string) => void;
}

/**
 * The change was interrupted (Ctrl-C during `pulumi up`): the wait stopped, the cluster's work
 * goes on. The message says what is still running there and how to finish or stop harder.
 */
export class MembershipInterruptedError extends Error {
  constructor(by: string, left: string) {
    super(
      `interrupted (${by}): stopped waiting; still left: ${left}. Nothing was rolled back and the ` +
        "cluster's rebalance or drain goes on: `pulumi up` again finishes the change, attaching to it. " +
        "To stop harder, a second Ctrl-C makes pulumi exit without waiting; then `pulumi cancel` only if " +
        "the stack is left locked",
    );
    this.name = "MembershipInterruptedError";
  }
}

/** Runs the change within `timeoutMs`, or until Ctrl-C; returns the guards that force overrode. */
export function applyMembership(cluster: Cluster, spec: ChangeSpec): Promise<{ forcedGuards: string[] }> {
  const { inputs } = spec;
  const onProgress = throttledProgress(spec.log, 3_000);
  return interruptible(spec.log, async (signal) => {
    let left = "everything";
    try {
      return await runProcedure("membership", inputs.timeoutMs, { onProgress, signal }, (ctx) => {
        const done = converge(cluster, spec, ctx);
        // What was left when the wait stopped, for the interruption's message.
        signal.addEventListener("abort", () => (left = ctx.left), { once: true });
        return done;
      });
    } catch (error) {
      if (signal.reason instanceof InterruptedError) {
        throw new MembershipInterruptedError(signal.reason.by, left);
      }
      throw error;
    }
  });
}

async function converge(
  cluster: Cluster,
  spec: ChangeSpec,
  ctx: ProcedureContext,
): Promise<{ forcedGuards: string[] }> {
  const { inputs, log } = spec;
  const declared = [...inputs.brokers].sort((a, b) => a - b);
  const removed = spec.from.filter((b) => !declared.includes(b)).sort((a, b) => a - b);
  const added = declared.filter((b) => !spec.from.includes(b));
  const forced: string[] = [];
  const judge = (what: string, failures: ReturnType<typeof membershipGuards>) => {
    if (failures.length === 0) return;
    if (!inputs.force) throw guardError(what, failures, HOW_TO_FORCE);
    for (const f of failures) if (!forced.includes(f.guard)) forced.push(f.guard);
    for (const line of recordLines("override", { failures })) log(line);
  };

  // The whole change, judged before anything changes (a new cluster has nothing to judge). An
  // election under way (a cluster forming as its brokers register, a leader just lost) ends
  // within the contract's 10 s: the leader guard is judged again until then before it refuses.
  let members = await cluster.refresh(ctx.call);
  if (members.members.length > 0 && (removed.length > 0 || added.length > 0)) {
    const change = { declared, add: added, remove: removed };
    const electionOverBy = Date.now() + ELECTION_WAIT_MS;
    let failures = membershipGuards(change, await collectGuardFacts(cluster, ctx, spec.urls));
    while (failures.some((f) => f.guard === "leader") && Date.now() < electionOverBy && !inputs.force) {
      await sleep(ELECTION_POLL_MS, undefined, { signal: ctx.signal });
      failures = membershipGuards(change, await collectGuardFacts(cluster, ctx, spec.urls));
    }
    judge(`change the members to [${declared.join(", ")}]`, failures);
    members = await cluster.refresh(ctx.call);
  }

  // A declared broker that is offline can be neither joined nor rebalanced onto: say so now,
  // rather than "join" it in name and fail at the rebalance, or wait on it until the deadline.
  const offline = members.members.filter((m) => m.state === "offline" && declared.includes(m.broker_id));
  if (offline.length > 0) {
    throw new BrokerOfflineError(offline, "a change of the members (join, rebalance onto the declared set)");
  }

  // Join: every declared broker an active member. On "drain", brokers still to be created are left for "join".
  for (const id of declared) {
    const m = members.members.find((x) => x.broker_id === id);
    if (m?.state === "active" || (!m && inputs.phase === "drain")) continue;
    ctx.left = `broker ${id} has not registered (is its machine up, and can it reach the cluster?); join, rebalance and removals not done`;
    const registered =
      m ?? (await waitRegistered(cluster, id, ctx, Math.min(REGISTER_TIMEOUT_MS, ctx.remainingMs)));
    ctx.left = `join broker ${id}, rebalance, removals`;
    await joinStep(cluster, id, ctx, registered);
  }
  members = await cluster.refresh(ctx.call);

  const stateOf = (id: number) => members.members.find((x) => x.broker_id === id)?.state;
  // An earlier run stopped mid-drain: let those drains finish (a rebalance cannot start while one runs).
  if (inputs.phase !== "join") {
    for (const id of removed.filter((b) => stateOf(b) === "draining")) await waitUntilEmpty(cluster, id, ctx);
  }

  // One rebalance onto the declared set, plus members nobody declared (a rebalance onto the
  // declared set alone would empty them, a drain in all but name).
  const unmanaged = members.members
    .filter((m) => m.state === "active" && !declared.includes(m.broker_id) && !removed.includes(m.broker_id))
    .map((m) => m.broker_id);
  const targets = [...declared.filter((id) => stateOf(id) !== undefined), ...unmanaged].sort((a, b) => a - b);
  const down = targets.filter((id) => stateOf(id) !== "active");
  const wentOffline = members.members.filter((m) => down.includes(m.broker_id) && m.state === "offline");
  if (wentOffline.length > 0 && wentOffline.length === down.length) {
    throw new BrokerOfflineError(wentOffline, "a rebalance onto the declared set");
  }
  if (down.length > 0) {
    throw new Error(
      `broker${down.length > 1 ? "s" : ""} ${down.map((id) => `${id} (${stateOf(id)})`).join(", ")} ` +
        `not active: a rebalance onto the declared set needs every declared broker up (bring it back, or remove it from streambus:brokers)`,
    );
  }
  const status = await cluster.admin.rebalanceStatus(ctx.call);
  const { partitions } = await cluster.admin.partitions(ctx.call);
  if (targets.length > 0 && (status.status === "running" || !balanceOf(partitions, targets).balanced)) {
    const opts = {
      throttleBytesPerS: inputs.throttleBytesPerS,
      maxConcurrentMoves: inputs.maxConcurrentMoves,
    };
    if (status.status !== "running") {
      const plan = await planMovement(cluster, targets, [], removed, { ...opts, signal: ctx.signal });
      for (const line of planLines(
        plan,
        { clusterId: members.cluster_id, stage: "update", from: spec.from, to: declared },
        opts,
      ))
        log(line);
    }
    const { balance, rounds } = await rebalanceOnto(cluster, ctx, targets, opts);
    if (!balance.balanced) {
      throw new Error(
        `the partitions are still unbalanced across brokers ${targets.join(", ")} after ${rounds} rebalances ` +
          `(spread ${balance.spread}): see \`streambus-ops partitions\`, then run \`pulumi up\` again`,
      );
    }
  }

  // Removals, one at a time, each judged again on a fresh snapshot. The Raft leader goes last:
  // its leave costs an election (writes refused for up to ~10 s) and the contract has no
  // leadership transfer, so the others leave while it still leads.
  if (inputs.phase !== "join") {
    const pending = [...removed];
    while (pending.length > 0) {
      const facts = await collectGuardFacts(cluster, ctx, spec.urls);
      const leader = facts.members.leader_id;
      const next = pending.find((b) => b !== leader) ?? pending[0]!;
      pending.splice(pending.indexOf(next), 1);
      const id = next;
      ctx.left = `remove brokers ${[id, ...pending].join(", ")} (drain, wait until empty, leave)`;
      if (!facts.members.members.some((m) => m.broker_id === id)) continue;
      judge(`remove broker ${id}`, membershipGuards({ declared, add: [], remove: [id] }, facts));
      if (id === leader) {
        log(
          `streambus: broker ${id} leads the Raft group: its leave costs an election ` +
            `(writes refused for up to ~${formatDuration(ELECTION_COST_MS)})`,
        );
      }
      await drainStep(cluster, id, ctx);
      await waitUntilEmpty(cluster, id, ctx);
      await leaveStep(cluster, id, ctx, inputs.force);
      log(`streambus: broker ${id} drained and left the cluster`);
    }
  }
  return { forcedGuards: forced };
}

/**
 * Progress for the engine's output: every step's first line, and a wait's progress at most
 * every `everyMs` (and its 100 %), so an hour-long rebalance prints a line every few seconds
 * at most, not one per poll.
 */
export function throttledProgress(log: (line: string) => void, everyMs: number): (e: ProgressEvent) => void {
  let lastAt = 0;
  let lastStep = "";
  return (e) => {
    const now = Date.now();
    const wait = e.percent !== undefined;
    if (!wait || e.step !== lastStep || e.percent === 100 || now - lastAt >= everyMs) {
      for (const line of recordLines("progress", { ...e })) log(line);
      lastAt = now;
    }
    lastStep = e.step;
  };
}
