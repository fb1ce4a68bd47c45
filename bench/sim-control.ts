/**
 * The benchmarks' calls to an emulator: its control API (`/sim/...`, answers checked against
 * `sim/control-contract.ts`) and the few admin calls that build a fleet (join, topics).
 */
import { setTimeout as pause } from "node:timers/promises";
import { request } from "undici";
import type { SimBrokersResponse, SimCluster } from "../sim";
import { SimControlClient } from "../sim/control-client";

/** The emulator's control API, through its one client. */
export function control(sim: SimCluster): SimControlClient {
  return new SimControlClient(sim.controlUrl);
}

/** One JSON call to a broker's admin API; throws on a status of 300 or more, naming the call. */
export async function call(url: string, method = "GET", body?: unknown): Promise<unknown> {
  const res = await request(url, {
    method: method as "GET",
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.body.text();
  if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

/**
 * The benchmarks' one polling helper: `check` every 100 ms until it holds (a failed check counts as
 * not yet), for at most `ms`. (Tests use vitest's `vi.waitFor`; procedures, `ProcedureContext.waitUntil`.)
 */
export async function until(what: string, check: () => Promise<boolean>, ms = 120_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check().catch(() => false))) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await pause(100);
  }
}

/** The emulator's machines and their member state (`GET /sim/brokers`). */
export async function simBrokers(sim: SimCluster): Promise<SimBrokersResponse["brokers"]> {
  return control(sim).brokers();
}

/** Waits until `count` brokers are cluster members (learners or active). */
export function waitForMembers(sim: SimCluster, count: number): Promise<void> {
  return until(`${count} members`, async () => {
    const brokers = await simBrokers(sim);
    return brokers.filter((b) => b.member_state !== null).length >= count;
  });
}

/** Joins every learner, one at a time, then creates `topics` through broker 1. */
export async function buildFleet(
  sim: SimCluster,
  brokers: number,
  topics: Array<{ name: string; partitions: number; replicationFactor: number }>,
): Promise<void> {
  await waitForMembers(sim, brokers);
  const admin = sim.brokerUrl(1);
  for (const b of await simBrokers(sim)) {
    if (b.member_state === "learner")
      await call(`${admin}/admin/cluster/join`, "POST", { broker_id: b.broker_id });
  }
  for (const t of topics) {
    await call(`${admin}/admin/topics/${t.name}`, "PUT", {
      partitions: t.partitions,
      replication_factor: t.replicationFactor,
    });
  }
}

/** Starts counting admin requests from zero (`DELETE /sim/requests`). */
export async function resetAdminCalls(sim: SimCluster): Promise<void> {
  await control(sim).resetRequests();
}

/** The admin requests served since the last reset: the total, and the most frequent calls. */
export async function adminCalls(
  sim: SimCluster,
): Promise<{ total: number; top: string; count(method: string, path: string): number }> {
  const r = await control(sim).requests();
  const byCall = new Map<string, number>();
  for (const q of r.requests) {
    const path = q.path
      .replace(/\/admin\/topics\/[^/]+/, "/admin/topics/{name}")
      .replace(/\/\d+(\/|$)/, "/{id}$1");
    const key = `${q.method} ${path}`;
    byCall.set(key, (byCall.get(key) ?? 0) + q.count);
  }
  const top = [...byCall]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 5)
    .map(([k, n]) => `${n} ${k}`)
    .join(", ");
  return {
    total: r.total,
    top,
    count: (method, path) =>
      r.requests.filter((q) => q.method === method && q.path === path).reduce((sum, q) => sum + q.count, 0),
  };
}
