/**
 * Benchmark of the emulator at scale (not a timed test): 60 brokers, 6,000 partition replicas
 * (20 topics × 100 partitions × replication factor 3). Prints the latency of
 * `GET /admin/partitions` and of a `dry_run` rebalance (on the balanced cluster, after a 61st
 * broker joins, and in the worst case of everything on three brokers), and the memory used.
 *
 * Run: `npx tsc -p tsconfig.build.json && node dist/bench/sim.js`
 */
import { request } from "undici";
import { startSim } from "../sim";
import { SimControlClient } from "../sim/control-client";
import { until } from "./sim-control";

const BROKERS = 60;
const TOPICS = 20;
const PARTITIONS = 100;

async function call(url: string, method: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const res = await request(url, {
    method: method as "GET",
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.body.text();
  return { status: res.statusCode, json: text ? JSON.parse(text) : undefined };
}

async function timeIt(
  n: number,
  fn: () => Promise<void>,
): Promise<{ p50: number; p95: number; max: number }> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  const at = (q: number): number => times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? NaN;
  return { p50: at(0.5), p95: at(0.95), max: times[times.length - 1] ?? NaN };
}

const ms = (x: number): string => `${x.toFixed(1)} ms`;
const mib = (x: number): string => `${(x / 2 ** 20).toFixed(0)} MiB`;

async function main(): Promise<void> {
  const memBefore = process.memoryUsage();
  const sim = await startSim({
    brokers: BROKERS,
    topics: [],
    registerDelayMs: 100,
    produceRateMsgsPerS: 1_000,
  });
  const url = sim.brokerUrl(1);
  try {
    await until("broker 60 to register", async () => {
      const res = await call(`${url}/admin/cluster/members`, "GET");
      return res.status === 200 && (res.json as { members: unknown[] }).members.length === BROKERS;
    });
    for (let id = 4; id <= BROKERS; id++) await call(`${url}/admin/cluster/join`, "POST", { broker_id: id });
    for (let t = 0; t < TOPICS; t++) {
      const res = await call(`${url}/admin/topics/topic-${t}`, "PUT", {
        partitions: PARTITIONS,
        replication_factor: 3,
      });
      if (res.status !== 200)
        throw new Error(`creating topic-${t}: ${res.status} ${JSON.stringify(res.json)}`);
    }
    const parts = (await call(`${url}/admin/partitions`, "GET")).json as {
      partitions: { replicas: number[] }[];
    };
    const replicas = parts.partitions.reduce((s, p) => s + p.replicas.length, 0);
    console.log(
      `cluster: ${BROKERS} brokers, ${parts.partitions.length} partitions, ${replicas} partition replicas`,
    );

    const list = await timeIt(
      50,
      async () => void (await call(`${sim.brokerUrl(7)}/admin/partitions`, "GET")),
    );
    console.log(
      `GET /admin/partitions (via a follower): p50 ${ms(list.p50)}, p95 ${ms(list.p95)}, max ${ms(list.max)}`,
    );

    const balanced = await timeIt(20, async () => {
      await call(`${url}/admin/partitions/rebalance`, "POST", { dry_run: true });
    });
    const moves0 = (await call(`${url}/admin/partitions/rebalance`, "POST", { dry_run: true })).json as {
      moves_total: number;
    };
    console.log(
      `dry_run rebalance, balanced cluster (${moves0.moves_total} moves): p50 ${ms(balanced.p50)}, p95 ${ms(balanced.p95)}`,
    );

    await new SimControlClient(sim.controlUrl).provision({ broker_id: BROKERS + 1 });
    await until("broker 61 to register", async () => {
      return (await call(`${url}/admin/cluster/join`, "POST", { broker_id: BROKERS + 1 })).status === 200;
    });
    let planned = 0;
    const grown = await timeIt(20, async () => {
      const res = await call(`${url}/admin/partitions/rebalance`, "POST", { dry_run: true });
      planned = (res.json as { moves_total: number }).moves_total;
    });
    console.log(
      `dry_run rebalance after a 61st broker joins (${planned} moves): p50 ${ms(grown.p50)}, p95 ${ms(grown.p95)}`,
    );

    const worst = await timeIt(5, async () => {
      const res = await call(`${url}/admin/partitions/rebalance`, "POST", {
        dry_run: true,
        brokers: [1, 2, 3, 4],
      });
      planned = (res.json as { moves_total: number }).moves_total;
    });
    console.log(
      `dry_run rebalance onto 4 brokers (${planned} moves): p50 ${ms(worst.p50)}, p95 ${ms(worst.p95)}`,
    );

    // The model's clock at this size: CPU spent over two seconds with only synthetic traffic.
    const cpu0 = process.cpuUsage();
    await new Promise((r) => setTimeout(r, 2_000));
    const cpu = process.cpuUsage(cpu0);
    console.log(
      `idle cost of the model's clock: ${((cpu.user + cpu.system) / 20_000).toFixed(1)} % of one core`,
    );

    global.gc?.();
    const mem = process.memoryUsage();
    console.log(
      `memory (benchmark process, emulator included): rss ${mib(mem.rss)} (${mib(memBefore.rss)} before start), ` +
        `heap used ${mib(mem.heapUsed)} of ${mib(mem.heapTotal)}, external ${mib(mem.external)}`,
    );
  } finally {
    await sim.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
