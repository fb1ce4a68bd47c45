/**
 * Throwaway stacks for the benchmarks: the project's own program (`bench-...` stacks of this
 * repository, run by the plain `pulumi` CLI as a user runs it) and a baseline project of plain
 * resources. Each is destroyed and removed after, its config file too, so `make bench` runs from
 * a fresh clone after `make build` and leaves nothing behind.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { run, type Run } from "./measure";

/** The repository (the Pulumi project whose program the stacks run). */
export const ROOT = resolve(__dirname, "../..");

const FLAGS = ["--non-interactive", "--color", "never"];

/** The offline settings of scripts/env.sh: the benchmarks refuse to touch any other backend. */
export function requireOfflineEnv(): void {
  if (!process.env.PULUMI_BACKEND_URL?.startsWith("file://") || !process.env.PULUMI_CONFIG_PASSPHRASE) {
    throw new Error("the stack benchmarks need the offline Pulumi settings: `source scripts/env.sh` first");
  }
}

/** A throwaway stack. */
export interface BenchStack {
  /** Its name, e.g. `bench-fleet60-1a2b`. */
  name: string;
  /** The folder holding its Pulumi.yaml. */
  cwd: string;
  /** Runs `pulumi ARGS --stack NAME` there, measured. */
  pulumi(args: string[], options?: { sampleMemory?: boolean; env?: NodeJS.ProcessEnv }): Promise<Run>;
  /** The same command as a user types it, for the "reproduce" line. */
  command(args: string[]): string;
  /** Sets `key=value` config (plain text; objects as JSON). */
  configure(config: Record<string, unknown>): Promise<void>;
  /**
   * Removes the stack and its config file, destroying its resources first unless `destroy` is
   * false (resources that live only in an emulator about to stop: the state is dropped instead).
   */
  remove(options?: { destroy?: boolean }): Promise<void>;
}

const made: BenchStack[] = [];

/** Creates a stack named `bench-<what>-<suffix>` of the project in `cwd` (default: this repository). */
export async function createStack(what: string, cwd = ROOT): Promise<BenchStack> {
  requireOfflineEnv();
  const name = `bench-${what}-${process.pid.toString(36)}${Date.now().toString(36).slice(-4)}`;
  const pulumi = (args: string[], options: { sampleMemory?: boolean; env?: NodeJS.ProcessEnv } = {}) =>
    run("pulumi", [...args, "--stack", name, ...FLAGS], { cwd, ...options });
  const must = async (args: string[]) => {
    const r = await pulumi(args);
    if (r.code !== 0) throw new Error(`pulumi ${args.join(" ")} failed:\n${r.stdout}\n${r.stderr}`);
    return r;
  };
  const init = await run("pulumi", ["stack", "init", name, ...FLAGS], { cwd });
  if (init.code !== 0) throw new Error(`pulumi stack init ${name} failed: ${init.stderr}`);
  const stack: BenchStack = {
    name,
    cwd,
    pulumi,
    command: (args) => {
      const where = relative(process.cwd(), cwd);
      return `${where ? `(cd ${where} && ` : ""}pulumi ${args.join(" ")} --stack ${name}${where ? ")" : ""}`;
    },
    async configure(config) {
      const pairs = Object.entries(config).flatMap(([key, value]) => [
        "--plaintext",
        `${key}=${typeof value === "string" ? value : JSON.stringify(value)}`,
      ]);
      await must(["config", "set-all", ...pairs]);
    },
    async remove({ destroy = true } = {}) {
      if (destroy) await pulumi(["destroy", "--yes", "--skip-preview"]);
      await pulumi(["stack", "rm", "--yes", "--force"]);
      rmSync(join(cwd, `Pulumi.${name}.yaml`), { force: true });
      // The local platform's generated files (alert rules, dashboard).
      rmSync(join(ROOT, ".streambus", name), { recursive: true, force: true });
      made.splice(made.indexOf(stack), 1);
    },
  };
  made.push(stack);
  return stack;
}

/** Removes every stack still made (after a failure or Ctrl-C). */
export async function removeAllStacks(): Promise<void> {
  for (const stack of [...made].reverse()) await stack.remove().catch(() => undefined);
}

/**
 * The baseline project: `count` plain resources (a dynamic resource whose provider answers at
 * once, one shared provider object) and nothing else, in `.streambus/bench/plain`. Its program
 * is `dist/bench/plain-program.js`.
 */
export function plainProject(): string {
  const dir = join(ROOT, ".streambus", "bench", "plain");
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, "Pulumi.yaml"),
    [
      "name: streambus-bench-plain",
      "description: The benchmarks' baseline, plain resources (made and removed by make bench).",
      "runtime:",
      "  name: nodejs",
      "  options:",
      "    typescript: false",
      `main: ${relative(dir, join(ROOT, "dist", "bench", "plain-program.js"))}`,
      "",
    ].join("\n"),
  );
  return dir;
}
