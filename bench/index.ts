/**
 * `make bench`: what operators wait for, printed as figures (not a timed test: nothing here
 * fails on a duration). Each figure is a ratio of two things measured in the same run, with the
 * absolute values beside it and the command that reproduces it. The stacks and emulators it
 * needs are made here and removed after.
 *
 * Run: `make bench`, or after `make build` with scripts/env.sh sourced:
 *   node dist/bench/index.js [startup] [scaling] [fleet] [waiting]   (default: all)
 * The emulator's own figures are `node --expose-gc dist/bench/sim.js`.
 */
import { execFileSync } from "node:child_process";
import { cpus, loadavg, totalmem } from "node:os";
import { fleetBench } from "./fleet";
import { figures, s } from "./measure";
import { scalingBench } from "./scaling";
import { removeAllStacks } from "./stacks";
import { startupBench } from "./startup";
import { waitingBench } from "./waiting";

const SECTIONS: Record<string, { title: string; run: () => Promise<void> }> = {
  startup: { title: "streambus-ops start-up", run: startupBench },
  scaling: { title: "scaling through pulumi up", run: scalingBench },
  fleet: { title: "a 60-broker fleet: preview, drift check, health", run: fleetBench },
  waiting: { title: "the adaptive wait", run: waitingBench },
};

function version(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, { encoding: "utf8" }).trim();
  } catch {
    return "not found";
  }
}

function machine(): string {
  const load = loadavg().map((l) => l.toFixed(2));
  return (
    `${cpus().length} cores (${cpus()[0]?.model ?? "unknown"}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB, ` +
    `load average ${load.join(" ")}; node ${process.version}, pulumi ${version("pulumi", ["version"])}`
  );
}

async function main(argv: string[]): Promise<void> {
  const unknown = argv.filter((a) => !(a in SECTIONS));
  if (unknown.length)
    throw new Error(`unknown section ${unknown.join(", ")} (one of: ${Object.keys(SECTIONS).join(", ")})`);
  const chosen = argv.length ? argv : Object.keys(SECTIONS);
  const started = performance.now();
  console.log(`streambus-infra benchmarks, ${new Date().toISOString()}`);
  console.log(`machine: ${machine()}`);
  for (const key of chosen) {
    const section = SECTIONS[key]!;
    const t = performance.now();
    console.log(`\n== ${section.title}`);
    await section.run();
    console.log(`(${key}: ${s(performance.now() - t)}; load average now ${loadavg()[0]!.toFixed(2)})`);
  }
  const missed = figures.filter((f) => f.target && !f.target.met);
  console.log(
    `\n${figures.length} figures, ${figures.filter((f) => f.target?.met).length} targets met, ${missed.length} missed` +
      (missed.length ? `: ${missed.map((f) => f.name).join("; ")}` : "") +
      `; took ${s(performance.now() - started)}`,
  );
}

let stopping = false;
process.on("SIGINT", () => {
  if (stopping) process.exit(130);
  stopping = true;
  console.error("interrupted: removing the benchmark stacks");
  void removeAllStacks().finally(() => process.exit(130));
});

main(process.argv.slice(2)).catch(async (error: unknown) => {
  console.error(error);
  await removeAllStacks();
  process.exit(1);
});
