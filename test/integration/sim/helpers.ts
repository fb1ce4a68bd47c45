import { request } from "undici";
import { expect, vi } from "vitest";
import { startSim, type IntegrityResponse, type SimCluster, type SimOptions } from "../../../sim";
import { SimControlClient } from "../../../sim/control-client";

/** An answer: status and parsed JSON (or text). */
export interface Answer {
  status: number;
  body: unknown;
  text: string;
}

/** Calls a URL over real HTTP with undici; JSON in and out. */
export async function call(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  token?: string,
): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers["content-type"] = "application/json";
  if (token) headers["authorization"] = `Bearer ${token}`;
  const res = await request(`${base}${path}`, {
    method: method as "GET",
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.body.text();
  let parsed: unknown = undefined;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: res.statusCode, body: parsed, text };
}

/** The JSON body of an answer, typed loosely for assertions. */
export function obj(a: Answer): Record<string, unknown> {
  return a.body as Record<string, unknown>;
}

/**
 * Polls `check` every 50 ms until it returns a truthy value (its value) or `timeoutMs` passes:
 * vitest's `vi.waitFor`, the tests' one polling helper; the timeout names `what` and the last error.
 */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  timeoutMs = 15_000,
): Promise<T> {
  let last: unknown;
  return vi.waitFor(
    async () => {
      const v = await check().catch((err: unknown) => {
        last = err;
        return undefined;
      });
      if (!v) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`);
      return v;
    },
    { timeout: timeoutMs, interval: 50 },
  );
}

/** Timing for tests: registration, elections and moves in fractions of a second. */
export const FAST: SimOptions = {
  registerDelayMs: 50,
  electionDelayMs: 300,
  checkQuorumMs: 1_000,
  offlineAfterMs: 2_000,
  moveOverheadMs: 100,
  taskDurationMs: 300,
  tickMs: 50,
  moveRateBytesPerS: 8 * 2 ** 20,
  produceRateMsgsPerS: 2_000,
  topics: [
    { name: "events", partitions: 12, replicationFactor: 3, sizeBytes: 2 * 2 ** 20 },
    { name: "orders", partitions: 6, replicationFactor: 3, sizeBytes: 2 ** 20 },
  ],
};

/** Starts an emulator with test timing; the cluster has formed and seeded its topics when it resolves. */
export async function startFormed(options: SimOptions = {}): Promise<SimCluster> {
  const sim = await startSim({ ...FAST, ...options });
  const topics = options.topics ?? FAST.topics ?? [];
  const voters = Math.min(options.brokers ?? 0, 3);
  await waitFor("the cluster to form", async () => {
    const members = await call(sim.brokerUrl(1), "GET", "/admin/cluster/members", undefined, options.token);
    const list = (obj(members)["members"] ?? []) as { state: string }[];
    if (list.filter((m) => m.state === "active").length < voters) return false;
    const parts = await call(sim.brokerUrl(1), "GET", "/admin/partitions", undefined, options.token);
    const want = topics.reduce((s, t) => s + t.partitions, 0);
    return ((obj(parts)["partitions"] ?? []) as unknown[]).length === want;
  });
  return sim;
}

/** Asserts that nothing acknowledged was lost and no replica diverged. */
export async function expectIntact(
  sim: SimCluster,
  opts: { healthy?: boolean } = {},
): Promise<IntegrityResponse> {
  const control = new SimControlClient(sim.controlUrl);
  const check = async () => {
    const integrity = await control.integrity();
    const healthy = integrity.under_replicated === 0 && integrity.offline === 0;
    return integrity.lost_messages === 0 && integrity.diverged_replicas === 0 && (healthy || !opts.healthy)
      ? integrity
      : undefined;
  };
  const integrity = await waitFor("integrity", check, 15_000).catch(() => control.integrity());
  expect(integrity.lost_messages).toBe(0);
  expect(integrity.diverged_replicas).toBe(0);
  if (opts.healthy)
    expect({ under: integrity.under_replicated, offline: integrity.offline }).toEqual({
      under: 0,
      offline: 0,
    });
  expect(integrity.acked_messages).toBeGreaterThan(0);
  return integrity;
}

/** Replica counts per broker from `GET /admin/partitions`. */
export async function replicaCounts(sim: SimCluster): Promise<Map<number, number>> {
  const parts = obj(await call(sim.brokerUrl(1), "GET", "/admin/partitions"))["partitions"] as {
    replicas: number[];
  }[];
  const counts = new Map<number, number>();
  for (const p of parts) for (const b of p.replicas) counts.set(b, (counts.get(b) ?? 0) + 1);
  return counts;
}

/** Waits for a rebalance to reach a final state and returns its status. */
export async function waitRebalance(sim: SimCluster, timeoutMs = 20_000): Promise<Record<string, unknown>> {
  return waitFor(
    "the rebalance to finish",
    async () => {
      const s = obj(await call(sim.brokerUrl(1), "GET", "/admin/partitions/rebalance-status"));
      return s["status"] !== "running" ? s : undefined;
    },
    timeoutMs,
  );
}
