/**
 * Helpers of the membership provider's tests: the emulator with an admin token and data that
 * takes measurable time to move, the provider configured as the engine would (the stack's
 * config through `configure`), inputs for a declared set, and the lines it prints.
 */
import { vi } from "vitest";
import type { SimOptions } from "../../../sim";
import { provider, type MembershipInputs, type MembershipOutputs } from "../../../providers/membership";
import { startTestSim, type TestSim } from "../helpers/sim";

/** The admin token the emulator is started with. */
export const TOKEN = "membership-test-token-7f3a";

/** Emulator options: short registration and elections, 16 MiB of partitions that take a second or so to move. */
export const PROVIDER_SIM: SimOptions = {
  token: TOKEN,
  registerDelayMs: 100,
  electionDelayMs: 300,
  moveOverheadMs: 100,
  topics: [
    { name: "events", partitions: 8, replicationFactor: 3, sizeBytes: 2 * 2 ** 20 },
    { name: "audit", partitions: 4, replicationFactor: 2, sizeBytes: 2 ** 20 },
  ],
};

/** Starts the emulator (no brokers unless asked) and configures the provider with its token. */
export async function startProviderSim(opts: SimOptions = {}): Promise<TestSim> {
  const t = await startTestSim({ brokers: 0, ...PROVIDER_SIM, ...opts });
  await configureToken(opts.token ?? TOKEN);
  return t;
}

/** Configures the provider as the engine does: the stack's config, `streambus:adminToken` in it. */
export async function configureToken(token: string | undefined): Promise<void> {
  const values: Record<string, string> = token === undefined ? {} : { "streambus:adminToken": token };
  const get = (key: string) => values[key];
  await provider.configure!({
    config: {
      get,
      require: (key: string) => {
        const v = get(key);
        if (v === undefined) throw new Error(`missing ${key}`);
        return v;
      },
    },
  });
}

/** Inputs declaring `ids`, with each broker's URL on the emulator. */
export function inputs(t: TestSim, ids: number[], extra: Partial<MembershipInputs> = {}): MembershipInputs {
  return {
    brokers: ids,
    adminUrls: Object.fromEntries(ids.map((id) => [String(id), t.sim.brokerUrl(id)])),
    phase: "all",
    timeoutMs: 60_000,
    force: false,
    maxConcurrentMoves: 4,
    throttleBytesPerS: 8 * 2 ** 20,
    ...extra,
  };
}

/** Captures what the provider prints (console.log) while `fn` runs. */
export async function capture<T>(
  fn: () => Promise<T>,
): Promise<{ result?: T; error?: unknown; lines: string[] }> {
  const lines: string[] = [];
  const spy = vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => {
    lines.push(args.map(String).join(" "));
  });
  try {
    return { result: await fn(), lines };
  } catch (error) {
    return { error, lines };
  } finally {
    spy.mockRestore();
  }
}

/** The `streambus-plan` lines' JSON. */
export function plans(lines: string[]): Array<Record<string, unknown>> {
  return lines
    .filter((l) => l.startsWith("streambus-plan "))
    .map((l) => JSON.parse(l.slice("streambus-plan ".length)) as Record<string, unknown>);
}

/** A call to the emulator's control API (the one client of it in the tests: `TestSim.control`). */
export function control(t: TestSim, method: string, path: string, body?: unknown): Promise<unknown> {
  return t.control(method, path, body);
}

/** The emulator's rebalance status (its id counts the rebalances started: `rb-N`). */
export async function rebalanceStatus(t: TestSim): Promise<{
  rebalance_id: string | null;
  status: string;
  moves_total: number;
  bytes_total: number;
  bytes_moved: number;
  finished_at: string | null;
}> {
  return ((await control(t, "GET", "/sim/cluster")) as { rebalance: never }).rebalance;
}

/** Rebalances started so far (the number of the last `rb-N`). */
export async function rebalancesStarted(t: TestSim): Promise<number> {
  const id = (await rebalanceStatus(t)).rebalance_id;
  return id === null ? 0 : Number(id.slice(3));
}

/** Members by id → state, as the emulator's machines list says. */
export async function memberStates(t: TestSim): Promise<Record<number, string | null>> {
  const { brokers } = (await control(t, "GET", "/sim/brokers")) as {
    brokers: Array<{ broker_id: number; member_state: string | null }>;
  };
  return Object.fromEntries(brokers.map((b) => [b.broker_id, b.member_state]));
}

/** The ids of the active members, ascending. */
export async function activeIds(t: TestSim): Promise<number[]> {
  const states = await memberStates(t);
  return Object.entries(states)
    .filter(([, s]) => s === "active")
    .map(([id]) => Number(id))
    .sort((a, b) => a - b);
}

/** Destroys a machine, as Pulumi does after the membership update. */
export async function destroy(t: TestSim, id: number): Promise<void> {
  await control(t, "DELETE", `/sim/brokers/${id}`);
}

/** Creates the membership of `ids` on an emulator where they are provisioned now. */
export async function createMembership(t: TestSim, ids: number[], extra: Partial<MembershipInputs> = {}) {
  for (const id of ids) await t.provision(id);
  const r = await provider.create(inputs(t, ids, extra));
  return r.outs as MembershipOutputs;
}

/** Asserts nothing was lost or diverged (the caller's `expect`). */
export async function integrityOf(t: TestSim) {
  return t.integrity();
}
