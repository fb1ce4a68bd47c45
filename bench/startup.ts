/**
 * `streambus-ops` start-up: `--help`, an argument error and `health` on 3 brokers against their
 * targets (0.3 s, 0.3 s, 0.5 s of wall time), each beside Node's own start (`node -e 0`), and
 * the admin API calls one `health` costs. Every command runs once before it is measured (the
 * OS file cache and Node's compile cache warm, as on an operator's second call).
 */
import { join } from "node:path";
import { startSim, type SimCluster } from "../sim";
import { interleaved, print, ratio, run, s, timingOf, wallCpu, type Run } from "./measure";
import { adminCalls, resetAdminCalls, waitForMembers } from "./sim-control";
import { ROOT } from "./stacks";

const CLI = join(ROOT, "bin", "streambus-ops.js");
const RUNS = 7;

/** `node bin/streambus-ops.js ARGS`, measured. */
export function ops(args: string[]): Promise<Run> {
  return run(process.execPath, [CLI, ...args], { cwd: ROOT });
}

/** The start-up figures, on a 3-broker emulator started here. */
export async function startupBench(): Promise<void> {
  const sim: SimCluster = await startSim({
    brokers: 3,
    registerDelayMs: 50,
    electionDelayMs: 300,
    produceRateMsgsPerS: 100,
  });
  try {
    await waitForMembers(sim, 3);
    const brokers = ["--brokers", sim.brokerUrl(1)];
    const node = () => run(process.execPath, ["-e", "0"]);
    const help = () => ops(["--help"]);
    const badArg = () => ops(["drain", "-1", ...brokers]);
    const health = () => ops(["health", ...brokers]);
    for (const warm of [node, help, badArg, health]) await warm();
    const [n, h, b, hl] = await interleaved(RUNS, [node, help, badArg, health], (k) => (k === 2 ? 2 : 0));
    const tn = timingOf(n!);
    const each: Array<[string, Run[], number, string]> = [
      ["`streambus-ops --help`", h!, 300, "node bin/streambus-ops.js --help"],
      ["`streambus-ops drain -1` (an argument error)", b!, 300, "node bin/streambus-ops.js drain -1"],
      [
        "`streambus-ops health`, 3 brokers",
        hl!,
        500,
        "node bin/streambus-ops.js health --brokers URL (a 3-broker emulator: streambus-sim --brokers 3)",
      ],
    ];
    for (const [name, runs, targetMs, command] of each) {
      const t = timingOf(runs);
      print({
        name: `${name}, wall time`,
        value: t.wallMs,
        shown: s(t.wallMs),
        target: { text: `< ${s(targetMs)}`, met: t.wallMs < targetMs },
        detail: `${ratio(t.wallMs, tn.wallMs).shown} Node's own start; median of ${t.runs}: ${wallCpu(t)}; \`node -e 0\`: ${wallCpu(tn)}`,
        reproduce: `time ${command}`,
      });
    }
    await resetAdminCalls(sim);
    await health();
    const calls = await adminCalls(sim);
    console.log(`admin API calls, one \`streambus-ops health\` on 3 brokers: ${calls.total} (${calls.top})`);
  } finally {
    await sim.stop();
  }
}
