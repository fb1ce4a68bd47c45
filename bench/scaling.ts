/**
 * What a scaling `pulumi up` keeps an operator waiting beyond the cluster's own data movement:
 * `up` adding broker 4 to 3, minus the emulator's rebalance time (its rebalance status) minus a
 * no-op `up` of the same stack; the same for removing it (drain + leave, timed from broker 4's
 * member state on the emulator's control API). Target: at most one second each. Also the admin
 * API calls each `up` costs, the status polls of its waits, and the dynamic-provider process's
 * peak memory.
 */
import { startSim, type SimCluster } from "../sim";
import { median, mib, print, s, type Run } from "./measure";
import { adminCalls, control, resetAdminCalls, simBrokers, waitForMembers } from "./sim-control";
import { createStack, type BenchStack } from "./stacks";

const ROUNDS = 3;

interface RebalanceStatus {
  rebalance_id: string | null;
  started_at: string | null;
  finished_at: string | null;
}

async function rebalanceStatus(sim: SimCluster): Promise<RebalanceStatus> {
  return (await control(sim).state()).rebalance as RebalanceStatus;
}

/** The emulator's own time of a rebalance that ran since `before`, in ms (0 when none ran). */
async function rebalanceMsSince(sim: SimCluster, before: RebalanceStatus): Promise<number> {
  const now = await rebalanceStatus(sim);
  if (!now.rebalance_id || now.rebalance_id === before.rebalance_id || !now.started_at || !now.finished_at)
    return 0;
  return Date.parse(now.finished_at) - Date.parse(now.started_at);
}

/**
 * Watches broker `id`'s member state every 50 ms while `during` runs, through the control API
 * (not counted as admin calls): how long it was `draining`.
 */
async function drainMsDuring<T>(sim: SimCluster, id: number, during: Promise<T>): Promise<[T, number]> {
  let started: number | undefined;
  let ended: number | undefined;
  let done = false;
  const watch = (async () => {
    while (!done) {
      const state = (await simBrokers(sim).catch(() => [])).find((b) => b.broker_id === id)?.member_state;
      const now = performance.now();
      if (state === "draining" && started === undefined) started = now;
      if (started !== undefined && ended === undefined && state !== "draining") ended = now;
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  const result = await during;
  done = true;
  await watch;
  return [result, started === undefined ? 0 : (ended ?? performance.now()) - started];
}

function mustSucceed(what: string, r: Run): Run {
  if (r.code !== 0) throw new Error(`${what} failed:\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`);
  return r;
}

/** The scale-out and scale-in figures, on an empty emulator and a `bench-scale-...` stack. */
export async function scalingBench(): Promise<void> {
  // Small topics: moves take a fraction of a second each at the stack's throttle.
  const sim = await startSim({
    brokers: 0,
    registerDelayMs: 50,
    electionDelayMs: 300,
    moveOverheadMs: 100,
    produceRateMsgsPerS: 100,
    tickMs: 50,
    topics: [
      { name: "events", partitions: 12, replicationFactor: 3, sizeBytes: 8 * 2 ** 20 },
      { name: "audit", partitions: 6, replicationFactor: 2, sizeBytes: 2 * 2 ** 20 },
    ],
  });
  let stack: BenchStack | undefined;
  try {
    stack = await createStack("scale");
    const base = {
      "streambus:platform": "local",
      "streambus:local": { controlUrl: sim.controlUrl },
      "streambus:rebalance": { throttle: "64MB/s", maxConcurrentMoves: 6, timeout: "5m" },
    };
    await stack.configure({ ...base, "streambus:brokers": [1, 2, 3] });
    const up = ["up", "--yes", "--skip-preview"];
    const first = mustSucceed("the first pulumi up (3 brokers)", await stack.pulumi(up));
    await waitForMembers(sim, 3);
    console.log(`(setup: the first \`pulumi up\` of 3 brokers on an empty emulator took ${s(first.wallMs)})`);

    const rounds: Array<{ noop: Run; out: Run; rebalanceMs: number; inn: Run; emulatorInMs: number }> = [];
    const calls: Record<string, string> = {};
    let statusPolls = { out: 0, in: 0 };
    for (let i = 0; i < ROUNDS; i++) {
      await resetAdminCalls(sim);
      const noop = mustSucceed("a no-op pulumi up", await stack.pulumi(up));
      if (i === 0) {
        const c = await adminCalls(sim);
        calls.noop = `${c.total}${c.total ? ` (${c.top})` : ""}`;
      }

      await stack.configure({ "streambus:brokers": [1, 2, 3, 4] });
      const before = await rebalanceStatus(sim);
      await resetAdminCalls(sim);
      const out = mustSucceed("pulumi up adding broker 4", await stack.pulumi(up, { sampleMemory: true }));
      const rebalanceMs = await rebalanceMsSince(sim, before);
      const outCalls = await adminCalls(sim);
      statusPolls.out = outCalls.count("GET", "/admin/partitions/rebalance-status");
      if (i === 0) calls.out = `${outCalls.total} (${outCalls.top})`;

      await stack.configure({ "streambus:brokers": [1, 2, 3] });
      const beforeIn = await rebalanceStatus(sim);
      await resetAdminCalls(sim);
      const [inn, drainMs] = await drainMsDuring(sim, 4, stack.pulumi(up, { sampleMemory: true }));
      mustSucceed("pulumi up removing broker 4", inn);
      const emulatorInMs = drainMs + (await rebalanceMsSince(sim, beforeIn));
      const inCalls = await adminCalls(sim);
      statusPolls = {
        ...statusPolls,
        in:
          inCalls.count("GET", "/admin/cluster/members") +
          inCalls.count("GET", "/admin/partitions/rebalance-status"),
      };
      if (i === 0) calls.in = `${inCalls.total} (${inCalls.top})`;
      rounds.push({ noop, out, rebalanceMs, inn, emulatorInMs });
    }

    const noopMs = median(rounds.map((r) => r.noop.wallMs));
    const outMs = median(rounds.map((r) => r.out.wallMs));
    const inMs = median(rounds.map((r) => r.inn.wallMs));
    const rebalanceMs = median(rounds.map((r) => r.rebalanceMs));
    const emulatorInMs = median(rounds.map((r) => r.emulatorInMs));
    const perRoundOut = rounds.map((r) => r.out.wallMs - r.rebalanceMs - r.noop.wallMs);
    const perRoundIn = rounds.map((r) => r.inn.wallMs - r.emulatorInMs - r.noop.wallMs);
    const overheadOut = median(perRoundOut);
    const overheadIn = median(perRoundIn);
    const cpu = (pick: (r: (typeof rounds)[number]) => Run) => s(median(rounds.map((r) => pick(r).cpuMs)));
    const each = (xs: number[]) => xs.map((x) => s(x)).join(", ");
    const reproduce = `node dist/bench/index.js scaling  # ${stack.command(up)} after \`pulumi config set streambus:brokers [1,2,3,4]\``;
    print({
      name: "scale-out overhead (`pulumi up` adding broker 4 to 3, beyond the rebalance and a no-op up)",
      value: overheadOut,
      shown: s(overheadOut),
      target: { text: "≤ 1.00 s", met: overheadOut <= 1000 },
      detail:
        `${(outMs / (rebalanceMs + noopMs)).toFixed(2)}× (rebalance + no-op up); medians of ${ROUNDS}: up ${s(outMs)}, ` +
        `the emulator's rebalance ${s(rebalanceMs)}, no-op up ${s(noopMs)}; each round's overhead ${each(perRoundOut)}; ` +
        `cpu of the pulumi processes: up ${cpu((r) => r.out)}, no-op up ${cpu((r) => r.noop)}`,
      reproduce,
    });
    print({
      name: "scale-in overhead (`pulumi up` removing broker 4: drain + leave, beyond the drain and a no-op up)",
      value: overheadIn,
      shown: s(overheadIn),
      target: { text: "≤ 1.00 s", met: overheadIn <= 1000 },
      detail:
        `${(inMs / (emulatorInMs + noopMs)).toFixed(2)}× (drain + no-op up); medians of ${ROUNDS}: up ${s(inMs)}, ` +
        `the emulator's drain (and rebalance, if any) ${s(emulatorInMs)}, no-op up ${s(noopMs)}; each round's overhead ${each(perRoundIn)}; ` +
        `cpu of the pulumi processes: up ${cpu((r) => r.inn)}, no-op up ${cpu((r) => r.noop)}`,
      reproduce: reproduce.replace("[1,2,3,4]", "[1,2,3]"),
    });
    console.log(`admin API calls, a no-op \`pulumi up\` of 3 brokers: ${calls.noop}`);
    console.log(
      `admin API calls, \`pulumi up\` adding broker 4: ${calls.out}; rebalance status polls: ${statusPolls.out}`,
    );
    console.log(
      `admin API calls, \`pulumi up\` removing broker 4: ${calls.in}; member and status polls: ${statusPolls.in}`,
    );
    const peak = (runs: Run[], kind: string) => Math.max(...runs.map((r) => r.peakKiB[kind] ?? Number.NaN));
    const outs = rounds.map((r) => r.out);
    console.log(
      `peak memory during a scale-out up: dynamic provider ${mib(peak(outs, "dynamic provider"))}, ` +
        `program ${mib(peak(outs, "program"))}, engine ${mib(peak(outs, "engine"))}`,
    );
  } finally {
    await stack?.remove();
    await sim.stop();
  }
}
