/**
 * Test helpers: the emulator with timings tuned down (seconds become tenths), its control
 * API, and an undici dispatcher that records every request the client sends and its answer.
 */
import { Agent, type Dispatcher } from "undici";
import { vi } from "vitest";
import { startSim, type RequestsResponse, type SimCluster, type SimOptions } from "../../../sim";
import { SimControlClient } from "../../../sim/control-client";
import { Cluster, type ClientOptions } from "../../../procedures/client";

/** Emulator timings for tests: realistic order, a tenth of the wait. */
export const FAST_SIM: SimOptions = {
  registerDelayMs: 200,
  electionDelayMs: 300,
  checkQuorumMs: 800,
  offlineAfterMs: 1_500,
  moveOverheadMs: 100,
  moveRateBytesPerS: 16 * 2 ** 20,
  produceRateMsgsPerS: 100,
  taskDurationMs: 300,
  tickMs: 50,
  topics: [
    { name: "events", partitions: 8, replicationFactor: 3, sizeBytes: 2 * 2 ** 20 },
    { name: "audit", partitions: 4, replicationFactor: 2, sizeBytes: 2 ** 20 },
  ],
};

/** Client options for tests: short backoff, so a retried call costs tens of ms. */
export const FAST_CLIENT: ClientOptions = {
  retry: { retries: 5, minDelayMs: 20, maxDelayMs: 300 },
  timeouts: { health: 1_000, read: 2_000, write: 3_000, bulk: 3_000 },
};

/** One request the client sent, and how it was answered. */
export interface Recorded {
  method: string;
  origin: string;
  path: string;
  /** The HTTP status, or 0 when no answer came (refused, reset, timed out). */
  status: number;
}

/** An undici dispatcher that records every request (a real interceptor, not a stub). */
export function recordingDispatcher(): { dispatcher: Dispatcher; calls: Recorded[]; close(): Promise<void> } {
  const calls: Recorded[] = [];
  const agent = new Agent({ keepAliveTimeout: 1_000 });
  const dispatcher = agent.compose((dispatch) => (opts, handler) => {
    const entry: Recorded = {
      method: opts.method,
      origin: String(opts.origin ?? ""),
      path: opts.path,
      status: 0,
    };
    calls.push(entry);
    return dispatch(opts, {
      ...handler,
      onResponseStart(controller, statusCode, headers, statusMessage) {
        entry.status = statusCode;
        handler.onResponseStart?.(controller, statusCode, headers, statusMessage);
      },
      onResponseData: (c, chunk) => handler.onResponseData?.(c, chunk),
      onResponseEnd: (c, trailers) => handler.onResponseEnd?.(c, trailers),
      onResponseError: (c, err) => handler.onResponseError?.(c, err),
      onRequestStart: (c, ctx) => handler.onRequestStart?.(c, ctx),
      onRequestUpgrade: (c, s, h, sock) => handler.onRequestUpgrade?.(c, s, h, sock),
    });
  });
  return { dispatcher, calls, close: () => agent.close() };
}

/** A running emulator with its control API. */
export interface TestSim {
  sim: SimCluster;
  /** The emulator's control API client (the one client of it: `sim/control-client.ts`). */
  client: SimControlClient;
  /** Broker admin URLs. */
  urls(...ids: number[]): string[];
  /** Stops a broker's process: its port refuses connections. */
  stopBroker(id: number): Promise<void>;
  /** Starts a stopped broker again. */
  startBroker(id: number): Promise<void>;
  /** Provisions a machine with a broker on it (it registers as a learner). */
  provision(id: number): Promise<void>;
  /** Latency and error rate on one broker, or every broker. */
  fault(f: { broker_id?: number; latency_ms?: number; error_rate?: number }): Promise<void>;
  /** Clears every fault. */
  clearFaults(): Promise<void>;
  /** Cuts the network between brokers into groups. */
  cut(groups: number[][]): Promise<void>;
  /** Heals every cut. */
  heal(): Promise<void>;
  /** `GET /sim/integrity`. */
  integrity(): Promise<{
    lost_messages: number;
    diverged_replicas: number;
    under_replicated: number;
    offline: number;
  }>;
  /** A call to the control API: the parsed JSON answer; throws on a non-2xx status. */
  control(method: string, path: string, body?: unknown): Promise<unknown>;
  /** `GET /sim/requests`: the admin requests each broker served, by method and path. */
  requests(): Promise<RequestsResponse>;
  /** `GET /sim/brokers`: the machines, running or not. */
  machines(): Promise<number[]>;
  /** A cluster handle on the given brokers (default 1..3). */
  cluster(opts?: ClientOptions, ids?: number[]): Cluster;
  stop(): Promise<void>;
}

/** Starts the emulator with test timings and `brokers` brokers (default 3). */
export async function startTestSim(opts: SimOptions = {}): Promise<TestSim> {
  const sim = await startSim({ brokers: 3, ...FAST_SIM, ...opts });
  const client = new SimControlClient(sim.controlUrl);
  const handles: Cluster[] = [];
  return {
    sim,
    client,
    control: (method, path, body) => client.call(method, path, body),
    urls: (...ids) => ids.map((id) => sim.brokerUrl(id)),
    stopBroker: (id) => client.stop(id),
    startBroker: (id) => client.start(id),
    provision: async (id) => void (await client.provision({ broker_id: id })),
    fault: (f) => client.fault(f),
    clearFaults: () => client.clearFaults(),
    cut: (groups) => client.cut(groups),
    heal: () => client.heal(),
    integrity: () => client.integrity(),
    requests: () => client.requests(),
    machines: async () => (await client.brokers()).map((b) => b.broker_id),
    cluster(opts = {}, ids = [1, 2, 3]) {
      const c = new Cluster(
        ids.map((id) => sim.brokerUrl(id)),
        { ...FAST_CLIENT, ...opts },
      );
      handles.push(c);
      return c;
    },
    async stop() {
      await Promise.all(handles.map((h) => h.close()));
      await sim.stop();
    },
  };
}

/**
 * Waits until `check` resolves true, polling every 100 ms, or fails after `ms` naming `what`: vitest's
 * `vi.waitFor` (the tests' one polling helper), with a check that failed counting as not yet.
 */
export async function eventually(
  check: () => Promise<boolean>,
  ms = 10_000,
  what = "condition",
): Promise<void> {
  await vi.waitFor(
    async () => {
      const ok = await check().catch(() => false);
      if (!ok) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    },
    { timeout: ms, interval: 100 },
  );
}
