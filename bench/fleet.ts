/**
 * A fleet on the local platform: 60 brokers, 200 topics, 6,000 partition replicas. A no-op
 * `pulumi preview` and a drift check (`pulumi refresh --preview-only`) of it against a no-op
 * preview of a stack with as many plain resources (target ≤ 1.5× each); the drift check on 60
 * brokers against the same on 3 (target ≤ 3×); `streambus-ops health` on 60 brokers against 1
 * (target ≤ 2×). With the admin API calls each costs and the peak memory of each process.
 */
import { startSim, type SimCluster } from "../sim";
import { interleaved, mib, print, ratio, timingOf, wallCpu, type Run, type Timing } from "./measure";
import { adminCalls, buildFleet, resetAdminCalls } from "./sim-control";
import { ops } from "./startup";
import { createStack, plainProject, type BenchStack } from "./stacks";

const RUNS = 3;
const TOPICS = Array.from({ length: 200 }, (_, i) => ({
  name: `fleet-${String(i).padStart(3, "0")}`,
  partitions: 10,
  replicationFactor: 3,
}));

function fleetSim(brokers: number): Promise<SimCluster> {
  return startSim({
    brokers,
    topics: [],
    registerDelayMs: 50,
    electionDelayMs: 300,
    produceRateMsgsPerS: 100,
  });
}

async function upOrThrow(stack: BenchStack, what: string): Promise<Run> {
  const r = await stack.pulumi(["up", "--yes", "--skip-preview"]);
  if (r.code !== 0)
    throw new Error(`${what}: pulumi up failed:\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`);
  return r;
}

/** The resources in a stack's state, without the stack itself and provider references. */
async function resourceCount(stack: BenchStack): Promise<number> {
  const r = await stack.pulumi(["stack", "export"]);
  const state = JSON.parse(r.stdout) as { deployment: { resources?: Array<{ type: string }> } };
  return (state.deployment.resources ?? []).filter(
    (x) => x.type !== "pulumi:pulumi:Stack" && !x.type.startsWith("pulumi:providers:"),
  ).length;
}

function peaks(runs: Run[]): string {
  const kinds = ["engine", "language host", "program", "dynamic provider"];
  return kinds.map((k) => `${k} ${mib(Math.max(...runs.map((r) => r.peakKiB[k] ?? Number.NaN)))}`).join(", ");
}

/** The fleet figures. */
export async function fleetBench(): Promise<void> {
  const sim60 = await fleetSim(60);
  const sim3 = await fleetSim(3);
  const sim1 = await startSim({ brokers: 1, topics: [], registerDelayMs: 50, produceRateMsgsPerS: 100 });
  const stacks: BenchStack[] = [];
  try {
    // Members joined beforehand (the membership's own work is the scaling benchmark's); the
    // topics are created by the stack's first `up`.
    await buildFleet(sim60, 60, []);
    await buildFleet(sim3, 3, []);
    await buildFleet(
      sim1,
      1,
      TOPICS.map((t) => ({ ...t, replicationFactor: 1 })),
    );

    const fleet = await createStack("fleet60");
    stacks.push(fleet);
    const small = await createStack("fleet3");
    stacks.push(small);
    const config = (sim: SimCluster, brokers: number) => ({
      "streambus:platform": "local",
      "streambus:local": { controlUrl: sim.controlUrl },
      "streambus:brokers": brokers,
      "streambus:topics": TOPICS,
    });
    await fleet.configure(config(sim60, 60));
    await small.configure(config(sim3, 3));
    const setup60 = await upOrThrow(fleet, "the 60-broker fleet");
    const setup3 = await upOrThrow(small, "the 3-broker fleet");
    const count = await resourceCount(fleet);
    const plain = await createStack("plain", plainProject());
    stacks.push(plain);
    await plain.configure({ "bench:count": count });
    const setupPlain = await upOrThrow(plain, "the plain stack");
    console.log(
      `(setup: first \`pulumi up\` of the 60-broker fleet ${wallCpu(timingOf([setup60]))}, ` +
        `of the 3-broker one ${wallCpu(timingOf([setup3]))}, of ${count} plain resources ${wallCpu(timingOf([setupPlain]))})`,
    );

    const preview = ["preview"];
    const drift = ["refresh", "--preview-only"];
    const calls: Record<string, string> = {};
    const counted = (sim: SimCluster, key: string, f: () => Promise<Run>) => async () => {
      await resetAdminCalls(sim);
      const r = await f();
      const c = await adminCalls(sim);
      calls[key] = `${c.total} (${c.top})`;
      return r;
    };
    const [fp, pp, fd, sd, sp] = await interleaved(RUNS, [
      counted(sim60, "preview60", () => fleet.pulumi(preview, { sampleMemory: true })),
      () => plain.pulumi(preview, { sampleMemory: true }),
      counted(sim60, "drift60", () => fleet.pulumi(drift, { sampleMemory: true })),
      counted(sim3, "drift3", () => small.pulumi(drift)),
      () => small.pulumi(preview),
    ]);
    const t = (runs: Run[]): Timing => timingOf(runs);
    const [tfp, tpp, tfd, tsd, tsp] = [t(fp!), t(pp!), t(fd!), t(sd!), t(sp!)];
    const fleetWords = `60 brokers, ${TOPICS.length} topics, 6,000 partition replicas, ${count} resources`;
    const r1 = ratio(tfp.wallMs, tpp.wallMs);
    print({
      name: `no-op \`pulumi preview\` of the fleet (${fleetWords}) / of ${count} plain resources`,
      ...r1,
      target: { text: "≤ 1.5×", met: r1.value <= 1.5 },
      detail: `medians of ${RUNS}: fleet ${wallCpu(tfp)}, plain ${wallCpu(tpp)}; cpu ratio ${ratio(tfp.cpuMs, tpp.cpuMs).shown}`,
      reproduce: `node dist/bench/index.js fleet  # ${fleet.command(preview)} vs ${plain.command(preview)}`,
    });
    const r2 = ratio(tfd.wallMs, tpp.wallMs);
    print({
      name: `drift check (\`pulumi refresh --preview-only\`) of the fleet / no-op preview of ${count} plain resources`,
      ...r2,
      target: { text: "≤ 1.5×", met: r2.value <= 1.5 },
      detail: `medians of ${RUNS}: fleet drift ${wallCpu(tfd)}, plain preview ${wallCpu(tpp)}; cpu ratio ${ratio(tfd.cpuMs, tpp.cpuMs).shown}`,
      reproduce: `node dist/bench/index.js fleet  # ${fleet.command(drift)}`,
    });
    const r3 = ratio(tfd.wallMs, tsd.wallMs);
    print({
      name: "drift check, 60 brokers / 3 brokers (same 200 topics)",
      ...r3,
      target: { text: "≤ 3×", met: r3.value <= 3 },
      detail: `medians of ${RUNS}: 60 brokers ${wallCpu(tfd)}, 3 brokers ${wallCpu(tsd)}`,
      reproduce: `node dist/bench/index.js fleet  # ${small.command(drift)}`,
    });
    const r4 = ratio(tfp.wallMs, tsp.wallMs);
    print({
      name: "no-op `pulumi preview`, 60 brokers / 3 brokers (same 200 topics; no target, the issue's first measure)",
      ...r4,
      detail: `medians of ${RUNS}: 60 brokers ${wallCpu(tfp)}, 3 brokers ${wallCpu(tsp)}`,
      reproduce: `node dist/bench/index.js fleet  # ${small.command(preview)}`,
    });
    console.log(`peak memory, fleet preview: ${peaks(fp!)}`);
    console.log(`peak memory, fleet drift check: ${peaks(fd!)}`);
    console.log(`peak memory, plain preview: ${peaks(pp!)}`);
    console.log(`admin API calls, fleet preview: ${calls.preview60}`);
    console.log(`admin API calls, fleet drift check: ${calls.drift60}`);
    console.log(`admin API calls, 3-broker drift check: ${calls.drift3}`);

    // streambus-ops health on 60 brokers against 1 (the same 2,000 partitions).
    const health60 = () => ops(["health", "--brokers", sim60.brokerUrl(1)]);
    const health1 = () => ops(["health", "--brokers", sim1.brokerUrl(1)]);
    await health60();
    await health1();
    const [h60, h1] = await interleaved(5, [health60, health1]);
    const [th60, th1] = [timingOf(h60!), timingOf(h1!)];
    const r5 = ratio(th60.wallMs, th1.wallMs);
    print({
      name: "`streambus-ops health`, 60 brokers / 1 broker (2,000 partitions each)",
      ...r5,
      target: { text: "≤ 2×", met: r5.value <= 2 },
      detail: `medians of 5: 60 brokers ${wallCpu(th60)}, 1 broker ${wallCpu(th1)}`,
      reproduce: "node dist/bench/index.js fleet  # time node bin/streambus-ops.js health --brokers URL",
    });
    await resetAdminCalls(sim60);
    await health60();
    const c60 = await adminCalls(sim60);
    console.log(`admin API calls, one \`streambus-ops health\` on 60 brokers: ${c60.total} (${c60.top})`);
  } finally {
    for (const stack of stacks.reverse()) await stack.remove({ destroy: false });
    await Promise.all([sim60.stop(), sim3.stop(), sim1.stop()]);
  }
}
