/**
 * How the benchmarks measure and print: a command run as a child process (wall time, the CPU
 * time of its whole process tree, the peak memory of each kind of process in the tree), medians
 * of runs taken in turn, and one figure per line as a ratio with the absolute values beside it
 * and the command that reproduces it. These machines are noisy: a ratio of two things measured
 * in the same run says more than either time alone.
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync, readdirSync } from "node:fs";

/** What one run of a command cost, and what it printed. */
export interface Run {
  /** Exit code (1 when killed by a signal). */
  code: number;
  stdout: string;
  stderr: string;
  /** Wall time, ms. */
  wallMs: number;
  /** User + system CPU of the process and every descendant it waited for, ms (NaN without /usr/bin/time). */
  cpuMs: number;
  /** Peak resident memory (VmHWM) of each kind of process in the tree, KiB, by {@link processKind}. */
  peakKiB: Record<string, number>;
}

const TIME = "/usr/bin/time";
const TIME_MARK = "bench-rusage";

/**
 * The kind of a process in a `pulumi` run's tree, from its command line: the engine, the Node.js
 * language host, the program (the SDK's `cmd/run`), the dynamic-provider process, or other.
 */
export function processKind(cmdline: string): string {
  if (cmdline.includes("dynamic-provider")) return "dynamic provider";
  if (cmdline.includes("cmd/run")) return "program";
  if (cmdline.includes("pulumi-language-nodejs")) return "language host";
  if (/(^|\/)pulumi(\0|$)/.test(cmdline)) return "engine";
  if (cmdline.includes("pulumi-resource-pulumi-nodejs")) return "dynamic provider";
  return "other";
}

function readProc(pid: number): { ppid: number; cmdline: string; hwmKiB: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8");
    const hwm = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return { ppid, cmdline, hwmKiB: hwm ? Number(hwm[1]) : 0 };
  } catch {
    return undefined;
  }
}

/** Every descendant of `root` now alive, with its peak memory so far. */
function treeOf(root: number): Array<{ pid: number; cmdline: string; hwmKiB: number }> {
  if (!existsSync("/proc")) return [];
  const all = new Map<number, { ppid: number; cmdline: string; hwmKiB: number }>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const p = readProc(Number(name));
    if (p) all.set(Number(name), p);
  }
  const inTree = new Set([root]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, p] of all) {
      if (!inTree.has(pid) && inTree.has(p.ppid)) {
        inTree.add(pid);
        grew = true;
      }
    }
  }
  return [...inTree].flatMap((pid) => {
    const p = all.get(pid);
    return p ? [{ pid, cmdline: p.cmdline, hwmKiB: p.hwmKiB }] : [];
  });
}

/**
 * Runs `command args` in `cwd` and measures it. Through `/usr/bin/time` where there is one, for
 * the CPU time of the whole tree; the tree's peak memory is sampled from /proc every 100 ms.
 */
export function run(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; sampleMemory?: boolean } = {},
): Promise<Run> {
  const timed = existsSync(TIME);
  const [file, argv] = timed ? [TIME, ["-f", `${TIME_MARK} %U %S`, command, ...args]] : [command, args];
  const started = performance.now();
  const child = spawn(file, argv, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  const peakKiB: Record<string, number> = {};
  const sample = () => {
    if (child.pid === undefined) return;
    for (const p of treeOf(child.pid)) {
      const kind = processKind(p.cmdline);
      if (kind === "other") continue;
      peakKiB[kind] = Math.max(peakKiB[kind] ?? 0, p.hwmKiB);
    }
  };
  const timer = options.sampleMemory ? setInterval(sample, 100) : undefined;
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => {
      if (timer) clearInterval(timer);
      const wallMs = performance.now() - started;
      let cpuMs = Number.NaN;
      const mark = new RegExp(`${TIME_MARK} ([\\d.]+) ([\\d.]+)\\s*$`).exec(stderr);
      if (mark) {
        cpuMs = (Number(mark[1]) + Number(mark[2])) * 1000;
        stderr = stderr.slice(0, mark.index);
      }
      // /usr/bin/time reports a failed command on stderr and exits with its code.
      stderr = stderr.replace(/Command exited with non-zero status \d+\n?$/, "");
      resolve({ code: code ?? 1, stdout, stderr, wallMs, cpuMs, peakKiB });
    });
  });
}

/** The median of `values` (the mean of the middle two for an even count). */
export function median(values: number[]): number {
  const v = values.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  if (v.length === 0) return Number.NaN;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
}

/** Medians of wall and CPU time over runs. */
export interface Timing {
  wallMs: number;
  cpuMs: number;
  runs: number;
}

/** The medians of `runs`. */
export function timingOf(runs: Run[]): Timing {
  return {
    wallMs: median(runs.map((r) => r.wallMs)),
    cpuMs: median(runs.map((r) => r.cpuMs)),
    runs: runs.length,
  };
}

/**
 * Runs each of `commands` `n` times, in turn (a, b, a, b, ...), so that a burst of load on the
 * machine falls on both sides of a ratio. Throws when a run fails, with what it printed.
 */
export async function interleaved(
  n: number,
  commands: Array<() => Promise<Run>>,
  expectCode: (index: number) => number = () => 0,
): Promise<Run[][]> {
  const out: Run[][] = commands.map(() => []);
  for (let i = 0; i < n; i++) {
    for (const [k, command] of commands.entries()) {
      const r = await command();
      if (r.code !== expectCode(k)) {
        throw new Error(
          `a benchmark run exited ${r.code} (expected ${expectCode(k)}):\n${r.stdout.slice(-2000)}\n${r.stderr.slice(-2000)}`,
        );
      }
      out[k]!.push(r);
    }
  }
  return out;
}

/** Seconds, for people: `1.23 s`. */
export const s = (ms: number): string => (Number.isNaN(ms) ? "n/a" : `${(ms / 1000).toFixed(2)} s`);

/** MiB from KiB: `212 MiB`. */
export const mib = (kib: number | undefined): string =>
  kib === undefined || Number.isNaN(kib) ? "n/a" : `${(kib / 1024).toFixed(0)} MiB`;

/** A wall time with its CPU time: `1.23 s (cpu 0.98 s)`. */
export const wallCpu = (t: Timing): string =>
  Number.isNaN(t.cpuMs) ? s(t.wallMs) : `${s(t.wallMs)} (cpu ${s(t.cpuMs)})`;

/** One printed figure. */
export interface Figure {
  /** What is measured, e.g. "`pulumi preview`, 60-broker fleet / plain stack". */
  name: string;
  /** The ratio (or, for an overhead, the figure itself) and its unit-less target. */
  value: number;
  /** How `value` is shown, e.g. `1.32×` or `0.41 s`. */
  shown: string;
  /** The target, e.g. `≤ 1.5×`, and whether it is met; undefined when there is none. */
  target?: { text: string; met: boolean };
  /** The absolute values behind it. */
  detail: string;
  /** The command that reproduces it. */
  reproduce: string;
}

/** Every figure printed so far, for the summary at the end. */
export const figures: Figure[] = [];

/** Prints one figure: the ratio and target, the absolute values, the command. */
export function print(figure: Figure): void {
  figures.push(figure);
  const verdict = figure.target
    ? ` (target ${figure.target.text}: ${figure.target.met ? "met" : "MISSED"})`
    : "";
  console.log(`${figure.name}: ${figure.shown}${verdict}`);
  console.log(`    ${figure.detail}`);
  console.log(`    reproduce: ${figure.reproduce}`);
}

/** A ratio `a / b`, shown as `1.32×`. */
export function ratio(a: number, b: number): { value: number; shown: string } {
  const value = a / b;
  return { value, shown: `${value.toFixed(2)}×` };
}
