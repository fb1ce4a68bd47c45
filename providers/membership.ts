import type * as pulumi from "@pulumi/pulumi";
import { DeadlineExceededError, formatDuration, runProcedure } from "../procedures/common";
import { collectGuardFacts, guardError, membershipGuards } from "../procedures/guards";
import { ContractError, type CallOptions } from "../procedures/client";
import { connect, explain as explainAccess, keepConfig, log } from "./admin";
import {
  applyMembership,
  ELECTION_COST_MS,
  HOW_TO_FORCE,
  MembershipInterruptedError,
} from "./membership-apply";
import { checkMembershipInputs, isUnknown, knownUrls, urlsById } from "./membership-check";
import { planLines, planMovement } from "./membership-plan";
import type { MembershipInputs, MembershipOutputs } from "./membership-types";
import { recordLines, type RecordOf } from "../procedures/records";
import { refusal, withRefusalRecord } from "./refusal";

/**
 * The cluster-level membership resource's logic: one resource holds the declared broker set,
 * so that a change is judged whole and carried out in order — join the added, one rebalance
 * onto the declared set, then drain and remove the others one at a time — after new machines
 * exist and before removed ones are deleted. Loaded at run time by the thin shim
 * (`providers/shim.ts`); the admin token comes from the stack's config through `configure`.
 */

export type { MembershipInputs, MembershipOutputs } from "./membership-types";

export { TOKEN_KEY } from "./admin";

/** Turns the client's errors into what the person running `pulumi` needs to do. */
function explain(error: unknown, what: string): Error {
  if (error instanceof MembershipInterruptedError)
    return new Error(`${what}: ${error.message}`, { cause: error });
  if (error instanceof DeadlineExceededError) {
    return new Error(
      `${what}: ${error.message} The cluster's work goes on; the next \`pulumi up\` continues it, ` +
        `attaching to the running rebalance or drain (raise streambus:rebalance.timeout for longer waits).`,
      { cause: error },
    );
  }
  return explainAccess(error, what);
}

/** A broker list, ascending. */
const sorted = (ids: readonly number[]) => [...ids].sort((a, b) => a - b);

/** Prints a record's human line and, beside it, the record (`procedures/records.ts`). */
function say<K extends "override" | "note">(kind: K, record: RecordOf<K>): void {
  for (const line of recordLines(kind, record)) log(line);
}

function sameSet(a: readonly number[], b: readonly number[]): boolean {
  const [x, y] = [new Set(a), new Set(b)];
  return x.size === y.size && [...x].every((id) => y.has(id));
}

/** Declared fields (outputs the provider adds are not compared: they are never drift). */
const DECLARED = [
  "brokers",
  "adminUrls",
  "phase",
  "maxConcurrentMoves",
  "throttleBytesPerS",
  "timeoutMs",
  "force",
  "caCertificate",
] as const;

/** Judges a change of the broker set on the live cluster and prints the data it moves. */
async function judgeAtDiff(olds: MembershipOutputs, news: MembershipInputs): Promise<void> {
  const cluster = connect(news, olds);
  try {
    const from = [...olds.brokers].sort((a, b) => a - b);
    const to = [...news.brokers].sort((a, b) => a - b);
    const add = to.filter((b) => !from.includes(b));
    const remove = from.filter((b) => !to.includes(b));
    await runProcedure("membership preview", 60_000, {}, async (ctx) => {
      const facts = await collectGuardFacts(cluster, ctx, urlsById(news.adminUrls, olds.adminUrls));
      const failures = membershipGuards({ declared: to, add, remove }, facts);
      if (failures.length > 0 && !news.force) {
        throw guardError(
          `change the members from [${from.join(", ")}] to [${to.join(", ")}]`,
          failures,
          HOW_TO_FORCE,
          { named: true },
        );
      }
      if (failures.length > 0) say("override", { failures });
      const members = facts.members.members;
      const active = (id: number) => members.some((m) => m.broker_id === id && m.state === "active");
      const unmanaged = members
        .filter((m) => m.state === "active" && !to.includes(m.broker_id) && !remove.includes(m.broker_id))
        .map((m) => m.broker_id);
      const targets = [...to.filter(active), ...unmanaged];
      const pending = to.filter((id) => !active(id));
      const offline = members.filter((m) => m.state === "offline" && to.includes(m.broker_id));
      if (offline.length > 0) {
        log(
          `streambus: warning: ${offlineWords(offline)}: the update will refuse until ` +
            `${offline.length > 1 ? "they are" : "it is"} back (or removed from streambus:brokers)`,
        );
      }
      const leader = facts.members.leader_id;
      if (leader !== null && remove.includes(leader)) {
        log(
          `streambus: broker ${leader} leads the Raft group: its leave costs an election (writes refused for up ` +
            `to ~${formatDuration(ELECTION_COST_MS)}; there is no leadership transfer), so it is removed last` +
            (remove.length > 1 ? ` of ${remove.join(", ")}` : ""),
        );
      }
      const opts = { throttleBytesPerS: news.throttleBytesPerS, maxConcurrentMoves: news.maxConcurrentMoves };
      try {
        const plan = await planMovement(cluster, targets, pending, remove, {
          ...opts,
          signal: ctx.signal,
          offline: offline.map((m) => m.broker_id),
        });
        const lines = planLines(
          plan,
          { clusterId: facts.members.cluster_id, stage: "preview", from, to },
          opts,
        );
        for (const line of lines) log(line);
      } catch (error) {
        say("note", { about: "plan", reason: (error as Error).message });
      }
    });
  } finally {
    await cluster.close();
  }
}

/** "broker 4 is offline (no heartbeat for 42s)", for one or more offline members. */
function offlineWords(offline: ReadonlyArray<{ broker_id: number; last_heartbeat_ms: number }>): string {
  const each = offline.map((m) => `${m.broker_id} (no heartbeat for ${formatDuration(m.last_heartbeat_ms)})`);
  return `declared broker${offline.length > 1 ? "s" : ""} ${each.join(", ")} ${offline.length > 1 ? "are" : "is"} offline`;
}

/** The live member set: declared brokers that are members, active members nobody declared, declared ones offline. */
async function liveMembers(
  props: MembershipOutputs,
  call?: CallOptions,
): Promise<{
  brokers: number[];
  unmanaged: number[];
  offline: Array<{ broker_id: number; last_heartbeat_ms: number }>;
  clusterId: string;
}> {
  const cluster = connect(props);
  try {
    const members = await cluster.refresh(call);
    // A crashed broker (offline) is still a member: it left nothing, and drift it is not.
    const present = members.members
      .filter((m) => m.state === "active" || m.state === "offline")
      .map((m) => m.broker_id);
    return {
      brokers: props.brokers.filter((b) => present.includes(b)).sort((a, b) => a - b),
      unmanaged: members.members
        .filter((m) => m.state === "active" && !props.brokers.includes(m.broker_id))
        .map((m) => m.broker_id)
        .sort((a, b) => a - b),
      offline: members.members
        .filter((m) => m.state === "offline" && props.brokers.includes(m.broker_id))
        .sort((a, b) => a.broker_id - b.broker_id),
      clusterId: members.cluster_id,
    };
  } finally {
    await cluster.close();
  }
}

/**
 * Says which declared brokers are offline and returns their ids, at the `diff` of an `up` or
 * `preview` that changes no declared field (a crashed broker otherwise passes unsaid, and the
 * run ends 0), and at the update that records it. Never fails: an unreachable cluster is said in
 * one line, and then nothing is known (undefined).
 */
async function warnOffline(props: MembershipOutputs): Promise<number[] | undefined> {
  try {
    const live = await runProcedure("membership check", 5_000, {}, (ctx) => liveMembers(props, ctx.call));
    if (live.offline.length > 0) {
      log(
        `streambus: warning: ${offlineWords(live.offline)}: the cluster runs without ${live.offline.length > 1 ? "them" : "it"} ` +
          "(start it again; `streambus-ops members` shows the members, `pulumi refresh` records it)",
      );
    }
    return live.offline.map((m) => m.broker_id);
  } catch (error) {
    log(`streambus: members not checked: ${(error as Error).message}`);
    return undefined;
  }
}

/** Runs the work of a create or an update and returns the outputs. */
async function apply(
  from: number[],
  olds: Pick<MembershipInputs, "adminUrls" | "caCertificate"> | undefined,
  news: MembershipInputs,
): Promise<{ id: string; outs: MembershipOutputs }> {
  const cluster = connect(news, olds);
  try {
    const { forcedGuards } = await applyMembership(cluster, {
      from,
      inputs: news,
      urls: urlsById(news.adminUrls, olds?.adminUrls),
      log,
    });
    const live = await liveMembers({ ...news, unmanaged: [], forcedGuards });
    const outs = {
      ...news,
      brokers: [...news.brokers].sort((a, b) => a - b),
      unmanaged: live.unmanaged,
      forcedGuards,
    };
    return { id: live.clusterId, outs: outs satisfies MembershipOutputs };
  } finally {
    await cluster.close();
  }
}

/** The membership provider's logic. */
export const provider: pulumi.dynamic.ResourceProvider<MembershipInputs, MembershipOutputs> = {
  async configure(req) {
    keepConfig(req.config);
  },
  async check(_olds, news) {
    return checkMembershipInputs(news);
  },
  async diff(_id, olds, news) {
    const changed = DECLARED.filter((k) => JSON.stringify(olds[k]) !== JSON.stringify(news[k]));
    const brokersKnown = Array.isArray(news.brokers) && !news.brokers.some(isUnknown);
    if (brokersKnown && !sameSet(olds.brokers, news.brokers)) {
      try {
        await judgeAtDiff(olds, news);
      } catch (error) {
        // Shown once, without a stack trace (see providers/refusal.ts).
        if (error instanceof Error && error.name === "GuardError") {
          const change = { from: sorted(olds.brokers), to: sorted(news.brokers) };
          throw refusal(withRefusalRecord(explain(error, "membership").message, error, change), error);
        }
        if (error instanceof ContractError && error.code === "unauthorized")
          throw refusal(explain(error, "membership preview").message, error);
        // Unreachable at preview: the update judges again before it changes anything.
        say("note", { about: "guards", reason: (error as Error).message });
      }
    } else if (brokersKnown && changed.length === 0) {
      // Nothing to change, so no update runs: a declared broker that crashed would pass unsaid.
      await warnOffline(olds);
    }
    // Offline declared brokers that `read` recorded are a change: `pulumi refresh` shows its
    // changes through this diff (new outputs against the inputs), and `up` shows the membership
    // as not converged while they are down; its update records them again, or their return.
    const offline = Array.isArray(olds.offline) && olds.offline.length > 0;
    // The broker set changes by update, never by replacement: a broker's identity is its id.
    return { changes: changed.length > 0 || offline, replaces: [], deleteBeforeReplace: false };
  },
  async create(inputs) {
    // A new drain gate (kubernetes) runs before the StatefulSet that makes its brokers: on a new
    // cluster no broker answers yet, and a gate created now has nothing to remove. The join gate,
    // after the StatefulSet, forms the cluster. (Found against a real API server: the first `up`
    // of every kubernetes stack failed here.)
    if (inputs.phase === "drain") {
      const outs = {
        ...inputs,
        brokers: [...inputs.brokers].sort((a, b) => a - b),
        unmanaged: [],
        forcedGuards: [],
      };
      return { id: "drain-gate", outs: outs satisfies MembershipOutputs };
    }
    try {
      return await apply([], undefined, inputs);
    } catch (error) {
      throw explain(error, `membership create [${inputs.brokers.join(", ")}]`);
    }
  },
  async update(_id, olds, news) {
    if (sameSet(olds.brokers, news.brokers)) {
      // A new URL (a replaced machine), throttle or deadline, or offline brokers recorded by a
      // refresh: nothing for the cluster to do; the offline ones are said and recorded anew.
      const offline = (await warnOffline({ ...olds, ...news })) ?? olds.offline ?? [];
      const outs = {
        ...news,
        unmanaged: olds.unmanaged ?? [],
        forcedGuards: olds.forcedGuards ?? [],
        ...(offline.length > 0 ? { offline } : {}),
      };
      return { outs: outs satisfies MembershipOutputs };
    }
    try {
      return { outs: (await apply(olds.brokers, olds, news)).outs };
    } catch (error) {
      const explained = explain(
        error,
        `membership update [${olds.brokers.join(", ")}] → [${news.brokers.join(", ")}]`,
      );
      const change = { from: sorted(olds.brokers), to: sorted(news.brokers) };
      const message = withRefusalRecord(explained.message, error, change);
      throw message === explained.message ? explained : new Error(message, { cause: error });
    }
  },
  async read(id, props) {
    if (props === undefined) return {};
    try {
      const live = await liveMembers(props);
      // `pulumi refresh` shows only declared fields as changes, so say it: the drift check
      // (and a person reading the refresh) learns of members no stack declares.
      if (live.unmanaged.length > 0) {
        log(
          `streambus: unmanaged members (live, declared by no stack, left alone): ${live.unmanaged.join(", ")}`,
        );
      }
      if (live.offline.length > 0) log(`streambus: warning: ${offlineWords(live.offline)}`);
      const { offline: _was, ...rest } = props;
      const offline = live.offline.map((m) => m.broker_id);
      return {
        id,
        props: {
          ...rest,
          brokers: live.brokers,
          unmanaged: live.unmanaged,
          ...(offline.length > 0 ? { offline } : {}),
        } satisfies MembershipOutputs,
      };
    } catch (error) {
      // Shown once by `pulumi refresh`, without a stack trace (see providers/refusal.ts).
      const what = `membership read (tried ${knownUrls(props.adminUrls).join(", ")})`;
      throw refusal(explain(error, what).message, error);
    }
  },
  async delete(_id, props) {
    // The whole cluster goes with its machines: there is nothing left to drain onto.
    log(
      `streambus: membership of brokers ${props.brokers.join(", ")} deleted with the cluster: no drain (nothing to drain onto)`,
    );
  },
};
