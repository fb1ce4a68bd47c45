import type { ConfigMap, EngineEvent } from "@pulumi/pulumi/automation";
import { expect } from "vitest";
import type { Cluster } from "../../procedures/client";
import type { SimOptions } from "../../sim";
import { startTestSim, type TestSim } from "../integration/helpers/sim";
import type { E2EStack } from "./harness";

/** The emulator's admin token in the membership tests: set as secret stack config, never in the state. */
export const TOKEN = "sb-e2e-membership-token-7c0d55aa";

/**
 * An empty emulator (no machine yet) with an admin token, test timings and topics whose moves take
 * a fraction of a second each at the stacks' throttle.
 */
export function startEmptySim(options: SimOptions = {}): Promise<TestSim> {
  return startTestSim({
    brokers: 0,
    token: TOKEN,
    topics: [
      { name: "events", partitions: 12, replicationFactor: 3, sizeBytes: 8 * 2 ** 20 },
      { name: "audit", partitions: 6, replicationFactor: 2, sizeBytes: 2 * 2 ** 20 },
    ],
    ...options,
  });
}

/** The local stack's config for `brokers` against `t`'s emulator. */
export function localConfig(
  t: TestSim,
  brokers: number[],
  extra: { rebalance?: Record<string, unknown>; force?: boolean } = {},
): ConfigMap {
  return {
    "streambus:platform": { value: "local" },
    "streambus:adminToken": { value: TOKEN, secret: true },
    "streambus:brokers": { value: JSON.stringify(brokers) },
    "streambus:local": { value: JSON.stringify({ controlUrl: t.sim.controlUrl }) },
    "streambus:rebalance": {
      value: JSON.stringify({ throttle: "64MB/s", maxConcurrentMoves: 6, timeout: "5m", ...extra.rebalance }),
    },
    ...(extra.force !== undefined ? { "streambus:force": { value: String(extra.force) } } : {}),
  };
}

/** A cluster handle with the token, through every broker the emulator may have. */
export function adminOf(t: TestSim): Cluster {
  return t.cluster({ token: TOKEN }, [1, 2, 3, 4, 5, 6]);
}

/** The ids of the live cluster's members in `state` (default: active), ascending. */
export async function membersIn(t: TestSim, state = "active"): Promise<number[]> {
  const members = await adminOf(t).refresh();
  return members.members
    .filter((m) => m.state === state)
    .map((m) => m.broker_id)
    .sort((a, b) => a - b);
}

/** Nothing lost, nothing diverged, every partition fully replicated. */
export async function expectIntact(t: TestSim): Promise<void> {
  const integrity = await t.integrity();
  expect(integrity.lost_messages).toBe(0);
  expect(integrity.diverged_replicas).toBe(0);
  expect(integrity.offline).toBe(0);
}

/** `pulumi up` through the Automation API, keeping the engine's text and events. */
export async function upWithOutput(
  e2e: E2EStack,
): Promise<{ ok: boolean; text: string; events: EngineEvent[]; error?: Error }> {
  let text = "";
  const events: EngineEvent[] = [];
  try {
    const up = await e2e.stack.up({ onOutput: (t) => (text += t), onEvent: (e) => events.push(e) });
    return { ok: up.summary.result === "succeeded", text, events };
  } catch (error) {
    return { ok: false, text: text + String((error as Error).message), events, error: error as Error };
  }
}

/** The `streambus-plan {json}` lines a preview or an up printed, parsed. */
export function plansIn(text: string): Array<Record<string, unknown>> {
  return [...text.matchAll(/streambus-plan (\{.*\})/g)].map(
    (m) => JSON.parse(m[1]!) as Record<string, unknown>,
  );
}

/** The position in `events` of the first one matching `step` and URN suffix, or -1. */
export function eventIndex(
  events: EngineEvent[],
  kind: "pre" | "outputs",
  op: string,
  urnEnd: string,
): number {
  return events.findIndex((e) => {
    const meta = kind === "pre" ? e.resourcePreEvent?.metadata : e.resOutputsEvent?.metadata;
    return meta !== undefined && meta.op === op && meta.urn.endsWith(urnEnd);
  });
}
